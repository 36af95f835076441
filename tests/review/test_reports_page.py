"""The reports page (SPEC §6): tables, the inline SVG chart and CSV export, for every
logged-in user; counts only."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from intake.review.reports import REPORTS, started_chart
from intake.review.spreadsheet import excel_csv, xlsx
from intake.samples.store import populate
from sus_store import avslutsanledning, started_ended
from sus_store.reports import KonAntal, StartadeAvslutade, StartadeAvslutadeRapport
from tests.review.conftest import TODAY, login, state_of


def context(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.context
    return result


@pytest.fixture
def populated(client: TestClient) -> TestClient:
    """The service with 40 synthetic participants in three more förbund."""
    populate(state_of(client).store, participants=40, today=TODAY)
    return client


def test_reports_page_shows_the_four_tables_and_the_chart(populated: TestClient) -> None:
    """GIVEN a populated store and a granskare (no rapport permission needed)
    WHEN the reports page for 2026 is opened
    THEN it shows the four reports as tables, totals as the store counts them, and a chart."""
    login(populated, "granskare")
    response = populated.get("/rapporter", params={"year": 2026})
    page = context(response)
    assert response.template.name == "reports.html"
    assert page["year"] == 2026
    assert [report.name for report in page["reports"]] == list(REPORTS)
    started = page["reports"][0].tables[0]
    assert started.header[:3] == ["Förbund", "Insats", "Startade Kvinna"]
    with state_of(populated).store.transaction() as session:
        expected = started_ended(session, year=2026).startade
    assert started.rows[-1][:5] == ["Totalt", "", str(expected.kvinna), str(expected.man),
                                    str(expected.totalt)]
    chart = page["chart"]
    assert isinstance(chart, Markup) and chart.startswith("<svg")
    assert "Kvinna" in chart and "<script" not in chart


def test_reports_default_to_this_year_and_an_empty_year_has_no_chart(
        populated: TestClient) -> None:
    """GIVEN nobody started in 2010 WHEN that year is asked for THEN tables, no chart;
    without a year the page shows the service's current year."""
    login(populated, "forbund")
    assert context(populated.get("/rapporter"))["year"] == TODAY.year
    page = context(populated.get("/rapporter", params={"year": 2010}))
    assert page["chart"] is None
    assert "Inga deltagare startade 2010." in populated.get("/rapporter?year=2010").text


def test_csv_export_opens_in_swedish_excel(populated: TestClient) -> None:
    """GIVEN a populated store WHEN a report is fetched as CSV
    THEN it is a download named after it that Swedish Excel opens as it is (issue 15):
    UTF-8 with a byte order mark, ";" between cells, zeros written as 0 (not empty),
    and the same cells as the store's report."""
    login(populated, "diariet")
    response = populated.get("/rapporter/avslutsanledning.csv", params={"year": 2026})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="avslutsanledning-2026.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(codecs.BOM_UTF8)
    text = response.content.decode("utf-8-sig")
    assert text.startswith("Avslutsanledning;Kvinna;Man;Totalt\r\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    with state_of(populated).store.transaction() as session:
        report = avslutsanledning(session, year=2026)
    expected = [["" if c is None else str(c) for c in row] for row in report.value_rows()]
    assert rows == expected
    counts = [cell for row in rows[1:] for cell in row[1:]]
    assert "0" in counts and "" not in counts  # a zero is 0, as Excel sums it


def test_xlsx_export_has_the_reports_cells_as_numbers(populated: TestClient) -> None:
    """GIVEN a populated store WHEN a report is fetched as .xlsx
    THEN it opens as a workbook with the report's headers and labels as text and its
    counts as numbers, zeros as 0."""
    login(populated, "granskare")
    response = populated.get("/rapporter/startade-avslutade.xlsx", params={"year": 2026})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="startade-avslutade-2026.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    with state_of(populated).store.transaction() as session:
        expected = started_ended(session, year=2026).value_rows()
    width = len(rows[0])
    assert rows == [[None if c == "" else c for c in row] + [None] * (width - len(row))
                    for row in expected]
    assert rows[0][:3] == ["Förbund", "Insats", "Startade Kvinna"]
    assert any(cell == 0 for row in rows[1:] for cell in row)


def test_a_name_like_a_formula_stays_text_in_the_xlsx() -> None:
    """GIVEN a table whose label looks like a formula WHEN written as .xlsx and CSV
    THEN the workbook holds it as text (never a formula) and the CSV defuses it."""
    rows: list[list[str | int | None]] = [["Förbund", "Antal"], ['=HYPERLINK("x")', 0]]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx(rows, sheet="test"))).active
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 0
    assert excel_csv(rows).decode("utf-8-sig") == (
        "Förbund;Antal\r\n\"'=HYPERLINK(\"\"x\"\")\";0\r\n")


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_exports(client: TestClient, name: str) -> None:
    login(client, "granskare")
    for kind in ("csv", "xlsx"):
        response = client.get(f"/rapporter/{name}.{kind}", params={"year": 2026})
        assert response.status_code == 200 and response.content


def test_unknown_report_is_not_found(client: TestClient) -> None:
    login(client, "granskare")
    response = client.get("/rapporter/lonelista.csv")
    assert response.status_code == 404
    assert response.context["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/rapporter?year=1999",
                                  "/rapporter/avslutsanledning.csv?year=99999"])
def test_a_year_out_of_range_is_explained(client: TestClient, path: str) -> None:
    login(client, "granskare")
    response = client.get(path)
    assert response.status_code == 422
    assert response.context["error"]["message"].startswith("Rapporter finns för åren 2000–2100")


def test_reports_need_a_login(client: TestClient) -> None:
    response = client.get("/rapporter", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/rapporter"


def test_chart_escapes_names_and_scales_bars() -> None:
    """GIVEN an insats whose name looks like markup WHEN the chart is drawn
    THEN the name is escaped text and the larger insats has the longer bar."""
    rows = [StartadeAvslutade(forbund_id=1, forbund="F & co", insats_id=i, insats=name,
                              startade=KonAntal(kvinna=k, man=m), avslutade=KonAntal())
            for i, name, k, m in ((1, "<script>alert(1)</script>", 2, 2), (2, "Stor", 6, 2))]
    chart = started_chart(StartadeAvslutadeRapport(year=2026, insatser=rows, volym=[]))
    assert chart is not None
    assert "<script>" not in chart and "&lt;script&gt;" in chart and "F &amp; co" in chart
    assert chart.count("<rect") == 2 + 4  # the legend's two, then two bars of two
    assert "<title>Kvinna: 6</title>" in chart and ">8</text>" in chart
