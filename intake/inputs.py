"""Step 1 of the pipeline: open an input file and yield its pages.

A PDF page that carries the form's widgets with values (or the form's printed text
as a text layer) is *digital* and is read without OCR; every other page becomes
pixels. Pages are yielded one at a time so a 200-page batch is never held whole.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from intake.errors import InputError
from intake.forms import FORM_IDS, form_layout
from intake.ocr.model import Model, PageImage
from intake.pdftext import PdfWidget, form_widgets
from intake.render import page_count, render_pdf

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
MAX_PIXELS = 120_000_000  # ~ A4 at 1200 dpi; more is no scan but a decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class DigitalPage(Model):
    """A page of a digitally filled PDF: its widgets and their values."""

    source: str
    page: int
    widgets: list[PdfWidget]


Page = PageImage | DigitalPage


def read_input(path: Path, *, dpi: int) -> Iterator[Page]:
    """Yield every page of ``path`` (PDF, TIFF, PNG, JPEG), raising InputError if unreadable."""
    if not path.is_file():
        raise InputError(f"{path}: filen finns inte.")
    suffix = path.suffix.lower()
    if suffix == ".pdf" or _starts_with(path, b"%PDF"):
        yield from _pdf_pages(path, dpi=dpi)
    elif suffix in IMAGE_SUFFIXES or _is_image(path):
        yield from _image_pages(path)
    else:
        raise InputError(f"{path.name}: varken PDF eller bild (PNG, JPEG, TIFF).")


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(magic)) == magic


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError):
        return False


def _pdf_pages(path: Path, *, dpi: int) -> Iterator[Page]:
    count = page_count(path)
    widgets = form_widgets(path)
    digital = {w.page for w in widgets if w.name in known_widget_names()}
    scanned = iter(render_pdf(path, dpi=dpi, grey=True, pages=set(range(1, count + 1)) - digital))
    for number in range(1, count + 1):
        if number in digital:
            own = [w for w in widgets if w.page == number]
            yield DigitalPage(source=path.name, page=number, widgets=own)
        else:
            yield PageImage(source=path.name, page=number, image=next(scanned), dpi=dpi)


@cache
def known_widget_names() -> frozenset[str]:
    return frozenset(w.name for f in FORM_IDS for w in form_layout(f).widgets)


def _image_pages(path: Path) -> Iterator[PageImage]:
    try:
        with warnings.catch_warnings(), Image.open(path) as image:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            for number in range(getattr(image, "n_frames", 1)):
                image.seek(number)
                yield _page_image(path, number + 1, image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{path.name}: orimligt stor bild ({exc}).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"{path.name}: bilden kan inte läsas ({exc}).") from exc


def _page_image(path: Path, number: int, frame: Image.Image) -> PageImage:
    upright = ImageOps.exif_transpose(frame) if number == 1 else frame
    dpi = _dpi(frame)
    grey = np.asarray(upright.convert("L"))
    return PageImage(source=path.name, page=number, image=grey, dpi=dpi)


def _dpi(image: Image.Image) -> float:
    """The scan resolution, or a guess from the pixel size of an A4 page."""
    info = image.info.get("dpi")
    if info and 50 <= float(info[0]) <= 1200:
        return float(info[0])
    return max(image.size) / (297 / 25.4)
