"""The reports as files to download: CSV for Swedish Excel and ``.xlsx``
(:mod:`intake.review.spreadsheet`). Counts only, so every logged-in user may."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from intake.review.deps import CurrentUser, SessionDep, TodayDep
from intake.review.reports import report_by_name
from intake.review.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, excel_csv, xlsx

router = APIRouter(include_in_schema=False)


@router.get("/rapporter/{name}.csv")
def report_csv(name: str, session: SessionDep, user: CurrentUser, today: TodayDep,
               year: int | None = None) -> Response:
    year = year or today.year
    report = report_by_name(session, name, year=year)
    return _download(excel_csv(report.value_rows()), CSV_MEDIA_TYPE, f"{name}-{year}.csv")


@router.get("/rapporter/{name}.xlsx")
def report_xlsx(name: str, session: SessionDep, user: CurrentUser, today: TodayDep,
                year: int | None = None) -> Response:
    year = year or today.year
    report = report_by_name(session, name, year=year)
    content = xlsx(report.value_rows(), sheet=f"{name} {year}")
    return _download(content, XLSX_MEDIA_TYPE, f"{name}-{year}.xlsx")


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
