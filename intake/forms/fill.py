"""The one place pypdf is used: filling a blank form's widgets digitally.

This is how a digitally filled PDF is made (the samples' ``digital`` style and a
förbund's own tooling): text widgets get their value, checkboxes their on state, and
the signature box (True) a PDF signature — a signature field with a signature
dictionary, as signing software leaves it. Its bytes sign nothing (a placeholder): the
reader never takes a digital signature as verified, it sends it to Diariet to check.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

#: The widget of the signature box (CONTRACT §3).
SIGNATURE_WIDGET = "underskrift"


def fill_pdf(blank: bytes, values: Mapping[str, str | bool], out: Path) -> None:
    """Write the ``blank`` PDF with widget ``values`` (name → text, True for a tick) to ``out``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    ticks = {k for k, v in values.items() if v is True}
    page = writer.pages[0]
    writer.update_page_form_field_values(page, texts, auto_regenerate=False)
    for annot_ref in page.get("/Annots", []):
        annot = annot_ref.get_object()
        if annot.get("/T") == SIGNATURE_WIDGET and SIGNATURE_WIDGET in ticks:
            _sign(annot)
        elif annot.get("/T") in ticks:
            on_state = _on_state(annot)
            annot[NameObject("/V")] = NameObject(on_state)
            annot[NameObject("/AS")] = NameObject(on_state)
    writer.set_need_appearances_writer(True)
    with out.open("wb") as fh:
        writer.write(fh)


def _sign(annot: DictionaryObject) -> None:
    """Make the signature box a signature field holding a signature dictionary."""
    annot[NameObject("/FT")] = NameObject("/Sig")
    annot[NameObject("/V")] = DictionaryObject({
        NameObject("/Type"): NameObject("/Sig"),
        NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
        NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
        NameObject("/ByteRange"): ArrayObject([NumberObject(0)] * 4),
        NameObject("/Contents"): ByteStringObject(b"\x00" * 64),
        NameObject("/M"): TextStringObject("D:20260101000000Z"),
    })


def _on_state(annot: object) -> str:
    states = annot["/AP"]["/N"].keys()  # type: ignore[index]
    return next((s for s in states if s != "/Off"), "/Yes")
