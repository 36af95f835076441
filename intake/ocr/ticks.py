"""Checkboxes and the signature box: how much ink lies inside the printed box.

Each box is looked at in a small window of the aligned page, turned into
*darkness*: 0 at the window's paper level, 1 at its ink level (the printed
border's black), with a floor treated as paper (scanner noise, JPEG ringing) and
isolated specks (fax speckle) dropped. Within ``SEARCH_PX`` of where the layout
puts the box, the position where its four border lines are darkest is taken as
the box, so the alignment's residual misregistration does not matter. A box's
*ink* is the mean darkness of its interior, ``TICK_INSET_PX`` inside the border
lines' centres: on the blank form it is 0.

Ink just *outside* the box is deliberately not counted: measured on generated
pages it only added false ink to empty boxes (a neighbour's X larger than its box
reaches across the 1.6 mm gap), while every overflowing mark — an X larger than
the box, a ✓ running over its edge — still crosses the interior.

Ticked, empty and the unclear band between are told apart by thresholds learned
from generated pages by ``scripts/calibrate_ticks.py`` and shipped as
``intake/learned/data/tick_thresholds.json`` (passed in as
:class:`~intake.learned.ticks.TickThresholds`). Light pencil can vanish in a binarised fax, so an
empty box is never *confidently* empty on a page that also has unclear boxes:
whoever left faint marks there may have left others the scan lost. The signature
box is read the same way, its ink being the mean darkness of its interior 1 mm
inside the border. What the ticks mean for a field's value is ``intake.mapping.choices``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import numpy as np

from intake.errors import FormDefinitionError
from intake.forms import Widget
from intake.forms.reading import ReadingTemplate, reading_template
from intake.learned.ticks import Band, TickThresholds
from intake.reads import WORK_DPI, TickRead

log = logging.getLogger(__name__)

PX_PER_MM = WORK_DPI / 25.4
#: How far (px) from its layout position a printed box is looked for.
SEARCH_PX = 5
#: Paper kept around the search area, for the paper and ink levels.
MARGIN_PX = 9
#: Half the width (px) of the strips the border lines are scored on (strip = 2·h + 1).
STRIP_HALF_PX = 1
#: Score penalty per pixel of shift, so that an empty page keeps the layout position.
SHIFT_PENALTY = 0.004
#: From a border line's centre to the interior measured for tick ink (px).
TICK_INSET_PX = 4
#: From the signature box's border line to the interior measured for strokes (px, 1 mm).
SIGNATURE_INSET_PX = 8
#: Column blocks (px) the signature box's paper level is taken over (uneven light).
SIGNATURE_BLOCK_PX = 64
#: Darkness below this share of the paper-to-ink contrast is paper (noise, JPEG ringing).
NOISE_FLOOR = 0.12
#: Darkness at which a pixel counts as ink when looking for isolated specks.
SPECK_DARKNESS = 0.3
#: Ink pixels in its 3×3 block (itself included) for a pixel not to be a speck.
SPECK_NEIGHBOURS = 3
#: Grey levels; a window flatter than this is normalised as if it had this contrast.
MIN_CONTRAST = 60.0
PAPER_PERCENTILE = 80
INK_PERCENTILE = 1
#: Highest confidence of an empty box on a page that also has unclear boxes: whoever
#: left faint marks there may have left others too faint to survive the scan.
FAINT_PAGE_EMPTY_CONFIDENCE = 0.75


# --- public API ------------------------------------------------------------------------


def read_ticks(
    aligned: np.ndarray, form: str | ReadingTemplate, thresholds: TickThresholds
) -> dict[str, TickRead]:
    """Every checkbox of ``form`` (a template, or a form id for its built-in layout) on
    an aligned page: ticked, empty or unclear."""
    return classify_page(tick_ink(aligned, form), thresholds.tick)


def read_signature(
    aligned: np.ndarray, form: str | ReadingTemplate, thresholds: TickThresholds
) -> TickRead:
    """Whether the ``underskrift`` box holds a handwritten signature ("ticked")."""
    return classify(signature_ink(aligned, form), thresholds.signature)


def has_signature_box(form: str | ReadingTemplate) -> bool:
    return bool(_signature_box(reading_template(form)).names)


def classify_page(inks: dict[str, float], band: Band) -> dict[str, TickRead]:
    """Every box of one page classified; empty boxes are less sure on a page with
    unclear ones (see ``FAINT_PAGE_EMPTY_CONFIDENCE``)."""
    reads = {name: classify(ink, band) for name, ink in inks.items()}
    if any(read.state == "unclear" for read in reads.values()):
        cap = FAINT_PAGE_EMPTY_CONFIDENCE
        reads = {
            name: read.model_copy(update={"confidence": min(read.confidence, cap)})
            if read.state == "empty"
            else read
            for name, read in reads.items()
        }
    return reads


def classify(ink: float, band: Band) -> TickRead:
    """Ticked / empty / unclear for ``ink``, with a confidence: 0.5 at the band's
    edges rising to 1 far from it, 0.2–0.5 inside it (lowest in its middle); an
    unclear read above the band's middle leans ticked."""
    if ink < band.low:
        return TickRead(ink=ink, state="empty", confidence=_confidence(1.0 - ink / band.low))
    if ink > band.high:
        margin = (ink - band.high) / (band.full - band.high)
        return TickRead(ink=ink, state="ticked", confidence=_confidence(margin))
    position = (ink - band.low) / (band.high - band.low)  # 0 at low, 1 at high
    middle = 1.0 - abs(2 * position - 1)
    return TickRead(ink=ink, state="unclear", confidence=round(0.5 - 0.3 * middle, 3),
                    leans_ticked=position > 0.5)


