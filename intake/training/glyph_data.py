"""Glyphs to learn from, as the reader sees them: cut from a prepared line and
normalised (``intake.ocr.glyphs.normalise``).

Two sources: digits **written by people** (the train part of
``intake.samples.handwriting``; never its held-aside part, which only measures) and
characters drawn with the sample generator's **hand and typed fonts** (digits, the
slash, letters as the "not a digit" class). Each is drawn big, given another pen
(thicker, thinner), slant, rotation, aspect and an elastic warp; sometimes drawn
between neighbouring digits and cut out at its own columns as touching digits are
cut; sometimes crossed by what removing a box line leaves (a gap across the strokes,
a stub of the line); then scanned small (14–38 px high), blurred, noisy, faint ink,
JPEG, binarised as a fax is, and prepared as ``prepare_line`` leaves writing.
"""

from __future__ import annotations

import io
import math
import random
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from intake import imaging
from intake.learned.digits import CLASSES, DIGITS, OTHER
from intake.ocr.glyphs import INK_LEVEL, normalise
from intake.samples.handwriting import DigitBank
from intake.samples.ink import HAND_FONTS, TYPED_FONTS, font_path

#: Letters of Swedish month names and others that do not look like a digit.
OTHER_LETTERS = "acefjkmnprtuvwyAEFHKMNPRUVWXYäå"
HELD_OUT_FONT = "SteveHand.ttf"
#: Share of training glyphs drawn between neighbours and cut out; the gap to a
#: neighbour and how far outside (or inside) the glyph the cut falls, in glyph heights.
CONTEXT_SHARE = 0.35
CONTEXT_GAP = (-0.12, 0.2)
CONTEXT_CUT = (-0.06, 0.12)
#: Share of glyphs crossed by what a removed box line leaves.
BOX_LINE_SHARE = 0.12
#: Share of the "not a digit" class made of real writing cut wrong: two touching digits
#: taken as one (so that a line cut too coarsely reads as no digit).
PIECE_SHARE = 0.4
#: A normalised glyph with more ink than this is a speck blown up, not a character.
MAX_INK_SHARE = 0.45
#: Share of glyphs saved as JPEG on the way (phone photos, jpeg scans).
JPEG_SHARE = 0.2


# --- real digits ------------------------------------------------------------------------


def real_glyph(image: np.ndarray, rng: random.Random,
               neighbours: DigitBank | None = None) -> np.ndarray | None:
    """A real digit (28 × 28, white on black) as the reader would see it: drawn big with
    another pen, distorted, maybe between ``neighbours`` and cut out, maybe crossed by
    a box line's remains, scanned small and prepared, then normalised."""
    height = rng.randint(44, 70)
    tile = _big(image, height)
    if tile is None:
        return None
    tile = _pen(tile, rng)
    if neighbours is not None and rng.random() < CONTEXT_SHARE:
        tile = _between_real(tile, height, neighbours, rng)
    tile = _distort(tile, rng)
    if rng.random() < BOX_LINE_SHARE:
        tile = _box_line(tile, rng)
    return normalise(_degrade(tile, rng))


