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

from intake import imaging
from intake.errors import InputError
from intake.forms import FORM_IDS, form_layout
from intake.load.pdftext import PdfWidget, form_widgets
from intake.load.render import page_count, render_page_within
from intake.reads import Model, PageImage

log = logging.getLogger(__name__)
#: The PNG chunk holding EXIF data (which may turn the page).
_PNG_EXIF = b"eXIf"

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
MAX_PIXELS = 120_000_000  # ~ A4 at 1200 dpi; more is no scan but a decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL's own ceiling; ``max_pixels`` below may be lower
MAX_PAGES = 500  # pages (or image frames) of one input; more is no batch but a bomb


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
    max_pixels: int = MAX_PIXELS  # a larger page is drawn at a lower dpi, an image refused

    @property
    def source(self) -> str:
        return self.path.name


Page = PageImage | DigitalPage


def read_input(path: Path, *, dpi: int, max_pages: int = MAX_PAGES,
               max_pixels: int = MAX_PIXELS) -> Iterator[Page]:
    """Yield every page of ``path`` (PDF, TIFF, PNG, JPEG), raising InputError if unreadable."""
    for page in list_pages(path, dpi=dpi, max_pages=max_pages, max_pixels=max_pixels):
        yield load_page(page) if isinstance(page, PageRef) else page


def list_pages(path: Path, *, dpi: int, max_pages: int = MAX_PAGES,
               max_pixels: int = MAX_PIXELS) -> Iterator[DigitalPage | PageRef]:
    """Every page of ``path``, digital pages read and the others as references; raises
    InputError when the file is missing, no PDF or image, cannot be opened, or has
    more than ``max_pages`` pages (refused before any page is read)."""
    total = count_pages(path, max_pages=max_pages)
    if _is_pdf(path):
        yield from _pdf_pages(path, total, dpi=dpi, max_pixels=max_pixels)
    else:
        for number in range(1, total + 1):
            yield PageRef(path=path, page=number, pdf=False, dpi=dpi, max_pixels=max_pixels)


def count_pages(path: Path, *, max_pages: int = MAX_PAGES) -> int:
    """How many pages (PDF) or frames (image) ``path`` has, without decoding any;
    InputError when it is no PDF or image, cannot be opened, or has too many."""
    if not path.is_file():
        raise InputError(f"{path}: filen finns inte.")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: filen är tom.")
    if _is_pdf(path):
        total = page_count(path)
    elif path.suffix.lower() in IMAGE_SUFFIXES or _is_image(path):
        total = _frame_count(path)
    else:
        raise InputError(f"{path.name}: varken PDF eller bild (PNG, JPEG, TIFF).")
    if total > max_pages:
        raise InputError(f"{path.name}: {total} sidor är fler än de {max_pages} en fil får"
                         " ha. Dela upp filen.")
    return total


def load_page(ref: PageRef) -> PageImage:
    """The pixels of a listed page; InputError when they cannot be decoded or the
    page holds an image larger than ``ref.max_pixels``."""
    if ref.pdf:
        pixels, dpi = render_page_within(ref.path, ref.page, dpi=ref.dpi,
                                         max_pixels=ref.max_pixels)
        return PageImage(source=ref.source, page=ref.page, image=pixels, dpi=dpi)
    with _opened(ref.path) as image:
        image.seek(ref.page - 1)
        _refuse_huge(ref.path, image, ref.max_pixels)
        return _page_image(ref.path, ref.page, image)


def _is_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf" or _starts_with(path, b"%PDF")


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(magic)) == magic


def _is_image(path: Path) -> bool:
    """Whether PIL knows the format; a decompression bomb is an image (refused later)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.open(path).close()
            return True
    except Image.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError):
        return False


def _pdf_pages(path: Path, count: int, *, dpi: int,
               max_pixels: int) -> Iterator[DigitalPage | PageRef]:
    widgets = form_widgets(path)
    digital = {w.page for w in widgets if w.name in known_widget_names()}
    for number in range(1, count + 1):
        if number in digital:
            own = [w for w in widgets if w.page == number]
            yield DigitalPage(source=path.name, page=number, widgets=own)
        else:
            yield PageRef(path=path, page=number, pdf=True, dpi=dpi, max_pixels=max_pixels)


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # before opening
            image = Image.open(path)
        with image:
            yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{path.name}: orimligt stor bild (fler bildpunkter än"
                         f" {Image.MAX_IMAGE_PIXELS} tillåts).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as exc:
        raise InputError(f"{path.name}: bilden kan inte läsas (skadad eller okänt"
                         " bildformat).") from exc


def _refuse_huge(path: Path, frame: Image.Image, max_pixels: int) -> None:
    """A frame of more than ``max_pixels`` is refused before it is decoded."""
    width, height = frame.size
    if width * height > max_pixels:
        raise InputError(f"{path.name}: orimligt stor bild ({width}×{height} bildpunkter,"
                         f" högst {max_pixels} tillåts).")


def _page_image(path: Path, number: int, frame: Image.Image) -> PageImage:
    """The frame in grey, turned upright as its EXIF says (first frame only); in place,
    since every copy of a 300-dpi page costs milliseconds."""
    dpi = _dpi(frame)
    fast = _grey_png(path, frame)
    if fast is not None:
        return PageImage(source=path.name, page=number, image=fast, dpi=dpi)
    if number == 1:
        ImageOps.exif_transpose(frame, in_place=True)
    grey = frame if frame.mode == "L" else frame.convert("L")
    return PageImage(source=path.name, page=number, image=np.asarray(grey), dpi=dpi)


def _grey_png(path: Path, frame: Image.Image) -> np.ndarray | None:
    """A grey 8-bit PNG without EXIF (nothing to turn) decoded by OpenCV, a quarter
    faster than PIL (a 300-dpi A4 page: ~95 -> ~72 ms of processor time); the same
    pixels. None for anything else."""
    if frame.format != "PNG" or frame.mode != "L":
        return None
    data = path.read_bytes()
    return None if _PNG_EXIF in data else imaging.decode_stored_grey(data)


def _dpi(image: Image.Image) -> float:
    """The scan resolution, or a guess from the pixel size of an A4 page."""
    info = image.info.get("dpi")
    if info and 50 <= float(info[0]) <= 1200:
        return float(info[0])
    return max(image.size) / (297 / 25.4)
