"""A second opinion on hand-printed digits: a small classifier trained by our own code.

Tesseract reads hand-printed digits with confident single-digit confusions (9→3,
7→1 at 0.97). This module segments a prepared line (``intake.ocr.text.prepare_line``)
into glyphs, normalises each like MNIST (longest side 20 px, centred by mass in
28 × 28) and classifies it with a two-hidden-layer network in numpy, trained on
digits rendered from the generator's hand fonts and the typed fonts with the
generator's jitter and more (stroke width, slant, elastic warps, blur, noise,
binarisation, neighbours' stroke ends where touching digits were cut apart). Where
the field's digit count is known, the line's cut is fitted to it
(:func:`read_glyphs`). :func:`combine` merges its per-digit probabilities into Tesseract's
alternatives so that the constraint decoding in ``intake.mapping.interpret`` can
use both.

Retrain (~3 min on 2 cores, 60,000 glyphs; writes ``intake/ocr/data/digits.npz``)::

    .venv/bin/python -m intake.ocr.digits train

One hand font (``HELD_OUT_FONT``) is left out of training on purpose, so that
``scripts/measure_digits.py`` can say how the model does on a hand it never saw.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from intake.ocr import imaging
from intake.ocr.model import TextRead

log = logging.getLogger(__name__)

DIGITS = "0123456789"
SLASH = "/"
OTHER = "x"  # a letter: the line is not digits only
CLASSES = DIGITS + SLASH + OTHER
#: Letters of Swedish month names and others that do not look like a digit.
OTHER_LETTERS = "acefjkmnprtuvwyAEFHKMNPRUVWXYäå"
GLYPH_PX = 28
BOX_PX = 20
INK_LEVEL = 128
#: Marks smaller than this (px, on a line whose core is ~28 px) are specks.
SPECK_PX = 8
#: A mark lower than this share of the line's height is punctuation ("-", ".").
PUNCTUATION_HEIGHT = 0.42
#: A mark wider than this many line heights holds touching digits.
TOUCHING_WIDTH = 0.95
#: Typical width of a digit, in line heights, when splitting touching ones.
DIGIT_WIDTH = 0.75
MAX_PIECES = 3
TOP_K = 4
#: A gap wider than this many glyph heights between two glyphs is a space or a hyphen.
SPACE_GAP = 0.45
#: Share of a line's glyphs that may look like letters in :func:`classifier_line`.
MAX_LETTERLIKE = 0.25
HELD_OUT_FONT = "SteveHand.ttf"
WEIGHTS = "digits.npz"
#: Share of training glyphs drawn between neighbours and cut out; the gap to a
#: neighbour and how far outside (or inside) the glyph the cut falls, in font sizes.
CONTEXT_SHARE = 0.35
CONTEXT_GAP = (-0.12, 0.2)
CONTEXT_CUT = (-0.06, 0.12)
#: Hidden layer widths of the classifier.
HIDDEN = (384, 192)


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
    return None if found is None else _usual_glyphs(*found)


def _usual_glyphs(parts: list[Cluster], height: float) -> list[Glyph] | None:
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
    found = []
    for group in _merge_overlapping(tall, stats):
        left = int(min(stats[i, 0] for i in group))
        right = int(max(stats[i, 0] + stats[i, 2] for i in group))
        found.append(Cluster(left, right, np.isin(labels, group)))
    return found, height


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


def _images(line: np.ndarray, glyphs: list[Glyph]) -> list[np.ndarray] | None:
    darkness = 1.0 - line.astype(np.float32) / 255
    images = []
    for glyph in glyphs:
        own = imaging.dilate(glyph.ink, 3)
        image = normalise(np.where(own, darkness, 0.0)[:, glyph.left : glyph.right])
        if image is None:
            return None
        images.append(image)
    return images


# --- fitting the glyphs to the digit count --------------------------------------------------

#: The classifier abstains on a line whose digits it is on average less sure of.
MIN_MEAN_SURETY = 0.8
#: The most a field without a check digit (a date) may trust digits only the classifier
#: read: on a hand it never saw, they went wrong unseen (measure_digits, held-out).
UNCHECKED_CAP = 0.5
#: Three letters or more in a row: a word, such as a month's name.
_WORD = re.compile(r"[^\W\d_]{3,}")
#: How many glyphs a line's cut may be off the field's digit count and still be fitted.
MAX_REFIT = 2
#: A merged glyph is at most this many line heights wide.
MERGE_WIDTH = 1.2
#: A merged or cut glyph must be at least this likely some digit (or slash).
MIN_FIT_SURETY = 0.5
#: A glyph at least this many line heights wide may be cut in two.
SPLIT_WIDTH = 0.6


def read_glyphs(
    line: np.ndarray,
    model: DigitModel | None = None,
    *,
    lengths: tuple[int, ...] = (),
    slashes: bool = True,
) -> tuple[list[Glyph], np.ndarray] | None:
    """The glyphs of a prepared line and their class probabilities; None when the line
    does not cut into glyphs (:func:`segment`).

    With ``lengths`` (the digit counts a value of the field has), a cut whose digit
    count is none of them but at most :data:`MAX_REFIT` off, or that holds a glyph the
    model takes for a letter (two digits cut into three, say), is fitted: for each
    reachable count, the adjacent glyphs whose union the model reads best as one
    digit are merged (an open "0" drawn in two strokes), or the glyph whose two
    halves it reads best is cut (two touching digits), until the count fits; the
    fit whose glyphs the model is surest of, on average, wins (the cut as it was, too).
    The field's count is known, so this uses it while cutting rather than after reading.
    """
    found = clusters(line)
    glyphs = None if found is None else _usual_glyphs(*found)
    images = None if glyphs is None else _images(line, glyphs)
    if found is None or glyphs is None or not images:
        return None
    model = model or load_model()
    probabilities = classify(images, model)
    count = _digit_count(probabilities, slashes)
    letters = int(np.count_nonzero(np.argmax(probabilities, axis=1) == CLASSES.index(OTHER)))
    if not lengths or (count in lengths and not letters):
        return glyphs, probabilities
    if letters > MAX_LETTERLIKE * len(glyphs):
        return glyphs, probabilities  # words ("5 juni 2025"), not digits cut wrong
    parts, height = found
    options = [_cluster_options(line, cluster, height, model, slashes) for cluster in parts]
    fits: list[tuple[list[Glyph], np.ndarray] | None] = [(glyphs, probabilities)]
    for target in lengths:
        if abs(target - count) <= MAX_REFIT:
            if count != target:
                fits.append(_fit(line, glyphs, probabilities, target, height, model, slashes))
            fits.append(_recut(options, target))
    return max(
        (fit for fit in fits if fit is not None),
        key=lambda fit: float(np.mean(_surety(fit[1], slashes))),
    )


#: (glyphs, probabilities, digit count, summed surety) of one way to cut a cluster.
_Option = tuple[list[Glyph], np.ndarray, int, float]


def _cluster_options(
    line: np.ndarray, cluster: Cluster, height: float, model: DigitModel, slashes: bool
) -> list[_Option]:
    """Each plausible number of digits a cluster may hold, cut and classified."""
    width = cluster.right - cluster.left
    options = []
    for count in range(1, MAX_PIECES + 2):
        if count > 1 and width / count < SPLIT_WIDTH * height / 2:
            break
        glyphs = cluster.pieces(count, height)
        images = _images(line, glyphs)
        if images is None:
            continue
        probabilities = classify(images, model)
        surety = _surety(probabilities, slashes)
        if count > 1 and surety.min() < math.log(MIN_FIT_SURETY):
            continue
        digits = _digit_count(probabilities, slashes)
        options.append((glyphs, probabilities, digits, float(surety.sum())))
    return options


def _recut(
    options: list[list[_Option]], target: int
) -> tuple[list[Glyph], np.ndarray] | None:
    """The cut of every cluster that gives ``target`` digits with the most summed surety."""
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for choices in options:
        step: dict[int, tuple[float, list[int]]] = {}
        for count, (score, picked) in best.items():
            for index, (_, _, digits, surety) in enumerate(choices):
                total = count + digits
                if total <= target and (total not in step or step[total][0] < score + surety):
                    step[total] = (score + surety, [*picked, index])
        best = step
    if target not in best:
        return None
    chosen = [choices[i] for choices, i in zip(options, best[target][1], strict=True)]
    glyphs = [glyph for option in chosen for glyph in option[0]]
    return glyphs, np.concatenate([option[1] for option in chosen])


def _digit_count(probabilities: np.ndarray, slashes: bool) -> int:
    best = np.argmax(probabilities, axis=1)
    return int(len(best) - (np.count_nonzero(best == CLASSES.index(SLASH)) if slashes else 0))


def _surety(probabilities: np.ndarray, slashes: bool) -> np.ndarray:
    """Log of each glyph's likeliest digit (or slash, where slashes are written)."""
    kept = probabilities[:, : len(DIGITS) + 1].copy()
    if not slashes:
        kept[:, DIGITS.index("1")] += kept[:, len(DIGITS)]
        kept[:, len(DIGITS)] = 0.0
    return np.log(np.maximum(kept.max(axis=1), 1e-9))