def real_piece(bank: DigitBank, rng: random.Random) -> np.ndarray | None:
    """What a wrong cut makes of real writing: two digits touching, taken as one glyph.
    (Part of a digit is not used: half an 8 is a 3, half a 4 a 1.)"""
    height = rng.randint(44, 70)
    first = _big(bank.images[rng.randrange(len(bank))], height)
    second = _big(bank.images[rng.randrange(len(bank))], height)
    if first is None or second is None:
        return None
    a_cols = np.nonzero(first.max(axis=0) > 0.12)[0]
    b_cols = np.nonzero(second.max(axis=0) > 0.12)[0]
    shift = round((a_cols[-1] - a_cols[0] + 1) / 2 + (b_cols[-1] - b_cols[0] + 1) / 2
                  + rng.uniform(-0.12, 0.05) * height)
    tile = np.maximum(_shifted(first, -(shift // 2)), _shifted(second, shift - shift // 2))
    return normalise(_degrade(_distort(_pen(tile, rng), rng), rng))


def _big(image: np.ndarray, height: int) -> np.ndarray | None:
    """The digit's ink scaled to ``height`` px, centred in a tile 3 × its height wide."""
    rows, cols = np.nonzero(image > 30)
    if not len(rows):
        return None
    crop = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    width = max(1, round(crop.shape[1] * height / crop.shape[0]))
    scaled = imaging.resize_exact(crop, width, height, smooth="cubic")
    tile = np.zeros((height * 2, height * 3), np.uint8)
    top, left = height // 2, (height * 3 - width) // 2
    tile[top : top + height, left : left + width] = scaled[:, : height * 3]
    return tile.astype(np.float32) / 255


def _pen(tile: np.ndarray, rng: random.Random) -> np.ndarray:
    """A thicker or thinner pen than the writer's, sometimes."""
    roll = rng.random()
    if roll < 0.5:
        return tile
    image = Image.fromarray((tile * 255).astype(np.uint8))
    size = rng.choice((3, 3, 5)) if roll < 0.8 else 3
    image = image.filter(ImageFilter.MaxFilter(size) if roll < 0.8 else ImageFilter.MinFilter(size))
    return np.asarray(image, np.float32) / 255


def _between_real(tile: np.ndarray, height: int, bank: DigitBank,
                  rng: random.Random) -> np.ndarray:
    """Real neighbours drawn left and right at a small gap (or touching), the tile then
    cut at the glyph's own columns, give or take, as touching digits are cut."""
    ink_cols = np.nonzero(tile.max(axis=0) > 0.12)[0]
    left, right = int(ink_cols[0]), int(ink_cols[-1]) + 1
    out = tile.copy()
    for side in (-1, 1):
        if rng.random() >= 0.7:
            continue
        other = _big(bank.images[rng.randrange(len(bank))], height)
        if other is None:
            continue
        o_cols = np.nonzero(other.max(axis=0) > 0.12)[0]
        gap = round(rng.uniform(*CONTEXT_GAP) * height)
        shift = (right + gap - int(o_cols[0])) if side > 0 else (left - gap - int(o_cols[-1]) - 1)
        out = np.maximum(out, _shifted(other, shift))
    out[:, : max(0, round(left - rng.uniform(*CONTEXT_CUT) * height))] = 0
    out[:, round(right + rng.uniform(*CONTEXT_CUT) * height) :] = 0
    return out


def _shifted(tile: np.ndarray, dx: int) -> np.ndarray:
    moved = np.zeros_like(tile)
    if dx >= 0:
        moved[:, dx:] = tile[:, : tile.shape[1] - dx]
    else:
        moved[:, :dx] = tile[:, -dx:]
    return moved


def _box_line(tile: np.ndarray, rng: random.Random) -> np.ndarray:
    """What a removed box line leaves: a thin gap across the strokes near the top or the
    bottom of the glyph, or a stub of the line itself at its edge."""
    rows = np.nonzero(tile.max(axis=1) > 0.12)[0]
    cols = np.nonzero(tile.max(axis=0) > 0.12)[0]
    if not len(rows):
        return tile
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    height = bottom - top + 1
    thick = max(1, round(height * rng.uniform(0.03, 0.08)))
    y = top + round(height * (rng.uniform(0.0, 0.2) if rng.random() < 0.5
                              else rng.uniform(0.8, 1.0)))
    out = tile.copy()
    if rng.random() < 0.6:
        out[max(0, y - thick) : y + thick, :] = 0.0
    else:
        reach = round(height * rng.uniform(0.1, 0.4))
        x0 = left - reach if rng.random() < 0.5 else right - reach
        out[max(0, y - thick) : y + thick, max(0, x0) : x0 + 2 * reach] = 1.0
    return out


# --- drawn with fonts -----------------------------------------------------------------


def training_fonts(held_out: str | None = HELD_OUT_FONT) -> tuple[str, ...]:
    """The generator's hand and typed fonts but ``held_out`` (a hand kept for measuring)."""
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
    if rng.random() < JPEG_SHARE:
        small = _jpeg(small, rng.randint(25, 85))
    if rng.random() < 0.25:
        small = (small > rng.uniform(0.3, 0.6)).astype(np.float32)
    return _as_prepared(small)


def _jpeg(darkness: np.ndarray, quality: int) -> np.ndarray:
    """The glyph saved as a JPEG of dark ink on paper and read back."""
    buffer = io.BytesIO()
    Image.fromarray(((1 - darkness) * 255).astype(np.uint8)).save(buffer, "JPEG",
                                                                   quality=quality)
    buffer.seek(0)
    return 1 - np.asarray(Image.open(buffer), np.float32) / 255


def _as_prepared(darkness: np.ndarray) -> np.ndarray:
    """As ``prepare_line`` leaves writing: its darkest tenth black, paper away from
    the ink pure white."""
    ink = darkness > 1 - INK_LEVEL / 255
    if not ink.any():
        return np.zeros_like(darkness)
    darkest = float(np.percentile(darkness[ink], 90))
    stretched = np.clip(darkness / max(darkest, 1e-3), 0, 1)
    return np.where(imaging.dilate(ink, 3), stretched, 0.0).astype(np.float32)




# --- the set ---------------------------------------------------------------------------


def glyph_set(
    *, real: DigitBank | None, real_per_digit: int, font_per_class: int,
    fonts: tuple[str, ...], seed: int, with_real_digits: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised glyphs (N × 28 × 28, float32) and class indices: ``real_per_digit``
    augmented real digits of each digit (cycling through ``real``), and
    ``font_per_class`` font-drawn glyphs of every class (the slash and the letters get
    as many as a digit gets in all, so that no class is rare). Without
    ``with_real_digits`` the augmented real digits are left out (the training makes
    them afresh every epoch, :func:`real_digits`); the rest is as with them."""
    rng = random.Random(seed)
    images, labels = [], []

    def add(image: np.ndarray | None, label: int) -> None:
        # a glyph scanned down to a speck normalises to an ink-filled square: no digit
        if image is not None and float(image.mean()) < MAX_INK_SHARE:
            images.append(image)
            labels.append(label)

    for label, name in enumerate(CLASSES):
        if name in DIGITS and real is not None and real_per_digit and with_real_digits:
            mine = real.of(int(name))
            for k in range(real_per_digit):
                add(real_glyph(mine[k % len(mine)], rng, real), label)
        count = font_per_class if name in DIGITS else font_per_class + (
            real_per_digit if real is not None else 0)
        if name == OTHER and real is not None:
            # what a wrong cut makes of real writing is no digit either
            pieces = round(count * PIECE_SHARE)
            for _ in range(pieces):
                add(real_piece(real, rng), label)
            count -= pieces
        chars = OTHER_LETTERS if name == OTHER else name
        for _ in range(count):
            add(render_glyph(rng.choice(chars), rng.choice(fonts), rng), label)
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.int64)


def real_digits(real: DigitBank, digit: int, count: int, *, start: int,
                seed: int | str) -> tuple[np.ndarray, np.ndarray]:
    """``count`` augmented glyphs of ``digit`` from ``real``'s writing of it, beginning
    at its ``start``-th (cycling), each a new random degradation for ``seed``: one
    piece of an epoch's real digits (pieces go to worker processes)."""
    rng = random.Random(seed)
    mine = real.of(digit)
    kept = [glyph for k in range(start, start + count)
            if (glyph := real_glyph(mine[k % len(mine)], rng, real)) is not None
            and float(glyph.mean()) < MAX_INK_SHARE]
    if not kept:
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    label = CLASSES.index(str(digit))
    return np.stack(kept).astype(np.float32), np.full(len(kept), label, np.int64)


def correction_set(images: np.ndarray, labels: np.ndarray, *, copies: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Glyphs reviewers confirmed (``intake.learned.corrections``: 28 × 28 uint8, as the
    reader saw them) as they are, and each in ``copies`` augmented versions (another
    pen, distortion, scanning), normalised like :func:`glyph_set`'s."""
    rng = random.Random(seed)
    out: list[np.ndarray | None] = [normalise(image.astype(np.float32) / 255)
                                    for image in images]
    out_labels = list(labels)
    for _ in range(copies):
        out.extend(real_glyph(image, rng) for image in images)
        out_labels.extend(labels)
    kept = [(image, label) for image, label in zip(out, out_labels, strict=True)
            if image is not None and float(image.mean()) < MAX_INK_SHARE]
    if not kept:
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    return (np.stack([image for image, _ in kept]).astype(np.float32),
            np.array([label for _, label in kept], dtype=np.int64))
