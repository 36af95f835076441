"""Reports as files a Swedish spreadsheet opens as they are: CSV the way Swedish Excel
reads it (UTF-8 with a byte order mark, ``;`` between cells, CRLF, zeros written as 0)
and ``.xlsx``. The one place openpyxl is used.

A text cell never becomes a formula: in the CSV one starting like a formula gets a
leading ``'`` (:func:`sus_store.reports.spreadsheet_safe`); in the ``.xlsx`` every
text cell is stored as text. Counts stay numbers in both."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from sus_store.reports import spreadsheet_safe

Cell = str | int | None

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's longest sheet name; it refuses some characters in one
_SHEET_NAME_LENGTH = 31
_NOT_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def excel_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """``rows`` as CSV for Swedish Excel: BOM, ``;``, CRLF; an unset cell is empty."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(cell) if isinstance(cell, int) else spreadsheet_safe(cell)


def xlsx(rows: Sequence[Sequence[Cell]], *, sheet: str) -> bytes:
    """``rows`` as a one-sheet ``.xlsx`` named ``sheet``: text as text, counts as
    numbers, an unset cell empty."""
    book = Workbook(write_only=True)
    page = book.create_sheet(sheet.translate(_NOT_IN_SHEET_NAMES)[:_SHEET_NAME_LENGTH])
    for row in rows:
        page.append([_xlsx_cell(page, cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(page: object, cell: Cell) -> object:
    if not isinstance(cell, str):
        return cell
    text = WriteOnlyCell(page, value=cell)
    text.data_type = "s"  # never a formula, whatever it starts with
    return text