def _fit(
    line: np.ndarray,
    glyphs: list[Glyph],
    probabilities: np.ndarray,
    target: int,
    height: float,
    model: DigitModel,
    slashes: bool,
) -> tuple[list[Glyph], np.ndarray] | None:
    """``glyphs`` merged or cut one at a time, best first, to ``target`` digits."""
    while (count := _digit_count(probabilities, slashes)) != target:
        step = _merges if count > target else _cuts_in_two
        options = list(step(glyphs, probabilities, height, slashes))
        if not options:
            return None
        scored = []
        for start, stop, parts in options:
            images = _images(line, parts)
            if images is None:
                continue
            new = classify(images, model)
            surety = _surety(new, slashes)
            if surety.min() < math.log(MIN_FIT_SURETY):
                continue  # no digit the model recognises: not how the line was written
            gain = surety.sum() - _surety(probabilities[start:stop], slashes).sum()
            scored.append((float(gain), start, stop, parts, new))
        if not scored:
            return None
        _, start, stop, parts, new = max(scored, key=lambda item: item[0])
        glyphs = [*glyphs[:start], *parts, *glyphs[stop:]]
        probabilities = np.concatenate([probabilities[:start], new, probabilities[stop:]])
    return glyphs, probabilities


def _merges(
    glyphs: list[Glyph], probabilities: np.ndarray, height: float, slashes: bool
) -> Iterator[tuple[int, int, list[Glyph]]]:
    """(start, stop, [merged]) for each adjacent pair narrow enough to be one digit."""
    slash = CLASSES.index(SLASH)
    for i in range(len(glyphs) - 1):
        a, b = glyphs[i], glyphs[i + 1]
        if slashes and slash in (np.argmax(probabilities[i]), np.argmax(probabilities[i + 1])):
            continue
        if b.right - a.left <= MERGE_WIDTH * height:
            yield i, i + 2, [Glyph(a.left, b.right, a.ink | b.ink)]


