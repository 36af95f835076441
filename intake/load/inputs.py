"""Step 1 of the pipeline: open an input file and list its pages.

A PDF page that carries the form's widgets with values (or the form's printed text
as a text layer) is *digital* and is read without OCR; every other page becomes
pixels. Listing is cheap: a page to be read as pixels is a :class:`PageRef` (where
it is), loaded by :func:`load_page` where it is read, so that a worker process
decodes its own pages and a 200-page batch is never held whole.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from intake.errors import InputError
from intake.forms import FORM_IDS, form_layout
from intake.load.pdftext import PdfWidget, form_widgets
from intake.load.render import page_count, render_page
from intake.reads import Model, PageImage

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
MAX_PIXELS = 120_000_000  # ~ A4 at 1200 dpi; more is no scan but a decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class DigitalPage(Model):
    """A page of a digitally filled PDF: its widgets and their values."""

    source: str
    page: int
    widgets: list[PdfWidget]


class PageRef(Model):
    """A page to be read as pixels, not loaded yet: small enough to send to a worker."""

    path: Path
    page: int  # 1-based: the PDF page or image frame
    pdf: bool  # a PDF page, or a frame of an image file
    dpi: int  # what a PDF page is rendered at; an image frame keeps its own resolution

    @property
    def source(self) -> str:
        return self.path.name


Page = PageImage | DigitalPage


def read_input(path: Path, *, dpi: int) -> Iterator[Page]:
    """Yield every page of ``path`` (PDF, TIFF, PNG, JPEG), raising InputError if unreadable."""
    for page in list_pages(path, dpi=dpi):
        yield load_page(page) if isinstance(page, PageRef) else page


def list_pages(path: Path, *, dpi: int) -> Iterator[DigitalPage | PageRef]:
    """Every page of ``path``, digital pages read and the others as references; raises
    InputError when the file is missing, no PDF or image, or cannot be opened."""
    if not path.is_file():
        raise InputError(f"{path}: filen finns inte.")
    suffix = path.suffix.lower()
    if suffix == ".pdf" or _starts_with(path, b"%PDF"):
        yield from _pdf_pages(path, dpi=dpi)
    elif suffix in IMAGE_SUFFIXES or _is_image(path):
        for number in range(1, _frame_count(path) + 1):
            yield PageRef(path=path, page=number, pdf=False, dpi=dpi)
    else:
        raise InputError(f"{path.name}: varken PDF eller bild (PNG, JPEG, TIFF).")


def load_page(ref: PageRef) -> PageImage:
    """The pixels of a listed page; InputError when they cannot be decoded."""
    if ref.pdf:
        pixels = render_page(ref.path, ref.page, dpi=ref.dpi)
        return PageImage(source=ref.source, page=ref.page, image=pixels, dpi=ref.dpi)
    with _opened(ref.path) as image:
        image.seek(ref.page - 1)
        return _page_image(ref.path, ref.page, image)


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(magic)) == magic


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError):
        return False


def _pdf_pages(path: Path, *, dpi: int) -> Iterator[DigitalPage | PageRef]:
    count = page_count(path)
    widgets = form_widgets(path)
    digital = {w.page for w in widgets if w.name in known_widget_names()}
    for number in range(1, count + 1):
        if number in digital:
            own = [w for w in widgets if w.page == number]
            yield DigitalPage(source=path.name, page=number, widgets=own)
        else:
            yield PageRef(path=path, page=number, pdf=True, dpi=dpi)


@cache
def known_widget_names() -> frozenset[str]:
    return frozenset(w.name for f in FORM_IDS for w in form_layout(f).widgets)


def _frame_count(path: Path) -> int:
    with _opened(path) as image:
        return int(getattr(image, "n_frames", 1))


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """``path`` opened as an image; InputError for anything PIL cannot read or refuses."""
    try:
        with warnings.catch_warnings(), Image.open(path) as image:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{path.name}: orimligt stor bild ({exc}).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as exc:
        raise InputError(f"{path.name}: bilden kan inte läsas ({exc}).") from exc


def _page_image(path: Path, number: int, frame: Image.Image) -> PageImage:
    """The frame in grey, turned upright as its EXIF says (first frame only); in place,
    since every copy of a 300-dpi page costs milliseconds."""
    dpi = _dpi(frame)
    if number == 1:
        ImageOps.exif_transpose(frame, in_place=True)
    grey = frame if frame.mode == "L" else frame.convert("L")
    return PageImage(source=path.name, page=number, image=np.asarray(grey), dpi=dpi)


def _dpi(image: Image.Image) -> float:
    """The scan resolution, or a guess from the pixel size of an A4 page."""
    info = image.info.get("dpi")
    if info and 50 <= float(info[0]) <= 1200:
        return float(info[0])
    return max(image.size) / (297 / 25.4)
