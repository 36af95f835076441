"""Training the hand-printed digit classifier (``intake/learned/data/digits.npz``).

Glyphs are rendered from the sample generator's hand fonts and the typed fonts with
the generator's jitter and more (stroke width, slant, elastic warps, blur, noise,
binarisation, neighbours' stroke ends where touching digits were cut apart), cut and
normalised as the reader does (``intake.ocr.glyphs.normalise``), and a
two-hidden-layer network is fitted with mini-batch Adam in numpy; its softmax
temperature is fitted on a validation set rendered apart.

Retrain (~3 min on 2 cores, 60,000 glyphs)::

    .venv/bin/python -m intake.training.digits train

One hand font (``HELD_OUT_FONT``) is left out of training on purpose, so that
``scripts/measure_digits.py`` can say how the model does on a hand it never saw.
The file records how it was made (:class:`~intake.learned.provenance.Provenance`).
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from intake import imaging
from intake.learned.digits import (
    CLASSES,
    DIGITS,
    OTHER,
    DigitModel,
    save_digit_model,
    softmax,
    weights_path,
)
from intake.learned.provenance import Provenance, current_commit
from intake.ocr.glyphs import INK_LEVEL, normalise
from intake.samples.ink import HAND_FONTS, TYPED_FONTS, font_path

log = logging.getLogger(__name__)

#: Letters of Swedish month names and others that do not look like a digit.
OTHER_LETTERS = "acefjkmnprtuvwyAEFHKMNPRUVWXYäå"
HELD_OUT_FONT = "SteveHand.ttf"
#: Share of training glyphs drawn between neighbours and cut out; the gap to a
#: neighbour and how far outside (or inside) the glyph the cut falls, in font sizes.
CONTEXT_SHARE = 0.35
CONTEXT_GAP = (-0.12, 0.2)
CONTEXT_CUT = (-0.06, 0.12)
#: Hidden layer widths of the classifier.
HIDDEN = (384, 192)


# --- training data: rendered glyphs -----------------------------------------------------


def training_fonts(held_out: str | None = HELD_OUT_FONT) -> tuple[str, ...]:
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
    accuracy = _accuracy(model, valid_x, valid_y)
    log.info("validation accuracy %.3f", accuracy)
    provenance = Provenance(
        made_by=f"python -m intake.training.digits train --count {count_per_class} "
                f"--epochs {epochs} --seed {seed} --hold-out {held_out or 'none'}",
        data=f"{len(images)} glyphs rendered from {len(fonts)} fonts "
             f"(held out: {held_out or 'none'}), {CONTEXT_SHARE:.0%} between neighbours; "
             f"hidden layers {hidden}",
        seed=seed, commit=current_commit(), made_on=date.today(),
        validation={"accuracy_rendered_apart": round(accuracy, 4),
                    "temperature": round(temperature, 2)},
    )
    return DigitModel(model.layers, temperature, provenance)


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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hold-out", default=HELD_OUT_FONT, help="font left out; 'none' for none")
    parser.add_argument("--out", type=Path, default=weights_path())
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    held_out = None if args.hold_out == "none" else args.hold_out
    model = train_digit_model(count_per_class=args.count, held_out=held_out,
                              epochs=args.epochs, seed=args.seed)
    save_digit_model(model, args.out)
    log.info("wrote %s (%d bytes)", args.out, args.out.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
