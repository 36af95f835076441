"""A second opinion on hand-printed digits: a small classifier trained by our own code.

Tesseract reads hand-printed digits with confident single-digit confusions (9→3,
7→1 at 0.97). This module segments a prepared line (``intake.ocr.text.prepare_line``)
into glyphs, normalises each like MNIST (longest side 20 px, centred by mass in
28 × 28) and classifies it with a one-hidden-layer network in numpy, trained on
digits rendered from the generator's hand fonts and the typed fonts with the
generator's jitter and more (stroke width, slant, elastic warps, blur, noise,
binarisation). :func:`combine` merges its per-digit probabilities into Tesseract's
alternatives so that the constraint decoding in ``intake.mapping.interpret`` can
use both.

Retrain (~3 min on a busy 2-core machine; writes ``intake/ocr/data/digits.npz``)::

    .venv/bin/python -m intake.ocr.digits train

One hand font (``HELD_OUT_FONT``) is left out of training on purpose, so that
``scripts/measure_digits.py`` can say how the model does on a hand it never saw.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

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


# --- segmentation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Glyph:
    """One mark (or merged marks) on the line: its columns and its own ink."""

    left: int
    right: int  # exclusive
    ink: np.ndarray  # bool, the whole line's shape, True only for this glyph's pixels


def segment(line: np.ndarray) -> list[Glyph] | None:
    """The digit-sized glyphs of a prepared line, left to right, separators dropped;
    None when it cannot be cut into digits with some confidence."""
    ink = line < INK_LEVEL
    count, labels, stats = imaging.components(ink)
    marks = [i for i in range(1, count) if stats[i, 4] >= SPECK_PX]
    if not marks:
        return None
    height = _line_height(stats[marks])
    tall = [i for i in marks if stats[i, 3] >= PUNCTUATION_HEIGHT * height]
    groups = _merge_overlapping(tall, stats)
    glyphs: list[Glyph] = []
    for group in groups:
        pieces = _split(labels, group, stats, height)
        if pieces is None:
            return None
        glyphs.extend(pieces)
    return glyphs or None


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


def _split(
    labels: np.ndarray, group: list[int], stats: np.ndarray, height: float
) -> list[Glyph] | None:
    """One group as one glyph, or cut where the ink is thinnest when it is as wide as
    touching digits; None when it would take more than ``MAX_PIECES``."""
    mask = np.isin(labels, group)
    left = int(min(stats[i, 0] for i in group))
    right = int(max(stats[i, 0] + stats[i, 2] for i in group))
    width = right - left
    if width <= TOUCHING_WIDTH * height:
        return [Glyph(left, right, mask)]
    pieces = max(2, round(width / (DIGIT_WIDTH * height)))
    if pieces > MAX_PIECES:
        return None
    cuts = [left, *(left + cut for cut in _cuts(mask[:, left:right], pieces, height)), right]
    glyphs = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        part = np.zeros_like(mask)
        part[:, a:b] = mask[:, a:b]
        glyphs.append(Glyph(a, b, part))
    return glyphs


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


def glyph_images(line: np.ndarray) -> list[np.ndarray] | None:
    """The normalised glyph images of a prepared line, or None (see :func:`segment`)."""
    glyphs = segment(line)
    return None if glyphs is None else _images(line, glyphs)


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


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitModel:
    """One hidden ReLU layer and a softmax over ``CLASSES``."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    temperature: float = 1.0

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities, N × len(CLASSES), of N normalised glyph images."""
        # float32 like the weights: a float64 batch made numpy widen w1 on every call (15 ms)
        flat = images.reshape(len(images), -1).astype(np.float32, copy=False)
        hidden = np.maximum(flat @ self.w1 + self.b1, 0.0)
        return softmax((hidden @ self.w2 + self.b2) / self.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def weights_path() -> Path:
    return Path(str(resources.files("intake.ocr") / "data" / WEIGHTS))


@cache
def load_model(path: Path | None = None) -> DigitModel:
    """The shipped model (``intake/ocr/data/digits.npz``)."""
    with np.load(path or weights_path()) as data:
        arrays = {k: data[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")}
        return DigitModel(**arrays, temperature=float(data["temperature"]))


def save_model(model: DigitModel, path: Path) -> None:
    np.savez_compressed(
        path,
        w1=model.w1.astype(np.float16),
        b1=model.b1.astype(np.float16),
        w2=model.w2.astype(np.float16),
        b2=model.b2.astype(np.float16),
        temperature=np.float32(model.temperature),
    )


def classify(images: list[np.ndarray], model: DigitModel | None = None) -> np.ndarray:
    """Class probabilities of normalised glyph images (N × len(CLASSES))."""
    return (model or load_model()).probabilities(np.stack(images))


def digit_alternatives(
    line: np.ndarray, model: DigitModel | None = None, *, slashes: bool = True
) -> list[list[tuple[str, float]]] | None:
    """Per digit glyph of a prepared line, the ``TOP_K`` digits with probabilities
    (renormalised over digits); slashes dropped, or, in a field that holds none
    (``slashes`` False), taken for the 1 they then are. None when the line does not
    cut into glyphs cleanly or holds a letter."""
    images = glyph_images(line)
    if not images:
        return None
    probabilities = classify(images, model)
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
    return alternatives or None


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
) -> TextRead:
    """``read`` merged with the classifier's digits (:func:`combine`); when Tesseract
    lost or invented digits (its count is none of ``lengths``, the counts a field of
    this kind has) but the classifier cut the line into one of ``lengths`` digits (or,
    with ``slack``, a count that many off and nearer than Tesseract's: a decoding
    that guesses a missing digit follows), the classifier's reading of the line
    (:func:`classifier_line`). Handwriting that
    touches or breaks makes Tesseract drop whole groups of digits ("20 2384" for a
    personnummer, "-10-18" for a date). Without ``merge`` the classifier only
    confirms: a merge that would change a digit keeps Tesseract's read."""
    alternatives = digit_alternatives(line, slashes=slashes)
    combined = combine(read, alternatives)
    if combined is not read and not merge and combined.text != read.text:
        return read  # the classifier may confirm Tesseract's digits, not overrule them
    if combined is not read or alternatives is None:
        return combined
    def off(count: int) -> int:
        return min(abs(count - n) for n in lengths)

    mine = off(len(alternatives))
    if mine > slack or mine >= off(sum(c in DIGITS for c in read.text)):
        return read
    return classifier_line(line, slashes=slashes) or read


