"""The one place pdfplumber is used: a PDF's text layer and its form widgets."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
from pydantic import BaseModel

from intake.errors import InputError
from intake.forms.model import Rect

MM_PER_PT = 25.4 / 72.0


class PdfWidget(BaseModel, frozen=True):
    """A form widget as found in a PDF: its name, page, rectangle (mm) and value."""

    name: str
    page: int  # 1-based
    rect: Rect
    value: str | None  # text value; for a checkbox its state ("Off" or the on state)
    checkbox: bool
    #: a signature field (/FT /Sig) holding a signature dictionary: signed by software,
    #: not verified here (whoever made the PDF could have put it there)
    signed: bool = False


def page_texts(path: Path) -> list[str]:
    """The text layer of each page (empty strings for scanned pages)."""
    with _open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


class PdfWord(BaseModel, frozen=True):
    """A word of a PDF's text layer and its box (mm from the page's top-left)."""

    text: str
    rect: Rect


def page_words(path: Path, number: int = 1) -> tuple[list[PdfWord], tuple[float, float]]:
    """The words of page ``number``'s text layer (empty for a scanned page) and the
    page's size in mm."""
    with _open(path) as pdf:
        try:
            pages = pdf.pages
        except (PdfminerException, MalformedPDFException) as exc:
            raise InputError(f"{path.name}: kan inte läsas som PDF ({exc}).") from exc
        if not 1 <= number <= len(pages):
            raise InputError(f"{path.name}: sidan {number} finns inte.")
        page = pages[number - 1]
        words = [
            PdfWord(text=w["text"], rect=Rect(
                x=float(w["x0"]) * MM_PER_PT, y=float(w["top"]) * MM_PER_PT,
                w=(float(w["x1"]) - float(w["x0"])) * MM_PER_PT,
                h=(float(w["bottom"]) - float(w["top"])) * MM_PER_PT))
            for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
        ]
        return words, (float(page.width) * MM_PER_PT, float(page.height) * MM_PER_PT)


def form_widgets(path: Path) -> list[PdfWidget]:
    """Every widget annotation with a name, in page order."""
    widgets = []
    with _open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            height = float(page.height)
            for annot in page.annots:
                widget = _widget(annot, number, height)
                if widget is not None:
                    widgets.append(widget)
    return widgets


def _open(path: Path) -> pdfplumber.PDF:
    try:
        return pdfplumber.open(path)
    except (PDFSyntaxError, PdfminerException, ValueError, OSError) as exc:
        raise InputError(f"{path.name}: kan inte läsas som PDF ({exc}).") from exc


def _widget(annot: dict, page: int, height: float) -> PdfWidget | None:
    data = annot.get("data") or {}
    name = _text(data.get("T"))
    if not name:
        return None
    x0, top, x1, bottom = (float(annot[k]) for k in ("x0", "top", "x1", "bottom"))
    rect = Rect(
        x=x0 * MM_PER_PT, y=top * MM_PER_PT, w=(x1 - x0) * MM_PER_PT, h=(bottom - top) * MM_PER_PT
    )
    kind = _text(data.get("FT"))
    if kind == "Sig":
        return PdfWidget(name=name, page=page, rect=rect, value=None, checkbox=False,
                         signed=_is_signature_dictionary(data.get("V")))
    checkbox = kind == "Btn"
    value = _text(data.get("AS") if checkbox else data.get("V"))
    return PdfWidget(name=name, page=page, rect=rect, value=value, checkbox=checkbox)


def _is_signature_dictionary(raw: object) -> bool:
    """A /Sig field's value that is a signature: a dictionary with its /Contents."""
    value = resolve1(raw)
    return isinstance(value, dict) and bool(resolve1(value.get("Contents")))


def _decode_pdf_string(raw: bytes) -> str:
    """A PDF text string: UTF-16 with its byte order mark, UTF-8 with its mark (PDF
    2.0), else PDFDocEncoding (Latin-1 for letters) — except that bytes which are valid
    UTF-8 beyond ASCII are taken as UTF-8, as tools that write names and values without
    a mark do ("FÃ¶rnamn" would otherwise reach the reader for "Förnamn")."""
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def _text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return _decode_pdf_string(raw)
    name = getattr(raw, "name", None)
    return str(name) if name is not None else str(raw)
