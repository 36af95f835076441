"""Cutting a prepared line of hand-printed digits into glyphs, and each glyph into the
28 × 28 image the digit classifier reads (``intake.ocr.digits``).

A line (``intake.ocr.text.prepare_line``: dark writing on white, its core about 28 px
high) is cut into its marks; marks that overlap join one *cluster*; a cluster wider
than a digit is cut where its ink is thinnest into as many digits as its width holds.
Specks and punctuation (dashes, dots: lower than half the writing) are dropped. A
glyph is normalised like MNIST: longest side 20 px, centred by mass in 28 × 28.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from intake import imaging

GLYPH_PX = 28
BOX_PX = 20
INK_LEVEL = 128
#: Marks smaller than this (px, on a line whose core is ~28 px) are specks.
SPECK_PX = 8
#: ... but a mark of this many px or more, low and between digits, is a dot written.
DOT_PX = 4
#: A pale stroke's pixels are darker than this (:func:`_with_faint_marks`).
FAINT_LEVEL = 200
#: A separator's middle stands below this share of the writing's height from its top.
DOT_TOP = 0.3
#: A mark lower than this share of the line's height is punctuation ("-", ".").
PUNCTUATION_HEIGHT = 0.42
#: A mark wider than this many line heights holds touching digits.
TOUCHING_WIDTH = 0.95
#: Typical width of a digit, in line heights, when splitting touching ones.
DIGIT_WIDTH = 0.75
MAX_PIECES = 3


# --- segmentation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Glyph:
    """One mark (or merged marks) on the line: its columns and its own ink."""

    left: int
    right: int  # exclusive
    ink: np.ndarray  # bool, the whole line's shape, True only for this glyph's pixels


@dataclass(frozen=True, slots=True)
class Cluster:
    """Marks that overlap (or touch) on a line: one digit or several to be cut apart."""

    left: int
    right: int  # exclusive
    ink: np.ndarray  # bool, the whole line's shape

    def pieces(self, count: int, height: float) -> list[Glyph]:
        """The cluster cut into ``count`` glyphs where the ink is thinnest."""
        if count == 1:
            return [Glyph(self.left, self.right, self.ink)]
        inner = _cuts(self.ink[:, self.left : self.right], count, height)
        cuts = [self.left, *(self.left + cut for cut in inner), self.right]
        glyphs = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            part = np.zeros_like(self.ink)
            part[:, a:b] = self.ink[:, a:b]
            glyphs.append(Glyph(a, b, part))
        return glyphs


def segment(line: np.ndarray) -> list[Glyph] | None:
    """The digit-sized glyphs of a prepared line, left to right, separators dropped;
    None when it cannot be cut into digits with some confidence."""
    found = clusters(line)
    return None if found is None else usual_glyphs(*found)


def usual_glyphs(parts: list[Cluster], height: float) -> list[Glyph] | None:
    """Each cluster cut into as many digits as its width holds."""
    glyphs: list[Glyph] = []
    for cluster in parts:
        count = _usual_pieces(cluster, height)
        if count is None:
            return None
        glyphs.extend(cluster.pieces(count, height))
    return glyphs or None


def clusters(line: np.ndarray) -> tuple[list[Cluster], float] | None:
    """The clusters of digit-height marks on a prepared line, left to right, and the
    writing's height; None when there is no mark."""
    ink = line < INK_LEVEL
    count, labels, stats = imaging.components(ink)
    marks = [i for i in range(1, count) if stats[i, 4] >= SPECK_PX]
    if not marks:
        return None
    height = _line_height(stats[marks])
    tall = [i for i in marks if stats[i, 3] >= PUNCTUATION_HEIGHT * height]
    labels, stats, tall = _with_faint_marks(line, labels, stats, tall, height)
    found = []
    for group in _merge_overlapping(tall, stats):
        left = int(min(stats[i, 0] for i in group))
        right = int(max(stats[i, 0] + stats[i, 2] for i in group))
        found.append(Cluster(left, right, np.isin(labels, group)))
    return found, height


