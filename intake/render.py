"""The one place pypdfium2 is used: PDF pages to images (form fields drawn too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from intake.errors import InputError


def render_pdf(
    source: Path | bytes, *, dpi: int, grey: bool = False, pages: set[int] | None = None
) -> Iterator[np.ndarray]:
    """Yield each page (or the 1-based ``pages``) of ``source`` as an RGB or grey array."""
    pdf = _open(source)
    try:
        pdf.init_forms()
        for index in range(len(pdf)):
            if pages is not None and index + 1 not in pages:
                continue
            page = pdf[index]
            bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True, grayscale=grey)
            yield np.array(bitmap.to_pil().convert("L" if grey else "RGB"))
            page.close()
    finally:
        pdf.close()


def page_count(source: Path | bytes) -> int:
    pdf = _open(source)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _open(source: Path | bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as exc:
        name = "PDF" if isinstance(source, bytes) else source.name
        raise InputError(f"{name}: kan inte läsas som PDF ({exc}).") from exc