def _cuts_in_two(
    glyphs: list[Glyph], probabilities: np.ndarray, height: float, slashes: bool
) -> Iterator[tuple[int, int, list[Glyph]]]:
    """(start, stop, [left, right]) for each glyph wide enough to be two digits."""
    for i, glyph in enumerate(glyphs):
        if glyph.right - glyph.left < SPLIT_WIDTH * height:
            continue
        halves = Cluster(glyph.left, glyph.right, glyph.ink).pieces(2, height)
        if len(halves) == 2 and all(half.ink.any() for half in halves):
            yield i, i + 1, halves


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitModel:
    """Hidden ReLU layers and a softmax over ``CLASSES``: ``layers`` is (weights, bias)
    per layer, the last one the output."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    temperature: float = 1.0

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities, N × len(CLASSES), of N normalised glyph images."""
        # float32 like the weights: a float64 batch made numpy widen them on every call
        x = images.reshape(len(images), -1).astype(np.float32, copy=False)
        for weights, bias in self.layers[:-1]:
            x = np.maximum(x @ weights + bias, 0.0)
        weights, bias = self.layers[-1]
        return softmax((x @ weights + bias) / self.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def weights_path() -> Path:
    return Path(str(resources.files("intake.ocr") / "data" / WEIGHTS))


@cache
def load_model(path: Path | None = None) -> DigitModel:
    """The shipped model (``intake/ocr/data/digits.npz``)."""
    with np.load(path or weights_path()) as data:
        depth = sum(1 for key in data.files if key.startswith("w"))
        layers = tuple(
            (data[f"w{i}"].astype(np.float32), data[f"b{i}"].astype(np.float32))
            for i in range(1, depth + 1)
        )
        return DigitModel(layers, temperature=float(data["temperature"]))


def save_model(model: DigitModel, path: Path) -> None:
    arrays: dict[str, Any] = {"temperature": np.float32(model.temperature)}
    for i, (weights, bias) in enumerate(model.layers, start=1):
        arrays[f"w{i}"], arrays[f"b{i}"] = weights.astype(np.float16), bias.astype(np.float16)
    np.savez_compressed(path, **arrays)


def classify(images: list[np.ndarray], model: DigitModel | None = None) -> np.ndarray:
    """Class probabilities of normalised glyph images (N × len(CLASSES))."""
    return (model or load_model()).probabilities(np.stack(images))


def digit_alternatives(
    line: np.ndarray,
    model: DigitModel | None = None,
    *,
    slashes: bool = True,
    lengths: tuple[int, ...] = (),
) -> list[list[tuple[str, float]]] | None:
    """Per digit glyph of a prepared line, the ``TOP_K`` digits with probabilities
    (renormalised over digits); slashes dropped, or, in a field that holds none
    (``slashes`` False), taken for the 1 they then are. None when the line does not
    cut into glyphs cleanly or holds a letter. With ``lengths``, the glyphs are first
    fitted to the nearest of those digit counts (:func:`read_glyphs`)."""
    found = read_glyphs(line, model, lengths=lengths, slashes=slashes)
    return None if found is None else _alternatives_of(found[1], slashes)


def _alternatives_of(
    probabilities: np.ndarray, slashes: bool
) -> list[list[tuple[str, float]]] | None:
    """:func:`digit_alternatives` of glyphs already classified."""
    alternatives = []
    for row in probabilities:
        best = CLASSES[int(np.argmax(row))]
        if best == OTHER:
            return None
        if best == SLASH and slashes:
            continue
        digits = _digit_share(row, slashes=slashes)
        digits /= max(float(digits.sum()), 1e-9)
        order = np.argsort(-digits)[:TOP_K]
        alternatives.append([(DIGITS[i], float(digits[i])) for i in order])
    return alternatives if alternatives and _sure_enough(alternatives) else None


def _sure_enough(alternatives: list[list[tuple[str, float]]]) -> bool:
    """Whether the model is, on average, sure enough of a line's digits to be heard: on a
    hand it never saw it is often unsure, and then wrong more than Tesseract."""
    tops = [choices[0][1] for choices in alternatives if choices[0][0] in DIGITS]
    return bool(tops) and float(np.mean(tops)) >= MIN_MEAN_SURETY


def _digit_share(row: np.ndarray, *, slashes: bool) -> np.ndarray:
    """A glyph's probability of each digit; without slashes a slash's share is a 1's
    (a one written as a single stroke)."""
    digits = row[: len(DIGITS)].copy()
    if not slashes:
        digits[DIGITS.index("1")] += row[CLASSES.index(SLASH)]
    return digits


# --- combining with Tesseract -----------------------------------------------------------

#: Product of experts: p(d) ∝ (p_tesseract(d) + floor)^weight × (p_classifier(d) + floor)^weight.
TESSERACT_WEIGHT = 1.0
CLASSIFIER_WEIGHT = 1.0
TESSERACT_FLOOR = 0.02  # Tesseract lists few digits: an unlisted one is not impossible
CLASSIFIER_FLOOR = 0.005


def combine(
    read: TextRead,
    digit_alts: list[list[tuple[str, float]]] | None,
    *,
    tesseract_weight: float = TESSERACT_WEIGHT,
    classifier_weight: float = CLASSIFIER_WEIGHT,
) -> TextRead:
    """``read`` with each digit's alternatives merged with the classifier's, when both
    saw the same number of digits; otherwise ``read`` unchanged. Separators and spaces
    keep Tesseract's reading; the confidence is the least sure merged digit's."""
    positions = [i for i, char in enumerate(read.text) if char in DIGITS]
    if digit_alts is None or len(positions) != len(digit_alts):
        return read
    listed = _per_character(read)
    chars, alternatives = list(read.text), [list(a) for a in listed]
    weakest = 1.0
    for index, classifier in zip(positions, digit_alts, strict=True):
        tesseract = listed[index] or [(read.text[index], read.confidence)]
        merged = _merge(tesseract, classifier, tesseract_weight, classifier_weight)
        chars[index], weakest = merged[0][0], min(weakest, merged[0][1])
        alternatives[index] = merged
    visible = [a for char, a in zip(chars, alternatives, strict=True) if not char.isspace()]
    return TextRead(text="".join(chars), confidence=weakest, alternatives=visible)


def second_opinion(
    read: TextRead,
    line: np.ndarray,
    *,
    lengths: tuple[int, ...],
    merge: bool = True,
    slashes: bool = True,
    slack: int = 0,
    agreement: bool = True,
) -> TextRead:
    """``read`` merged with the classifier's digits (:func:`combine`); when Tesseract
    lost or invented digits (its count is none of ``lengths``, the counts a field of
    this kind has) but the classifier cut the line into one of ``lengths`` digits (or,
    with ``slack``, a count that many off and nearer than Tesseract's: a decoding
    that guesses a missing digit follows), the classifier's reading of the line
    (:func:`classifier_line`). Handwriting that
    touches or breaks makes Tesseract drop whole groups of digits ("20 2384" for a
    personnummer, "-10-18" for a date). Without ``merge`` (no check digit) the
    classifier only confirms Tesseract's digits, and only with ``agreement``; a read
    made from its digits stays below :data:`UNCHECKED_CAP`."""
    found = read_glyphs(line, lengths=lengths, slashes=slashes)  # once, for both uses
    alternatives = None if found is None else _alternatives_of(found[1], slashes)
    combined = combine(read, alternatives)
    if combined is not read and not merge and not (agreement and combined.text == read.text):
        # no check digit: the classifier may not overrule Tesseract's digits, and where
        # ``agreement`` is off its agreement is no proof either (on a hand neither
        # knew, both took the 9s of dates for 3s)
        return read
    if combined is not read:
        return combined

    def off(text: str) -> int:
        count = sum(c in DIGITS for c in text)
        return min(abs(count - n) for n in lengths)

    if not off(read.text) or _WORD.search(read.text):
        return read  # a word ("8 maj 2024") is more than a line of digits can say
    mine = None if found is None else _line_of(*found, slashes)
    if mine is None or off(mine.text) > slack or off(mine.text) >= off(read.text):
        return read
    merged = aligned_merge(read, mine)
    if not merge:  # no check digit to catch a wrong one: a person looks at it
        return merged.model_copy(update={"confidence": min(merged.confidence, UNCHECKED_CAP)})
    return merged


def aligned_merge(tesseract: TextRead, classifier: TextRead) -> TextRead:
    """The classifier's reading of a line with each of its digits merged (:func:`_merge`)
    with the Tesseract digit it aligns to (least edits between the two digit strings).

    Tesseract lost digits elsewhere on the line but the ones it kept are evidence: where
    the two disagree ("4" against the classifier's "9"), the merged digit is as unsure
    as they are, so a constraint decoding weighs both rather than trusting one."""
    t_positions = [i for i, c in enumerate(tesseract.text) if c in DIGITS]
    c_positions = [i for i, c in enumerate(classifier.text) if c in DIGITS]
    t_listed = _per_character(tesseract)
    visible = [i for i, c in enumerate(classifier.text) if not c.isspace()]
    c_listed = dict(zip(visible, classifier.alternatives, strict=True))
    pairs = _alignment([tesseract.text[i] for i in t_positions],
                       [classifier.text[i] for i in c_positions])
    chars = list(classifier.text)
    alternatives = {i: list(c_listed[i]) for i in visible}
    own = math.prod(c_listed[i][0][1] for i in c_positions)
    confidence = classifier.confidence / own if own > 0 else 0.0  # its slashes' doubt
    for t_index, c_index in pairs:
        t_at, c_at = t_positions[t_index], c_positions[c_index]
        mine = t_listed[t_at] or [(tesseract.text[t_at], tesseract.confidence)]
        merged = _merge(mine, alternatives[c_at], TESSERACT_WEIGHT, CLASSIFIER_WEIGHT)
        chars[c_at], alternatives[c_at] = merged[0][0], merged
    for i in c_positions:
        confidence *= alternatives[i][0][1]
    return TextRead(
        text="".join(chars),
        confidence=confidence,
        alternatives=[alternatives[i] for i in visible],
    )


def _alignment(first: list[str], second: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a least-edit alignment of two strings (matches and substitutions)."""
    rows, cols = len(first) + 1, len(second) + 1
    cost = np.zeros((rows, cols), np.int32)
    cost[:, 0], cost[0, :] = np.arange(rows), np.arange(cols)
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i, j] = min(cost[i - 1, j] + 1, cost[i, j - 1] + 1,
                             cost[i - 1, j - 1] + (first[i - 1] != second[j - 1]))
    pairs, i, j = [], rows - 1, cols - 1
    while i and j:
        if cost[i, j] == cost[i - 1, j - 1] + (first[i - 1] != second[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def classifier_line(
    line: np.ndarray,
    model: DigitModel | None = None,
    *,
    slashes: bool = True,
    lengths: tuple[int, ...] = (),
) -> TextRead | None:
    """The classifier's reading of a line of digits: each digit with its ``TOP_K``
    alternatives, "/" where it saw a slash, a space where two glyphs stand further apart
    than :data:`SPACE_GAP` line heights (where a hyphen or a space was written); the
    confidence is the product of the digits'. A glyph the model takes for a letter
    (a broken or joined digit, often) is read as its likeliest digit with the letter's
    share as doubt. None when the line does not cut into glyphs cleanly or more than
    :data:`MAX_LETTERLIKE` of its glyphs look like letters (a month name)."""
    found = read_glyphs(line, model, lengths=lengths, slashes=slashes)
    return None if found is None else _line_of(*found, slashes)


def _line_of(glyphs: list[Glyph], probabilities: np.ndarray, slashes: bool) -> TextRead | None:
    """:func:`classifier_line` of glyphs already cut and classified."""
    best_classes = [CLASSES[int(np.argmax(row))] for row in probabilities]
    if best_classes.count(OTHER) > MAX_LETTERLIKE * len(glyphs):
        return None
    height = _glyph_height(glyphs)
    spaced = [bool(i) and g.left - glyphs[i - 1].right > SPACE_GAP * height
              for i, g in enumerate(glyphs)]
    kept = _separators(best_classes, spaced, probabilities) if slashes else set()
    text: list[str] = []
    alternatives: list[list[tuple[str, float]]] = []
    confidence = 1.0
    for index, row in enumerate(probabilities):
        if spaced[index]:
            text.append(" ")
        if index in kept:
            # a slash or a 1 written as one stroke: the doubt stays in the confidence
            text.append(SLASH)
            alternatives.append([(SLASH, 1.0)])
            confidence *= float(row[CLASSES.index(SLASH)] / row[: len(DIGITS) + 1].sum())
            continue
        # a digit, unless it is a letter: what the model gave "letter" stays as doubt
        share = _digit_share(row, slashes=slashes and best_classes[index] != SLASH)
        digits = share / max(float(share.sum() + row[CLASSES.index(OTHER)]), 1e-9)
        order = np.argsort(-digits)[:TOP_K]
        text.append(DIGITS[order[0]])
        alternatives.append([(DIGITS[i], float(digits[i])) for i in order])
        confidence *= float(digits[order[0]])
    if not _sure_enough(alternatives):
        return None
    return TextRead(text="".join(text), confidence=confidence, alternatives=alternatives)


def _separators(classes: list[str], spaced: list[bool], probabilities: np.ndarray) -> set[int]:
    """Which glyphs the model took for slashes are date separators; the others are 1s
    written as one stroke. A run of slashes is a separator when it stands between two
    digits, or apart from both sides ("17 / 10"), and then only its most slash-like
    glyph ("17//0" is 17/10); a slash joined to a digit on one side only ("/7" at the
    start, "10 /2") is a 1."""
    kept: set[int] = set()
    index = 0
    while index < len(classes):
        if classes[index] != SLASH:
            index += 1
            continue
        end = index
        while end + 1 < len(classes) and classes[end + 1] == SLASH and not spaced[end + 1]:
            end += 1
        joined_left = index > 0 and not spaced[index]
        joined_right = end + 1 < len(classes) and not spaced[end + 1]
        if joined_left == joined_right:
            run = range(index, end + 1)
            kept.add(max(run, key=lambda i: float(probabilities[i, CLASSES.index(SLASH)])))
        index = end + 1
    return kept


def _glyph_height(glyphs: list[Glyph]) -> float:
    rows = [np.flatnonzero(g.ink.any(axis=1)) for g in glyphs]
    return float(np.median([r[-1] - r[0] + 1 for r in rows if len(r)] or [1]))


def _per_character(read: TextRead) -> list[list[tuple[str, float]]]:
    """Tesseract's alternatives per character of its text (spaces get none)."""
    if len(read.alternatives) == len(read.text):
        return [list(a) for a in read.alternatives]
    visible = [i for i, char in enumerate(read.text) if not char.isspace()]
    listed: list[list[tuple[str, float]]] = [[] for _ in read.text]
    if len(read.alternatives) == len(visible):
        for i, alternatives in zip(visible, read.alternatives, strict=True):
            listed[i] = list(alternatives)
    return listed


def _merge(
    tesseract: list[tuple[str, float]],
    classifier: list[tuple[str, float]],
    tesseract_weight: float,
    classifier_weight: float,
) -> list[tuple[str, float]]:
    """The top digits of the weighted product of the two distributions."""
    p_tess, p_class = _digit_vector(tesseract), _digit_vector(classifier)
    product = (p_tess + TESSERACT_FLOOR) ** tesseract_weight * (
        p_class + CLASSIFIER_FLOOR
    ) ** classifier_weight
    product /= product.sum()
    order = np.argsort(-product)[:TOP_K]
    return [(DIGITS[i], float(product[i])) for i in order]


def _digit_vector(alternatives: list[tuple[str, float]]) -> np.ndarray:
    vector = np.zeros(len(DIGITS))
    for char, p in alternatives:
        if char in DIGITS:
            vector[DIGITS.index(char)] += p
    return vector / max(float(vector.sum()), 1e-9)


def classifier_read(line: np.ndarray, like: TextRead) -> TextRead:
    """The classifier alone: Tesseract's layout with only the classifier's digits
    when the counts agree, else the classifier's digits run together (for measuring)."""
    alts = digit_alternatives(line)
    if alts is None:
        return TextRead(text="", confidence=0.0, alternatives=[])
    combined = combine(like, alts, tesseract_weight=0.0)
    if combined is not like:
        return combined
    text = "".join(a[0][0] for a in alts)
    return TextRead(text=text, confidence=min(a[0][1] for a in alts), alternatives=alts)


# --- training data: rendered glyphs -----------------------------------------------------


def training_fonts(held_out: str | None = HELD_OUT_FONT) -> tuple[str, ...]:
    from intake.samples.ink import HAND_FONTS, TYPED_FONTS

    return tuple(f for f in (*HAND_FONTS, *TYPED_FONTS) if f != held_out)


def render_glyph(char: str, font_name: str, rng: random.Random) -> np.ndarray | None:
    """One ``char`` as the pipeline would see it, normalised: drawn with the
    generator's jitter and beyond, degraded like a scan, then cut and normalised."""
    tile = _draw(char, font_name, rng)
    tile = _distort(tile, rng)
    return normalise(_degrade(tile, rng))


def _draw(char: str, font_name: str, rng: random.Random) -> np.ndarray:
    """The character drawn big (white on black) with a random pen width; sometimes
    between neighbouring digits, cut out at its own columns (give or take) as the
    segmentation cuts touching digits, so that a neighbour's stroke ends are seen."""
    from intake.samples.ink import font_path

    size = rng.randint(44, 70)
    font = _font(str(font_path(font_name)), size)
    tile = Image.new("L", (size * 3, size * 2), 0)
    draw = ImageDraw.Draw(tile)
    stroke = rng.choice((0, 0, 0, 1, 2, 3))
    centre = (size * 1.5, size)
    draw.text(centre, char, font=font, fill=255, anchor="mm", stroke_width=stroke, stroke_fill=255)
    left, _, right, _ = draw.textbbox(centre, char, font=font, anchor="mm", stroke_width=stroke)
    if rng.random() < CONTEXT_SHARE:
        for side in (-1, 1):
            if rng.random() < 0.7:
                other = rng.choice(DIGITS)
                o_left, _, o_right, _ = font.getbbox(other, anchor="mm")
                gap = rng.uniform(*CONTEXT_GAP) * size
                x = right + gap - o_left if side > 0 else left - gap - o_right
                draw.text((x, size), other, font=font, fill=255, anchor="mm",
                          stroke_width=stroke, stroke_fill=255)
        cut = np.asarray(tile, np.uint8).copy()
        cut[:, : max(0, round(left - rng.uniform(*CONTEXT_CUT) * size))] = 0
        cut[:, round(right + rng.uniform(*CONTEXT_CUT) * size) :] = 0
        tile = Image.fromarray(cut)
    if stroke == 0 and rng.random() < 0.3:
        tile = tile.filter(ImageFilter.MinFilter(3))  # a thin pen
    return np.asarray(tile, np.float32) / 255


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _distort(tile: np.ndarray, rng: random.Random) -> np.ndarray:
    """Rotation, slant, aspect and an elastic warp."""
    h, w = tile.shape
    angle = math.radians(rng.uniform(-12, 12))
    slant, stretch = rng.uniform(-0.35, 0.35), rng.uniform(0.8, 1.2)
    cos, sin = math.cos(angle), math.sin(angle)
    linear = np.array([[cos * stretch, -sin + slant], [sin * stretch, cos]])
    centre = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]])
    moved = imaging.warp_affine((tile * 255).astype(np.uint8), matrix, w, h, border=(0,))
    return _elastic(moved, rng).astype(np.float32) / 255


