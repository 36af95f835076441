"""What is printed on a blank: its words and its box frames, in mm on the upright page.

A PDF with a text layer gives its words exactly (pdfplumber) and is drawn at
:data:`PDF_DPI` to find its frames; a scan (an image, or a PDF of one) is turned
upright first (the skew that makes printed lines straightest is undone) and read by
Tesseract. Frames are found in the ink: the long straight strokes, and the regions
they enclose on all four sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from intake import imaging
from intake.forms.model import Rect
from intake.load.inputs import PageRef, count_pages, load_page
from intake.load.pdftext import PdfWidget, form_widgets, page_words
from intake.ocr.tesseract import image_words

MM_PER_INCH = 25.4
PDF_DPI = 300
#: the most pages a blank may have (a form with an information page or two)
MAX_BLANK_PAGES = 4
#: shortest straight stroke taken as a frame's side (a tick box's side is ~4 mm)
STROKE_MM = 2.5
#: the smallest and largest frames kept (mm)
MIN_SIDE_MM, MAX_WIDTH_MM, MAX_HEIGHT_MM = 2.5, 200.0, 80.0
#: a region is a frame's inside when it fills this share of its bounding box
FILLED = 0.88
#: tick boxes are squares of this size (mm)
TICK_SIDES = (2.5, 7.0)
#: how far beside a tick box its option label is looked for again, when the page's
#: reading found none there (mm)
TICK_LABEL_REACH = 14.0
#: steepest skew searched when turning a scan upright (degrees)
MAX_SKEW_DEG = 3.0


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    rect: Rect


@dataclass
class PrintedPage:
    """One blank page as found: size (mm), words, frames, a PDF's own widgets."""

    width_mm: float
    height_mm: float
    words: list[Word]
    frames: list[Rect]
    widgets: list[PdfWidget] = field(default_factory=list)
    kind: str = "pdf-text"  # pdf-text / pdf-widgets / scan
    dpi: float = PDF_DPI
    deskew_deg: float = 0.0
    upside_down: bool = False
    #: the page as read: grey, upright, at ``dpi`` (what reading aligns pages onto)
    image: np.ndarray | None = field(default=None, repr=False)


def blank_pages(path: Path) -> int:
    """How many pages the blank ``path`` (a PDF or an image, a TIFF of several) has."""
    return count_pages(path, max_pages=MAX_BLANK_PAGES)


def read_blank(path: Path, *, lang: str = "swe", tesseract_cmd: str = "tesseract",
               half_turn: bool = False, number: int = 1) -> PrintedPage:
    """Page ``number`` of ``path`` (a PDF or an image) as printed matter; a scan turned
    half a turn first with ``half_turn`` (fed in upside down)."""
    is_pdf = path.read_bytes()[:5] == b"%PDF-"
    words: list[Word] = []
    widgets: list[PdfWidget] = []
    if is_pdf:
        pdf_words, _ = page_words(path, number)
        words = [Word(w.text, w.rect) for w in pdf_words]
        widgets = [w for w in form_widgets(path) if w.page == number]
    page = load_page(PageRef(path=path, page=number, pdf=is_pdf, dpi=PDF_DPI))
    grey, dpi = page.image, float(page.dpi)
    skew = 0.0
    scanned = not words
    if scanned:
        if half_turn:
            grey = imaging.rotate90(grey, 2)
        skew = find_skew(grey, dpi)
        grey = _rotated(grey, skew)
    frames, lines = _frames_and_strokes(grey, dpi)
    if scanned:
        clean = _without_frames(grey, lines)
        words = _ocr_words(clean, dpi, lang=lang, cmd=tesseract_cmd)
        words += _tick_labels_again(clean, dpi, frames, words, lang=lang, cmd=tesseract_cmd)
    kind = "scan" if scanned else ("pdf-widgets" if widgets else "pdf-text")
    to_mm = MM_PER_INCH / dpi
    return PrintedPage(
        width_mm=grey.shape[1] * to_mm, height_mm=grey.shape[0] * to_mm, words=words,
        frames=frames, widgets=widgets, kind=kind, dpi=dpi, deskew_deg=skew,
        upside_down=scanned and half_turn, image=grey,
    )


def is_tick(frame: Rect) -> bool:
    """A frame the size and shape of a tick box."""
    low, high = TICK_SIDES
    return low <= frame.w <= high and low <= frame.h <= high and 0.75 <= frame.w / frame.h <= 1.33