def _confidence(margin: float) -> float:
    """0.5 at a band edge (margin 0), 1 at a full margin (1) and beyond."""
    return round(0.5 + 0.5 * float(np.sqrt(min(max(margin, 0.0), 1.0))), 3)


# --- the ink features ------------------------------------------------------------------


def tick_ink(aligned: np.ndarray, form: str | ReadingTemplate) -> dict[str, float]:
    """The ink (mean interior darkness) of every checkbox of ``form``."""
    boxes = _checkboxes(reading_template(form))
    if not boxes.names:
        return {}
    ink = _interior_ink(_darkness(_windows(aligned, boxes)), boxes, TICK_INSET_PX)
    return {name: round(float(v), 5) for name, v in zip(boxes.names, ink, strict=True)}


def signature_ink(aligned: np.ndarray, form: str | ReadingTemplate = "9443") -> float:
    """The ink (mean interior darkness) of the signature box of ``form``."""
    template = reading_template(form)
    boxes = _signature_box(template)
    if not boxes.names:
        raise FormDefinitionError(f"FK{template.form} har ingen underskriftsruta.")
    dark = _darkness(_windows(aligned, boxes), block=SIGNATURE_BLOCK_PX)
    return round(float(_interior_ink(dark, boxes, SIGNATURE_INSET_PX)[0]), 5)


@dataclass(frozen=True)
class _Boxes:
    """Printed boxes by the centre lines of their borders, in page pixels."""

    names: tuple[str, ...]
    top: np.ndarray
    left: np.ndarray
    bottom: np.ndarray
    right: np.ndarray

    @classmethod
    def of(cls, widgets: list[Widget]) -> _Boxes:
        rects = [w.rect for w in widgets]
        return cls(
            names=tuple(w.name for w in widgets),
            top=_px([r.y for r in rects]),
            left=_px([r.x for r in rects]),
            bottom=_px([r.bottom for r in rects]),
            right=_px([r.right for r in rects]),
        )


def _px(mm: list[float]) -> np.ndarray:
    return np.rint(np.array(mm, dtype=np.float64) * PX_PER_MM).astype(np.intp)


@cache
def _checkboxes(template: ReadingTemplate) -> _Boxes:
    return _Boxes.of([w for w in template.layout.widgets if w.kind == "checkbox"])


@cache
def _signature_box(template: ReadingTemplate) -> _Boxes:
    return _Boxes.of([w for w in template.layout.widgets if w.kind == "signature"])


def _windows(aligned: np.ndarray, boxes: _Boxes) -> np.ndarray:
    """(N, H, W) grey windows, one per box starting ``SEARCH_PX + MARGIN_PX`` above and
    left of its border lines' centres; edge pixels repeat beyond the page."""
    reach = SEARCH_PX + MARGIN_PX
    height = int((boxes.bottom - boxes.top).max()) + 2 * reach + 1
    width = int((boxes.right - boxes.left).max()) + 2 * reach + 1
    rows = np.clip(boxes.top[:, None] - reach + np.arange(height), 0, aligned.shape[0] - 1)
    cols = np.clip(boxes.left[:, None] - reach + np.arange(width), 0, aligned.shape[1] - 1)
    return aligned[rows[:, :, None], cols[:, None, :]]


def _darkness(windows: np.ndarray, *, block: int | None = None) -> np.ndarray:
    """Each pixel's darkness as a share of the local paper-to-ink contrast, floored,
    with isolated specks dropped."""
    grey = windows.astype(np.float32)
    paper = _paper_level(grey, block)
    ink = np.percentile(grey.reshape(len(grey), -1), INK_PERCENTILE, axis=1)[:, None, None]
    contrast = np.maximum(paper - ink, MIN_CONTRAST)
    dark = np.clip(((paper - grey) / contrast - NOISE_FLOOR) / (1.0 - NOISE_FLOOR), 0.0, 1.0)
    return dark * _has_ink_around(dark >= SPECK_DARKNESS)


