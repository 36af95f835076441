"""The one place pypdfium2 is used: PDF pages to images (form fields drawn too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from intake.errors import InputError


def render_pdf(path: Path, *, dpi: int, grey: bool = False) -> Iterator[np.ndarray]:
    """Yield each page of ``path`` as an RGB (or grey) uint8 array at ``dpi``."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{path.name}: kan inte läsas som PDF ({exc}).") from exc
    try:
        pdf.init_forms()
        for index in range(len(pdf)):
            page = pdf[index]
            bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True, grayscale=grey)
            yield np.array(bitmap.to_pil().convert("L" if grey else "RGB"))
            page.close()
    finally:
        pdf.close()


def page_count(path: Path) -> int:
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{path.name}: kan inte läsas som PDF ({exc}).") from exc
    try:
        return len(pdf)
    finally:
        pdf.close()