def _tick_labels_again(clean: np.ndarray, dpi: float, frames: list[Rect], words: list[Word],
                       *, lang: str, cmd: str) -> list[Word]:
    """Words beside tick boxes that the whole page's reading left without any word on
    either side: a short label ("Ja") is often dropped, and is read again as one line
    on its own."""
    px = dpi / MM_PER_INCH
    found: list[Word] = []
    for tick in filter(is_tick, frames):
        sides = ((tick.right + 0.4, tick.right + TICK_LABEL_REACH),
                 (tick.x - TICK_LABEL_REACH, tick.x - 0.4))
        if any(_on_line(w.rect, tick) and w.rect.right > x0 and w.rect.x < x1
               for w in words + found for x0, x1 in sides):
            continue  # it has a label, however misread: the matcher judges it
        for x0, x1 in sides:
            if any(f is not tick and _on_line(f, tick) and f.right > x0 and f.x < x1
                   for f in frames):
                continue  # another box there: its own label, not this one's
            top, bottom = tick.y - 1.0, tick.bottom + 1.0
            box = (max(0, round(x0 * px)), max(0, round(top * px)),
                   min(clean.shape[1], round(x1 * px)), min(clean.shape[0], round(bottom * px)))
            crop = clean[box[1]:box[3], box[0]:box[2]]
            if crop.size == 0 or not imaging.otsu_ink(crop).any():
                continue
            for w in image_words(crop, lang=lang, psm=7, cmd=cmd, dpi=round(dpi)):
                found.append(Word(w.text, Rect(x=(box[0] + w.left) / px,
                                               y=(box[1] + w.top) / px,
                                               w=w.width / px, h=w.height / px)))
    return found


def _on_line(rect: Rect, tick: Rect) -> bool:
    middle = (rect.y + rect.bottom) / 2
    return tick.y - 1.5 <= middle <= tick.bottom + 1.5


def _without_frames(grey: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """The page with its frames' strokes painted paper white: Tesseract reads an
    empty tick box as "[]" or "EJ" and glues it to the label beside it."""
    clean = grey.copy()
    clean[imaging.dilate(strokes, 5)] = np.uint8(np.percentile(grey, 90))
    return clean


def find_frames(grey: np.ndarray, dpi: float) -> list[Rect]:
    """The printed rectangles of an upright page (mm): regions enclosed by straight
    strokes, as the rectangle through the middle of their border."""
    return _frames_and_strokes(grey, dpi)[0]


def _frames_and_strokes(grey: np.ndarray, dpi: float) -> tuple[list[Rect], np.ndarray]:
    px = dpi / MM_PER_INCH
    ink = imaging.otsu_ink(grey)
    stroke = max(5, round(STROKE_MM * px))
    horizontal = imaging.dilate(imaging.open_lines(ink, stroke, horizontal=True), 3)
    lines = horizontal | imaging.dilate(imaging.open_lines(ink, stroke, horizontal=False), 3)
    count, _, stats = imaging.components(~lines)
    height, width = grey.shape[:2]
    thickness = _stroke_thickness(horizontal)
    frames = []
    for x, y, w, h, area in stats[1:count]:
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # the page around everything
        # the frame's size through the middle of its border (a small tick box at 200
        # dpi keeps an inside of hardly 2.5 mm)
        if not (MIN_SIDE_MM * px <= min(w, h) + thickness and w <= MAX_WIDTH_MM * px
                and h <= MAX_HEIGHT_MM * px):
            continue
        if area < FILLED * w * h:
            continue
        grow = thickness / 2
        frames.append(Rect(x=(x - grow) / px, y=(y - grow) / px,
                           w=(w + 2 * grow) / px, h=(h + 2 * grow) / px))
    return frames, lines


def _stroke_thickness(horizontal: np.ndarray) -> float:
    """The usual thickness (px) of the horizontal strokes: their median vertical run."""
    lengths = _run_lengths(horizontal)
    return float(np.median(lengths)) if len(lengths) else 0.0


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """Lengths of the vertical True runs of ``mask`` shorter than 20 px (stroke widths)."""
    padded = np.pad(mask.astype(np.int8), ((1, 1), (0, 0)))
    edges = np.diff(padded, axis=0)
    starts = np.argwhere(edges.T == 1)
    ends = np.argwhere(edges.T == -1)
    lengths = ends[:, 1] - starts[:, 1]
    return lengths[lengths < 20]


def find_skew(grey: np.ndarray, dpi: float) -> float:
    """The rotation (degrees, counter-clockwise) that makes the printed rows straightest."""
    small, fx, _ = imaging.shrink(grey, min(1.0, 100 / dpi))
    ink = imaging.otsu_ink(small).astype(np.float32) * 255

    def sharpness(angle: float) -> float:
        turned = _rotated(ink, angle, border=0.0)
        return float(np.var(turned.sum(axis=1)))

    best = max((float(a) for a in np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.25)),
               key=sharpness)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.025)
    finest: float = max((float(a) for a in fine), key=sharpness)
    return round(finest, 3)


def _rotated(image: np.ndarray, degrees: float, *, border: float | None = None) -> np.ndarray:
    if not degrees:
        return image
    height, width = image.shape[:2]
    paper = float(np.percentile(image, 90)) if border is None else border
    matrix = imaging.rotation_matrix(((width - 1) / 2, (height - 1) / 2), degrees, 1.0)
    return imaging.warp_affine(image, matrix, width, height, border=(paper,))


def _ocr_words(grey: np.ndarray, dpi: float, *, lang: str, cmd: str) -> list[Word]:
    to_mm = MM_PER_INCH / dpi
    return [
        Word(w.text, Rect(x=w.left * to_mm, y=w.top * to_mm, w=w.width * to_mm,
                          h=w.height * to_mm))
        for w in image_words(grey, lang=lang, psm=11, cmd=cmd, dpi=round(dpi))
        if w.confidence >= 0.3 or len(w.text) > 2
    ]
