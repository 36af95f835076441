"""The hand-printed digit classifier's network (``data/digits.npz``): a small
convolutional network and a softmax over ``CLASSES``, run in numpy (no deep-learning
framework at run time). Trained by
``intake.training.digits`` (``.venv/bin/python -m intake.training.digits train``);
how a line is cut into glyphs and read with it is ``intake.ocr.digits``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from intake.errors import ConfigurationError
from intake.learned.provenance import Provenance

DIGITS = "0123456789"
SLASH = "/"
OTHER = "x"  # a letter: the line is not digits only
CLASSES = DIGITS + SLASH + OTHER
WEIGHTS = "digits.npz"


#: Images taken through the convolutions at a time: the columns of a few dozen stay
#: in the processor's cache (a page's 60 glyphs × 3 shifts at once took ~1.5 times as
#: long a glyph).
CONV_BATCH = 24
#: No shifting: the glyph is read once, as it is.
AS_IT_IS: tuple[tuple[int, int], ...] = ((0, 0),)

Layer = tuple[np.ndarray, np.ndarray]
"""Weights and bias of one layer. A convolution's weights are (9 · channels in,
channels out), rows in the order (channel, row, column) of its 3 × 3 window."""


@dataclass(frozen=True)
class DigitModel:
    """A small convolutional network over a 28 × 28 glyph: each of ``convs`` is a
    3 × 3 convolution (same size), ReLU and 2 × 2 max-pooling; then ``dense`` layers,
    ReLU between them, and a softmax over ``CLASSES`` at ``temperature``. Without
    ``convs`` it is a plain multi-layer perceptron over the 784 pixels.

    ``shifts`` (rows, columns) are a test-time ensemble: the glyph is read moved by
    each and the logits averaged (a digit a pixel higher or lower is the same digit;
    the network's pooling grid is not indifferent to it).

    A model made by :meth:`remembering` keeps what each image it classified read as
    (``seen``)."""

    dense: tuple[Layer, ...]
    temperature: float = 1.0
    provenance: Provenance | None = None
    convs: tuple[Layer, ...] = ()
    shifts: tuple[tuple[int, int], ...] = AS_IT_IS
    seen: dict[bytes, np.ndarray] | None = field(default=None, compare=False, repr=False)

    def remembering(self) -> DigitModel:
        """This model, classifying each distinct image once for as long as it is kept:
        a line's pieces are tried in several cuts (fitted to the field's digit count,
        the lattice's cuts, a date after words), each of which classifies them."""
        return replace(self, seen={})

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities, N × len(CLASSES), of N normalised glyph images."""
        if self.seen is None:
            return softmax(self.logits(images) / self.temperature)
        x = np.ascontiguousarray(images, dtype=np.float32)
        keys = [image.tobytes() for image in x]
        new = {key: i for i, key in reversed(list(enumerate(keys))) if key not in self.seen}
        if new:
            rows = softmax(self.logits(x[list(new.values())]) / self.temperature)
            self.seen.update(zip(new, rows, strict=True))
        return np.stack([self.seen[key] for key in keys])

    def _convolved(self, x: np.ndarray) -> np.ndarray:
        x = x.reshape(len(x), *x.shape[-2:], 1)
        for weights, bias in self.convs:
            # pooled before the bias and ReLU: the same, on a quarter of the values
            x = np.maximum(max_pool(conv3x3(x, weights)) + bias, 0.0)
        return x

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The logits averaged over ``shifts`` (one pass over every shifted copy)."""
        # float32 like the weights: a float64 batch made numpy widen them on every call
        x = images.astype(np.float32, copy=False).reshape(len(images), *images.shape[-2:])
        if self.shifts == AS_IT_IS:
            return self._logits(x)
        moved = np.concatenate([np.roll(x, shift, axis=(1, 2)) for shift in self.shifts])
        return np.asarray(self._logits(moved).reshape(len(self.shifts), len(x), -1).mean(0))

    def _logits(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        if self.convs:
            x = np.concatenate([self._convolved(x[start : start + CONV_BATCH])
                                for start in range(0, n, CONV_BATCH)])
        x = x.reshape(n, -1)
        for weights, bias in self.dense[:-1]:
            x = np.maximum(x @ weights + bias, 0.0)
        weights, bias = self.dense[-1]
        return np.asarray(x @ weights + bias)


def conv_columns(x: np.ndarray) -> np.ndarray:
    """Every 3 × 3 window (zero-padded) of N × H × W × C images, one row per pixel:
    (N · H · W) × (C · 9)."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    # nine shifted slices stacked: ~2.5 times faster than copying a 6-D window view
    windows = np.stack([padded[:, i : i + h, j : j + w, :] for i in range(3) for j in range(3)],
                       axis=-1)
    return windows.reshape(n * h * w, c * 9)


def conv3x3(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A 3 × 3 convolution keeping the size: N × H × W × C → N × H × W × out."""
    n, h, w, _ = x.shape
    return np.asarray(conv_columns(x) @ weights).reshape(n, h, w, weights.shape[1])


def max_pool(x: np.ndarray) -> np.ndarray:
    """2 × 2 max-pooling of N × H × W × C (H and W even)."""
    return np.maximum(np.maximum(x[:, ::2, ::2], x[:, 1::2, ::2]),
                      np.maximum(x[:, ::2, 1::2], x[:, 1::2, 1::2]))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def weights_path() -> Path:
    return Path(str(resources.files("intake.learned") / "data" / WEIGHTS))


def load_digit_model(path: Path | None = None) -> DigitModel:
    """The model in ``path`` (default: the shipped one)."""
    source = path or weights_path()
    try:
        with np.load(source) as data:
            provenance = None
            if "provenance" in data.files:
                provenance = Provenance(**json.loads(str(data["provenance"])))
            shifts = AS_IT_IS
            if "shifts" in data.files:
                shifts = tuple((int(dy), int(dx)) for dy, dx in data["shifts"])
            return DigitModel(dense=_layers(data, "w", "b"), convs=_layers(data, "cw", "cb"),
                              temperature=float(data["temperature"]), provenance=provenance,
                              shifts=shifts)
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"{source} is missing or broken ({exc}); "
            "run .venv/bin/sus-intake train digits"
        ) from exc


def _layers(data: Any, weights: str, bias: str) -> tuple[Layer, ...]:
    depth = sum(1 for key in data.files if key[len(weights):].isdigit()
                and key.startswith(weights))
    return tuple(
        (data[f"{weights}{i}"].astype(np.float32), data[f"{bias}{i}"].astype(np.float32))
        for i in range(1, depth + 1)
    )


def save_digit_model(model: DigitModel, path: Path) -> None:
    """Weights as float16 (the file stays small), the provenance as JSON beside them."""
    arrays: dict[str, Any] = {"temperature": np.float32(model.temperature),
                              "shifts": np.array(model.shifts, np.int8)}
    for prefix, layers in (("", model.dense), ("c", model.convs)):
        for i, (weights, bias) in enumerate(layers, start=1):
            arrays[f"{prefix}w{i}"] = weights.astype(np.float16)
            arrays[f"{prefix}b{i}"] = bias.astype(np.float16)
    if model.provenance is not None:
        arrays["provenance"] = np.array(model.provenance.model_dump_json())
    np.savez_compressed(path, **arrays)