def _with_faint_marks(line: np.ndarray, labels: np.ndarray, stats: np.ndarray,
                      tall: list[int], height: float
                      ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The line's labels, stats and digit-height marks, with each pale mark added: a
    stroke drawn thin or lit unevenly (a phone's photo) that falls apart at
    :data:`INK_LEVEL` into specks and dashes ("2026-08-23" cut "026 08 23"), where its
    pixels darker than :data:`FAINT_LEVEL` join them into one mark of digit height
    holding no mark found at :data:`INK_LEVEL` but at least :data:`SPECK_PX` of its ink."""
    count, faint, boxes = imaging.components(line < FAINT_LEVEL)
    strong = np.isin(labels, tall)
    added: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(1, count):
        if boxes[i, 3] < PUNCTUATION_HEIGHT * height:
            continue
        pixels = faint == i
        if strong[pixels].any() or int((line[pixels] < INK_LEVEL).sum()) < SPECK_PX:
            continue
        added.append((pixels, boxes[i]))
    if not added:
        return labels, stats, tall
    labels = labels.copy()
    for number, (pixels, _) in enumerate(added, start=len(stats)):
        labels[pixels] = number
    stats = np.vstack([stats, *[box for _, box in added]])
    return labels, stats, [*tall, *range(len(stats) - len(added), len(stats))]


def punctuation(line: np.ndarray, parts: list[Cluster], height: float) -> list[float]:
    """The middle columns of the marks :func:`clusters` drops as punctuation (lower than
    :data:`PUNCTUATION_HEIGHT` of the writing, at least :data:`DOT_PX`), within the band
    the writing's ``parts`` fill, their middle below its top :data:`DOT_TOP`: the dots
    and dashes written between digits ("8.8.2026"), left to right -- not the dot of a
    month's i or j ("2 juli 2026"). (A pen's dot is smaller than a speck.)"""
    rows = np.flatnonzero(np.logical_or.reduce([part.ink for part in parts]).any(axis=1))
    if not rows.size:
        return []
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    lowest_dot = top + DOT_TOP * (bottom - top)  # above it: a letter's dot (i, j, ö)
    count, _, stats = imaging.components(line < INK_LEVEL)
    return sorted(float(x + w / 2) for x, y, w, h, area in stats[1:]
                  if area >= DOT_PX and h < PUNCTUATION_HEIGHT * height
                  and top <= y and y + h <= bottom and y + h / 2 >= lowest_dot)


def _usual_pieces(cluster: Cluster, height: float) -> int | None:
    """How many digits a cluster of its width holds: one, or as many as touching digits
    fit; None when more than ``MAX_PIECES``."""
    width = cluster.right - cluster.left
    if width <= TOUCHING_WIDTH * height:
        return 1
    pieces = max(2, round(width / (DIGIT_WIDTH * height)))
    return None if pieces > MAX_PIECES else pieces


def _line_height(stats: np.ndarray) -> float:
    """Height of the writing: the median of the taller marks (digits, not dashes)."""
    heights = stats[:, 3].astype(float)
    return float(np.median(heights[heights >= 0.5 * heights.max()]))


def _merge_overlapping(marks: list[int], stats: np.ndarray) -> list[list[int]]:
    """Marks grouped left to right; a mark sharing half its columns with the group
    before it (a broken stroke, a detached flag) joins that group."""
    groups: list[list[int]] = []
    right = -1
    for i in sorted(marks, key=lambda i: stats[i, 0]):
        left, width = int(stats[i, 0]), int(stats[i, 2])
        if groups and right - left >= 0.5 * width:
            groups[-1].append(i)
        else:
            groups.append([i])
        right = max(right, left + width) if len(groups[-1]) > 1 else left + width
    return groups


def _cuts(mask: np.ndarray, pieces: int, height: float) -> list[int]:
    """Columns (relative to the group's left) to cut at: near each even share of the
    width, the column with the least ink."""
    profile = mask.sum(axis=0)
    width, reach = mask.shape[1], max(int(0.2 * height), 1)
    cuts = []
    for k in range(1, pieces):
        centre = round(k * width / pieces)
        low, high = max(centre - reach, 1), min(centre + reach, width - 1)
        cuts.append(low + int(np.argmin(profile[low:high])))
    return sorted(set(cuts))


# --- normalisation ------------------------------------------------------------------------


def normalise(darkness: np.ndarray) -> np.ndarray | None:
    """A glyph's darkness (0 paper … 1 ink) cropped, scaled so its longer side is
    ``BOX_PX`` and centred by mass in ``GLYPH_PX`` square; None when there is no ink."""
    rows, cols = np.nonzero(darkness > 0.3)
    if not len(rows):
        return None
    crop = darkness[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = BOX_PX / max(crop.shape)
    h, w = (max(1, round(n * scale)) for n in crop.shape)
    small = imaging.resize_to((crop * 255).astype(np.uint8), w, h).astype(np.float32) / 255
    out = np.zeros((GLYPH_PX, GLYPH_PX), np.float32)
    cy, cx = _centre_of_mass(small)
    top = int(np.clip(round(GLYPH_PX / 2 - cy), 0, GLYPH_PX - h))
    left = int(np.clip(round(GLYPH_PX / 2 - cx), 0, GLYPH_PX - w))
    out[top : top + h, left : left + w] = small
    return out


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = float(image.sum()) or 1.0
    ys, xs = np.indices(image.shape)
    return float((ys * image).sum() / total), float((xs * image).sum() / total)


def images_of(line: np.ndarray, glyphs: list[Glyph]) -> list[np.ndarray] | None:
    """Each glyph's darkness (its own ink and the pixels next to it) normalised; None
    when a glyph holds no ink. Only the glyph's columns are worked on: its ink lies
    within them."""
    darkness = 1.0 - line.astype(np.float32) / 255
    images = []
    for glyph in glyphs:
        columns = slice(glyph.left, glyph.right)
        own = imaging.dilate(glyph.ink[:, columns], 3)
        image = normalise(np.where(own, darkness[:, columns], 0.0))
        if image is None:
            return None
        images.append(image)
    return images
