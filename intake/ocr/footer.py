"""Which version of a form a page is, by what its footer says (issue 17).

Försäkringskassan's next version of a form may print the same boxes and differ only
in the footer ("FK 9448 (002.F.001) ..." becomes "FK 9448 (003.F.001) ..."): two
such templates fit a page equally well, and only the printed footer tells them
apart. :func:`choose_by_footer` reads the footer line of an aligned page once (with
the Tesseract engine of :mod:`intake.ocr.tesseract`) and names the templates whose
printed footer the line is, or none when it cannot be read well enough to say.

A template's footer is its lowest printed line that names its form ("FK 9448 ..."):
the built-in layout's, or the line a learned template read on its blank.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from intake import imaging
from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, Rect, TextOp
from intake.forms.pdfdraw import text_width_mm
from intake.forms.reading import ReadingTemplate
from intake.ocr.tesseract import TextEngine
from intake.ocr.text import edit_distance, flatten
from intake.reads import mm_to_px

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A footer's baseline lies this close to the page's bottom edge (mm).
FOOTER_BAND_MM = 30.0
PT_PER_MM = 72 / 25.4
#: Room left around the part of the footer read (mm): registration error, and how much
#: wider another printer's font may be than Helvetica.
PAD_MM = 2.0
WIDTH_SLACK = 1.25
#: The footer's print (6.5 pt: ~13 px capitals at 200 dpi) enlarged before reading;
#: the second scale is tried when the first read names no footer (a fax).
SCALES = (2.0, 1.5)
MARGIN_PX = 12
PSM_LINE = 7
#: The read must be within this share of its length in edits of the nearest footer,
#: and nearer to it than to every other: else the footer is not readable.
MAX_EDIT_SHARE = 0.3

#: Characters Tesseract confuses in print that no footer tells apart by (O/0, I/l/1,
#: a faxed ä read a).
_FOLD = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1",
                       "S": "5", "B": "8", "Z": "2", "Å": "A", "Ä": "A", "Ö": "0"})
_NOT_TEXT = re.compile(r"[^0-9A-ZÅÄÖ]")


def printed_footer(template: ReadingTemplate) -> TextOp | None:
    """The template's footer line, if it prints one naming its form."""
    lines = [t for t in template.layout.texts if t.y > PAGE_HEIGHT_MM - FOOTER_BAND_MM
             and template.form in t.text.replace(" ", "")]
    return max(lines, key=lambda t: t.y) if lines else None


def choose_by_footer(aligned: np.ndarray, templates: Sequence[ReadingTemplate],
                     engine: TextEngine) -> list[ReadingTemplate]:
    """Those of ``templates`` whose footer ``aligned`` prints (several when they print
    the same footer); none when the footer cannot be read, reads as none of theirs, or
    as two different footers alike. Only the words where the footers differ are read,
    with a word on either side."""
    footers = {t: f for t in templates if (f := printed_footer(t)) is not None}
    lines = {f.text: f for f in footers.values()}
    if len(lines) < 2:
        return []
    spans = differing_words(list(lines))
    where = _around([_span_rect(lines[text], *spans[text]) for text in lines])
    for scale in SCALES:
        read = read_footer(aligned, where, engine, scale)
        text = nearest_footer(read, {text: text for text in lines})
        log.debug("footer read %r at %.1f: %s", read, scale, text or "none of the templates'")
        if text is not None:
            return [t for t, f in footers.items() if f.text == text]
    return []


def differing_words(texts: list[str]) -> dict[str, tuple[int, int]]:
    """Where in each of ``texts`` (distinct) they differ, widened to whole words and one
    more word on either side: (start, end) character positions."""
    prefix = len(os.path.commonprefix(texts))
    suffix = len(os.path.commonprefix([t[::-1] for t in texts]))
    suffix = min(suffix, min(len(t) for t in texts) - prefix)
    return {text: (_word_start(text, prefix, words=2), _word_end(text, len(text) - suffix,
                                                                  words=2))
            for text in texts}


def _word_start(text: str, position: int, *, words: int) -> int:
    """The start of the ``words``-th word back from ``position`` (1: its own word)."""
    for _ in range(words):
        position = text.rfind(" ", 0, max(position, 0))
        if position < 0:
            return 0
    return position + 1


def _word_end(text: str, position: int, *, words: int) -> int:
    """The end of the ``words``-th word on from the character before ``position``."""
    position -= 1
    for _ in range(words):
        position = text.find(" ", position + 1)
        if position < 0:
            return len(text)
    return position


def _span_rect(line: TextOp, start: int, end: int) -> Rect:
    """Where characters ``start:end`` of a printed line are (mm), with slack for a wider
    font than the one measured by."""
    height = line.size / PT_PER_MM
    full = text_width_mm(line.text, line.size, bold=line.bold)
    left = {"left": line.x, "right": line.x - full, "center": line.x - full / 2}[line.align]
    x0 = left + text_width_mm(line.text[:start], line.size, bold=line.bold) / WIDTH_SLACK
    x1 = left + text_width_mm(line.text[:end], line.size, bold=line.bold) * WIDTH_SLACK
    return Rect(x=x0, y=line.y - height, w=x1 - x0, h=1.35 * height)


def read_footer(aligned: np.ndarray, rect: Rect, engine: TextEngine, scale: float) -> str:
    """The printed text within ``rect`` of the aligned page, as Tesseract reads it."""
    x0, y0 = max(mm_to_px(rect.x), 0), max(mm_to_px(rect.y), 0)
    crop = aligned[y0 : mm_to_px(rect.bottom), x0 : mm_to_px(rect.right)]
    if crop.size == 0:
        return ""
    line = imaging.resize(flatten(imaging.to_grey(crop)), scale)
    read = engine.read_line(np.pad(line, MARGIN_PX, constant_values=255), psm=PSM_LINE,
                            whitelist=None)
    return read.text


def nearest_footer(read: str, footers: dict[T, str]) -> T | None:
    """The key of the footer ``read`` is nearest to, if it is near enough and nearer
    than to every other (different) footer. ``read`` is Tesseract's reading of part of
    a footer line (what the crop caught of the words on either side counts nothing)."""
    wanted = _folded(read)
    if not wanted:
        return None
    distances = sorted((edit_distance(wanted, _folded(text), within=True), index)
                       for index, text in enumerate(footers.values()))
    (best, index), (runner_up, _) = distances[0], distances[1]
    if best >= runner_up or best > MAX_EDIT_SHARE * len(wanted):
        return None
    return list(footers)[index]


def _folded(text: str) -> str:
    return _NOT_TEXT.sub("", text.upper()).translate(_FOLD)


def _around(rects: list[Rect]) -> Rect:
    """The rectangle holding ``rects`` with ``PAD_MM`` around, within the page."""
    x0 = max(0.0, min(r.x for r in rects) - PAD_MM)
    y0 = max(0.0, min(r.y for r in rects) - PAD_MM)
    x1 = min(PAGE_WIDTH_MM, max(r.right for r in rects) + PAD_MM)
    y1 = min(PAGE_HEIGHT_MM, max(r.bottom for r in rects) + PAD_MM)
    return Rect(x=x0, y=y0, w=x1 - x0, h=y1 - y0)