def _elastic(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """A smooth random displacement field (Simard et al.), a few px strong."""
    h, w = image.shape
    noise = np.random.default_rng(rng.randrange(2**32))
    strength, sigma = rng.uniform(0, 4.0) * w / 100, w / 14
    dx = imaging.gaussian_blur(noise.uniform(-1, 1, (h, w)).astype(np.float32), sigma)
    dy = imaging.gaussian_blur(noise.uniform(-1, 1, (h, w)).astype(np.float32), sigma)
    scale = strength / max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    ys, xs = np.indices((h, w), dtype=np.float32)
    return imaging.remap(image, xs + dx * scale, ys + dy * scale)


def _degrade(tile: np.ndarray, rng: random.Random) -> np.ndarray:
    """Scanned at a low resolution, blurred, noisy, maybe binarised (fax)."""
    rows = np.nonzero(tile.max(axis=1) > 0.3)[0]
    height = max(int(rows[-1] - rows[0] + 1), 1) if len(rows) else tile.shape[0]
    scale = rng.uniform(14, 38) / height
    small = imaging.resize((tile * 255).astype(np.uint8), scale).astype(np.float32) / 255
    if rng.random() < 0.6:
        blurred = imaging.gaussian_blur((small * 255).astype(np.uint8), rng.uniform(0.3, 1.0))
        small = blurred.astype(np.float32) / 255
    noise = np.random.default_rng(rng.randrange(2**32))
    small = np.clip(small * rng.uniform(0.6, 1.0) + noise.normal(0, 0.04, small.shape), 0, 1)
    if rng.random() < 0.25:
        small = (small > rng.uniform(0.3, 0.6)).astype(np.float32)
    return _as_prepared(small)


def _as_prepared(darkness: np.ndarray) -> np.ndarray:
    """As ``prepare_line`` leaves writing: its darkest tenth black, paper away from
    the ink pure white."""
    ink = darkness > 1 - INK_LEVEL / 255
    if not ink.any():
        return np.zeros_like(darkness)
    darkest = float(np.percentile(darkness[ink], 90))
    stretched = np.clip(darkness / max(darkest, 1e-3), 0, 1)
    return np.where(imaging.dilate(ink, 3), stretched, 0.0).astype(np.float32)


def training_set(
    count_per_class: int, fonts: tuple[str, ...], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rendered, normalised glyphs (N × 28 × 28) and their class indices."""
    rng = random.Random(seed)
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        chars = OTHER_LETTERS if name == OTHER else name
        for _ in range(count_per_class):
            image = render_glyph(rng.choice(chars), rng.choice(fonts), rng)
            if image is not None:
                images.append(image)
                labels.append(label)
    return np.stack(images), np.array(labels)


# --- training -------------------------------------------------------------------------------


def train_digit_model(
    *,
    count_per_class: int = 5000,
    held_out: str | None = HELD_OUT_FONT,
    hidden: tuple[int, ...] = HIDDEN,
    epochs: int = 12,
    seed: int = 1,
) -> DigitModel:
    """A model trained on glyphs rendered from every font but ``held_out``, its
    softmax temperature fitted on a validation set rendered apart."""
    fonts = training_fonts(held_out)
    images, labels = training_set(count_per_class, fonts, seed)
    model = fit(images.reshape(len(images), -1), labels, hidden=hidden, epochs=epochs, seed=seed)
    valid_x, valid_y = training_set(count_per_class // 10, fonts, seed + 1000)
    temperature = fit_temperature(model, valid_x, valid_y)
    log.info("validation accuracy %.3f", _accuracy(model, valid_x, valid_y))
    return DigitModel(model.layers, temperature)


def fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    hidden: tuple[int, ...],
    epochs: int,
    seed: int,
    batch: int = 128,
) -> DigitModel:
    """Mini-batch Adam on cross-entropy with a little weight decay."""
    noise = np.random.default_rng(seed)
    params = _initial((x.shape[1], *hidden, len(CLASSES)), noise)
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = 0
    for epoch in range(epochs):
        rate = 1e-3 * (0.5 * (1 + math.cos(math.pi * epoch / epochs)))
        order = noise.permutation(len(x))
        for start in range(0, len(x), batch):
            chosen = order[start : start + batch]
            grads = _gradients(params, x[chosen], y[chosen])
            step += 1
            _adam(params, grads, moments, rate, step)
        log.info("epoch %d done", epoch + 1)
    return DigitModel(tuple(zip(params[::2], params[1::2], strict=True)))


def _initial(sizes: tuple[int, ...], noise: np.random.Generator) -> list[np.ndarray]:
    """Weights and bias of each layer (He for the ReLU layers), flat: w1, b1, w2, …"""
    params = []
    for index, (inputs, outputs) in enumerate(zip(sizes, sizes[1:], strict=False)):
        gain = 1.0 if index == len(sizes) - 2 else 2.0
        params.append(noise.normal(0, math.sqrt(gain / inputs), (inputs, outputs)))
        params.append(np.zeros(outputs))
    return [p.astype(np.float32) for p in params]


def _gradients(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    weights, biases = params[::2], params[1::2]
    activations = [x]
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        activations.append(np.maximum(activations[-1] @ w + b, 0.0))
    p = softmax(activations[-1] @ weights[-1] + biases[-1])
    p[np.arange(len(y)), y] -= 1.0
    back = p / len(y)
    decay = 1e-4
    grads: list[np.ndarray] = []
    for layer in range(len(weights) - 1, -1, -1):
        grads[:0] = [activations[layer].T @ back + decay * weights[layer], back.sum(0)]
        if layer:
            back = (back @ weights[layer].T) * (activations[layer] > 0)
    return grads


def _adam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    moments: list[tuple[np.ndarray, np.ndarray]],
    rate: float,
    step: int,
) -> None:
    for param, grad, (m, v) in zip(params, grads, moments, strict=True):
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * grad * grad
        corrected = rate * math.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        param -= (corrected * m / (np.sqrt(v) + 1e-8)).astype(param.dtype)


def fit_temperature(model: DigitModel, x: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least negative log-likelihood on ``x``."""

    def nll(t: float) -> float:
        p = DigitModel(model.layers, t).probabilities(x)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    return min((0.5 + 0.1 * k for k in range(26)), key=nll)


def _accuracy(model: DigitModel, x: np.ndarray, y: np.ndarray) -> float:
    return float((model.probabilities(x).argmax(axis=1) == y).mean())


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the hand-printed digit classifier.")
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--count", type=int, default=5000, help="rendered glyphs per class")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--hold-out", default=HELD_OUT_FONT, help="font left out; 'none' for none")
    parser.add_argument("--out", type=Path, default=weights_path())
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    held_out = None if args.hold_out == "none" else args.hold_out
    model = train_digit_model(count_per_class=args.count, held_out=held_out, epochs=args.epochs)
    save_model(model, args.out)
    log.info("wrote %s (%d bytes)", args.out, args.out.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
