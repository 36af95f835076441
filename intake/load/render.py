"""The one place pypdfium2 is used: PDF pages to images (form fields drawn too)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from intake import imaging
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
            yield _grey(page, dpi) if grey else _rgb(page, dpi)
            page.close()
    finally:
        pdf.close()


def render_page(source: Path, number: int, *, dpi: int) -> np.ndarray:
    """Page ``number`` (1-based) of ``source`` as a grey array, as ``render_pdf`` gives it."""
    return render_page_within(source, number, dpi=dpi, max_pixels=None)[0]


def render_page_within(source: Path, number: int, *, dpi: float,
                       max_pixels: int | None) -> tuple[np.ndarray, float]:
    """Page ``number`` as ``render_page`` gives it and the dpi it was drawn at: lower
    than ``dpi`` when the page would have more than ``max_pixels`` (a page the size
    of a wall). A page holding an image of more than ``max_pixels`` is refused before
    anything is decoded (InputError): no scan is that large, a decompression bomb is."""
    pdf = _open(source)
    try:
        if not 1 <= number <= len(pdf):
            raise InputError(f"{source.name}: sidan {number} finns inte.")
        pdf.init_forms()
        page = pdf[number - 1]
        try:
            if max_pixels is not None:
                _refuse_huge_images(page, source, number, max_pixels)
                dpi = fitting_dpi(page.get_size(), dpi=dpi, max_pixels=max_pixels)
            return _grey(page, dpi), dpi
        finally:
            page.close()
    finally:
        pdf.close()


def fitting_dpi(size_pt: tuple[float, float], *, dpi: float, max_pixels: int) -> float:
    """``dpi``, or the highest dpi at which a page of ``size_pt`` has ``max_pixels``."""
    width, height = (max(1.0, float(side)) for side in size_pt)
    pixels = width * height * (dpi / 72.0) ** 2
    return dpi if pixels <= max_pixels else 72.0 * math.sqrt(max_pixels / (width * height))


def _refuse_huge_images(page: pdfium.PdfPage, source: Path, number: int,
                        max_pixels: int) -> None:
    for item in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        width, height = item.get_px_size()
        if width * height > max_pixels:
            raise InputError(f"{source.name}: orimligt stor bild på sidan {number}"
                             f" ({width}×{height} bildpunkter, högst {max_pixels} tillåts).")


def page_count(source: Path | bytes) -> int:
    pdf = _open(source)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _rgb(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True)
    return np.array(bitmap.to_pil().convert("RGB"))


def _grey(page: pdfium.PdfPage, dpi: float) -> np.ndarray:
    """The page in grey. A scanner's page (one upright grey image) is decoded and
    scaled here; other pages of grey images only are drawn straight into a grey
    bitmap (the same pixels as pdfium's grayscale mode, at a third of the time);
    anything in colour goes through the grayscale mode, whose conversion differs."""
    scale = dpi / 72.0
    if _grey_images_only(page):
        scanned = _scanned_page(page, dpi)
        if scanned is not None:
            return scanned
        bitmap = page.render(scale=scale, may_draw_forms=True,
                             force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
        return np.array(bitmap.to_numpy())
    bitmap = page.render(scale=scale, may_draw_forms=True, grayscale=True)
    return np.array(bitmap.to_pil().convert("L"))


def _scanned_page(page: pdfium.PdfPage, dpi: float) -> np.ndarray | None:
    """A page that is one 8-bit grey image laid upright over all of it (what a scanner
    writes): the image decoded and scaled to ``dpi`` with a box filter, a third
    cheaper than pdfium drawing it. None for anything else."""
    objects = list(page.get_objects(max_depth=0))
    if page.get_rotation() % 360 or len(objects) != 1:
        return None
    image = objects[0]
    if image.get_metadata().bits_per_pixel != 8:
        return None
    a, b, c, d, e, f = image.get_matrix().get()
    width, height = page.get_size()
    upright = max(abs(b), abs(c), abs(e), abs(f), abs(a - width), abs(d - height)) < 0.5
    if not upright:
        return None
    pixels = image.get_bitmap(render=False).to_numpy()
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        return None
    scale = dpi / 72.0  # the size pdfium draws a page at
    return imaging.resize_to(pixels, math.ceil(width * scale), math.ceil(height * scale))


def _grey_images_only(page: pdfium.PdfPage) -> bool:
    """True when ``page`` holds nothing but images in DeviceGray and no annotations."""
    if pdfium_c.FPDFPage_GetAnnotCount(page) != 0:
        return False
    found = False
    for item in page.get_objects(max_depth=0):
        if item.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return False
        if item.get_metadata().colorspace != pdfium_c.FPDF_COLORSPACE_DEVICEGRAY:
            return False
        found = True
    return found


def _open(source: Path | bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as exc:
        name = "PDF" if isinstance(source, bytes) else source.name
        raise InputError(f"{name}: kan inte läsas som PDF ({_why(exc)}).") from exc


#: pdfium's error codes (FPDF_ERR_*) as a reader of the batch page understands them.
_PDFIUM_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "filen kan inte öppnas",
    pdfium_c.FPDF_ERR_FORMAT: "filen är skadad eller ingen riktig PDF",
    pdfium_c.FPDF_ERR_PASSWORD: "filen är lösenordsskyddad",
    pdfium_c.FPDF_ERR_SECURITY: "filen är krypterad",
}


def _why(exc: pdfium.PdfiumError) -> str:
    """Why pdfium refused a PDF, in Swedish (its own message is English)."""
    return _PDFIUM_ERRORS.get(getattr(exc, "err_code", None), "okänt fel i PDF-filen")