def classifier_line(
    line: np.ndarray, model: DigitModel | None = None, *, slashes: bool = True
) -> TextRead | None:
    """The classifier's reading of a line of digits: each digit with its ``TOP_K``
    alternatives, "/" where it saw a slash, a space where two glyphs stand further apart
    than :data:`SPACE_GAP` line heights (where a hyphen or a space was written); the
    confidence is the product of the digits'. A glyph the model takes for a letter
    (a broken or joined digit, often) is read as its likeliest digit with the letter's
    share as doubt. None when the line does not cut into glyphs cleanly or more than
    :data:`MAX_LETTERLIKE` of its glyphs look like letters (a month name)."""
    glyphs = segment(line)
    images = None if glyphs is None else _images(line, glyphs)
    if glyphs is None or not images:
        return None
    probabilities = classify(images, model)
    best_classes = [CLASSES[int(np.argmax(row))] for row in probabilities]
    if best_classes.count(OTHER) > MAX_LETTERLIKE * len(glyphs):
        return None
    height = _glyph_height(glyphs)
    text: list[str] = []
    alternatives: list[list[tuple[str, float]]] = []
    confidence = 1.0
    for index, (glyph, row) in enumerate(zip(glyphs, probabilities, strict=True)):
        if index and glyph.left - glyphs[index - 1].right > SPACE_GAP * height:
            text.append(" ")
        if best_classes[index] == SLASH and slashes:
            text.append(SLASH)
            alternatives.append([(SLASH, 1.0)])
            continue
        # a digit, unless it is a letter: what the model gave "letter" stays as doubt
        share = _digit_share(row, slashes=slashes)
        digits = share / max(float(share.sum() + row[CLASSES.index(OTHER)]), 1e-9)
        order = np.argsort(-digits)[:TOP_K]
        text.append(DIGITS[order[0]])
        alternatives.append([(DIGITS[i], float(digits[i])) for i in order])
        confidence *= float(digits[order[0]])
    return TextRead(text="".join(text), confidence=confidence, alternatives=alternatives)


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
    """The character drawn big (white on black) with a random pen width."""
    from intake.samples.ink import font_path

    size = rng.randint(44, 70)
    font = _font(str(font_path(font_name)), size)
    tile = Image.new("L", (size * 2, size * 2), 0)
    stroke = rng.choice((0, 0, 0, 1, 2, 3))
    ImageDraw.Draw(tile).text(
        (size, size), char, font=font, fill=255, anchor="mm", stroke_width=stroke, stroke_fill=255
    )
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
    count_per_class: int = 1500,
    held_out: str | None = HELD_OUT_FONT,
    hidden: int = 192,
    epochs: int = 6,
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
    return DigitModel(model.w1, model.b1, model.w2, model.b2, temperature)


def fit(
    x: np.ndarray, y: np.ndarray, *, hidden: int, epochs: int, seed: int, batch: int = 128
) -> DigitModel:
    """Mini-batch Adam on cross-entropy with a little weight decay."""
    noise = np.random.default_rng(seed)
    params = _initial(x.shape[1], hidden, len(CLASSES), noise)
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
    w1, b1, w2, b2 = params
    return DigitModel(w1, b1, w2, b2)


def _initial(
    inputs: int, hidden: int, outputs: int, noise: np.random.Generator
) -> list[np.ndarray]:
    return [
        (noise.normal(0, math.sqrt(2 / inputs), (inputs, hidden))).astype(np.float32),
        np.zeros(hidden, np.float32),
        (noise.normal(0, math.sqrt(1 / hidden), (hidden, outputs))).astype(np.float32),
        np.zeros(outputs, np.float32),
    ]


def _gradients(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    w1, b1, w2, b2 = params
    hidden = np.maximum(x @ w1 + b1, 0.0)
    p = softmax(hidden @ w2 + b2)
    p[np.arange(len(y)), y] -= 1.0
    p /= len(y)
    back = (p @ w2.T) * (hidden > 0)
    decay = 1e-4
    return [x.T @ back + decay * w1, back.sum(0), hidden.T @ p + decay * w2, p.sum(0)]


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
        p = DigitModel(model.w1, model.b1, model.w2, model.b2, t).probabilities(x)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    return min((0.5 + 0.1 * k for k in range(26)), key=nll)


def _accuracy(model: DigitModel, x: np.ndarray, y: np.ndarray) -> float:
    return float((model.probabilities(x).argmax(axis=1) == y).mean())


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the hand-printed digit classifier.")
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--count", type=int, default=1500, help="rendered glyphs per class")
    parser.add_argument("--epochs", type=int, default=6)
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