def _paper_level(grey: np.ndarray, block: int | None) -> np.ndarray:
    """The paper's grey level per window, or per column block of ``block`` px
    (interpolated between blocks) where light falls unevenly across a wide box."""
    n, _, width = grey.shape
    if block is None or width <= block:
        return np.percentile(grey.reshape(n, -1), PAPER_PERCENTILE, axis=1)[:, None, None]
    starts = range(0, width, block)
    levels = np.stack(
        [np.percentile(grey[:, :, s : s + block], PAPER_PERCENTILE, axis=(1, 2)) for s in starts],
        axis=1,
    )
    centres = np.minimum(np.array(starts) + block / 2, width - 1)
    columns = np.arange(width)
    per_column = np.stack([np.interp(columns, centres, row) for row in levels])
    return per_column[:, None, :].astype(np.float32)


def _has_ink_around(mask: np.ndarray) -> np.ndarray:
    """Where at least ``SPECK_NEIGHBOURS`` pixels of the 3×3 block are ink: drops the
    isolated dots of fax speckle and noise, keeps strokes."""
    padded = np.pad(mask.astype(np.uint8), [(0, 0), (1, 1), (1, 1)])
    height, width = mask.shape[-2:]
    count = sum(padded[:, dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3))
    return np.asarray(count) >= SPECK_NEIGHBOURS


def _interior_ink(dark: np.ndarray, boxes: _Boxes, inset: int) -> np.ndarray:
    """Mean darkness inside each re-found box, ``inset`` px in from its border lines."""
    table = _integral(dark)
    geometry = _Geometry.of(boxes)
    dy, dx = _locate(table, geometry)
    return _mean_in(table, geometry.rects(dy, dx, -inset))


# --- finding the printed box: summed-area tables over all boxes at once ----------------

Rects = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # y0, x0, y1, x1 (exclusive)


@dataclass(frozen=True)
class _Geometry:
    """The boxes' border centre lines in their windows' coordinates, as (N, 1) columns
    that broadcast against (N, shifts)."""

    top: np.ndarray
    left: np.ndarray
    bottom: np.ndarray
    right: np.ndarray

    @classmethod
    def of(cls, boxes: _Boxes) -> _Geometry:
        start = np.full((len(boxes.names), 1), SEARCH_PX + MARGIN_PX, np.intp)
        height = (boxes.bottom - boxes.top)[:, None]
        width = (boxes.right - boxes.left)[:, None]
        return cls(top=start, left=start, bottom=start + height, right=start + width)

    def rects(self, dy: np.ndarray, dx: np.ndarray, grow: int) -> Rects:
        """Each box moved by (dy, dx), grown by ``grow`` px beyond its border lines'
        centres (negative: shrunk), as half-open rectangles."""
        return (
            self.top[:, 0] + dy - grow,
            self.left[:, 0] + dx - grow,
            self.bottom[:, 0] + dy + grow + 1,
            self.right[:, 0] + dx + grow + 1,
        )


def _integral(dark: np.ndarray) -> np.ndarray:
    """Summed-area tables (N, H + 1, W + 1) of the darkness windows."""
    n, height, width = dark.shape
    table = np.zeros((n, height + 1, width + 1), np.float64)
    table[:, 1:, 1:] = dark.cumsum(axis=1, dtype=np.float64).cumsum(axis=2)
    return table


def _sum_in(table: np.ndarray, rects: Rects) -> np.ndarray:
    y0, x0, y1, x1 = rects
    n = np.arange(len(table)).reshape((-1,) + (1,) * (y0.ndim - 1))
    return table[n, y1, x1] - table[n, y0, x1] - table[n, y1, x0] + table[n, y0, x0]


def _area(rects: Rects) -> np.ndarray:
    y0, x0, y1, x1 = rects
    return np.maximum(y1 - y0, 0) * np.maximum(x1 - x0, 0)


def _mean_in(table: np.ndarray, rects: Rects) -> np.ndarray:
    return _sum_in(table, rects) / np.maximum(_area(rects), 1)


def _locate(table: np.ndarray, geometry: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    """The shift (dy, dx) of each box at which its four border lines are darkest."""
    steps = np.arange(-SEARCH_PX, SEARCH_PX + 1)
    dy = np.repeat(steps, len(steps))[None, :]
    dx = np.tile(steps, len(steps))[None, :]
    h = STRIP_HALF_PX
    top, left = geometry.top + dy, geometry.left + dx
    bottom, right = geometry.bottom + dy, geometry.right + dx
    strips = (
        (top - h, left - h, top + h + 1, right + h + 1),
        (bottom - h, left - h, bottom + h + 1, right + h + 1),
        (top - h, left - h, bottom + h + 1, left + h + 1),
        (top - h, right - h, bottom + h + 1, right + h + 1),
    )
    ink = sum(_sum_in(table, s) for s in strips)
    area = sum(_area(s) for s in strips)
    score = np.asarray(ink) / np.asarray(area) - SHIFT_PENALTY * (np.abs(dy) + np.abs(dx))
    best = np.argmax(score, axis=1)
    return dy[0, best], dx[0, best]
