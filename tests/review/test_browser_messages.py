"""Issue 15 (points 7 and 9) in real Chromium: files that cannot be read are named with
a Swedish reason on the batch page (an empty file is "tom", a broken PDF no English
library text), and the reports download as Swedish Excel opens them (.csv with a byte
order mark and semicolons, and .xlsx). Screenshots go to out/screenshots/review-day/."""

# The fixtures server and page are test_browser's, imported: their names as parameters
# are the point, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.review.test_browser import (  # noqa: F401 (the fixtures)
    SCREENSHOTS,
    _login,
    page,
    server,
)

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "review-day"
ENGLISH = re.compile(r"PDFium|Failed|error|Error|Data format|cannot|invalid", re.ASCII)


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_unreadable_files_are_named_with_a_swedish_reason_on_the_batch_page(
        server: tuple[str, Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a förbund uploading an empty file and a broken PDF WHEN the batch has been
    handled THEN its page says the empty one "filen är tom" and the broken one cannot be
    read, in Swedish, with no library's English message."""
    base, _ = server
    empty, broken = tmp_path / "tom.pdf", tmp_path / "trasig.pdf"
    empty.write_bytes(b"")
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF")
    _login(page, base, "forbund")
    page.goto(f"{base}/ladda-upp")
    page.set_input_files("#files", [str(empty), str(broken)])
    page.click("#send")
    page.wait_for_url("**/batch/*")
    page.wait_for_selector("#batch-state[data-done=true]", timeout=60_000)
    _shot(page, "11-unreadable-files")
    text = page.inner_text("main")
    assert "tom.pdf: filen är tom." in text
    assert re.search(r"trasig\.pdf: [^\n]*(kan inte läsas|går inte att läsa|skadad)", text), text
    assert not ENGLISH.search(text), text


def test_a_report_downloads_as_swedish_excel_opens_it(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN an admin on the reports page WHEN they click "Hämta som CSV" and "Hämta som
    Excel" THEN the CSV has a byte order mark, semicolons and zeros written as 0, and the
    workbook opens with the same header row."""
    base, _ = server
    _login(page, base, "admin")
    page.goto(f"{base}/rapporter")
    _shot(page, "12-reports")
    with page.expect_download() as csv_download:
        page.click("text=Hämta som CSV >> nth=0")
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = raw.decode("utf-8-sig").splitlines()
    header = rows[0].split(";")
    assert len(header) > 1 and "," not in rows[0]
    assert any(cell == "0" for row in rows[1:] for cell in row.split(";"))
    with page.expect_download() as xlsx_download:
        page.click("text=Hämta som Excel (.xlsx) >> nth=0")
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    first = [cell.value for cell in next(book.active.iter_rows(max_row=1))]
    assert first == header
