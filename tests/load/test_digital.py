"""A digitally filled page read exactly; its signature box signed only by a PDF
signature, never by a name typed into it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from intake.forms.blank import blank_pdf
from intake.forms.fill import fill_pdf
from intake.load.digital import digital_reads
from intake.load.inputs import DigitalPage, list_pages
from intake.mapping.base import Context
from intake.mapping.choices import DIGITAL_SIGNATURE, TYPED_SIGNATURE
from intake.mapping.interpret import interpret_page


def _underskrift(tmp_path: Path, signature: str | bool | None) -> tuple[object, str | None]:
    """The underskrift value and problem of a digital 9443 with ``signature`` in its box."""
    values: dict[str, str | bool] = {"personnummer": "191212121212",
                                     "ort_och_datum": "Uppsala 2026-11-20"}
    if signature is not None:
        values["underskrift"] = signature
    path = tmp_path / "9443.pdf"
    fill_pdf(blank_pdf("9443"), values, path)
    (page,) = list_pages(path, dpi=150)
    assert isinstance(page, DigitalPage)
    context = Context.shipped(date(2026, 11, 25))
    field = interpret_page(digital_reads(page, "9443"), context)["underskrift"]
    return field.value, field.problem


@pytest.mark.parametrize("typed", ["Testperson Testsson", "Signerad digitalt", "x"])
def test_a_name_typed_into_the_signature_box_is_not_a_signature(
        tmp_path: Path, typed: str) -> None:
    """GIVEN a digital 9443 with text typed into 'Underskrift' WHEN it is read
    THEN it is unsigned, with the reason for the person who looks at it."""
    assert _underskrift(tmp_path, typed) == (False, TYPED_SIGNATURE)


def test_an_empty_signature_box_is_unsigned_without_a_problem(tmp_path: Path) -> None:
    assert _underskrift(tmp_path, None) == (False, None)


def test_a_pdf_signature_is_signed_but_left_for_diariet_to_check(tmp_path: Path) -> None:
    """GIVEN a digital 9443 whose box is a signature field holding a signature
    dictionary WHEN it is read THEN signed, with 'Diariet checks it' as its problem."""
    assert _underskrift(tmp_path, True) == (True, DIGITAL_SIGNATURE)


def test_a_name_written_as_utf8_without_a_mark_reads_as_written(tmp_path: Path) -> None:
    """GIVEN a 9448 filled by a tool that writes field values as UTF-8 bytes without a
    byte order mark WHEN it is read THEN "Åsa Öberg" is read, not "Ã\x85sa Ã\x96berg"."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ByteStringObject, NameObject

    reader = PdfReader(io.BytesIO(blank_pdf("9448")))
    writer = PdfWriter(clone_from=reader)
    for annot in writer.pages[0]["/Annots"]:
        annot = annot.get_object()
        if annot.get("/T") == "namn":
            annot[NameObject("/V")] = ByteStringObject("Åsa Öberg".encode())
    path = tmp_path / "utf8.pdf"
    with path.open("wb") as out:
        writer.write(out)
    (page,) = list_pages(path, dpi=150)
    assert isinstance(page, DigitalPage)
    assert digital_reads(page, "9448").texts["namn"].text == "Åsa Öberg"
