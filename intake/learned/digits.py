"""The hand-printed digit classifier's network (``data/digits.npz``): a small
convolutional network and a softmax over ``CLASSES``, run in numpy (no deep-learning
framework at run time). Trained by
``intake.training.digits`` (``.venv/bin/python -m intake.training.digits train``);
how a line is cut into glyphs and read with it is ``intake.ocr.digits``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from intake.errors import ConfigurationError
from intake.learned.provenance import Provenance

DIGITS = "0123456789"
SLASH = "/"
OTHER = "x"  # a letter: the line is not digits only
CLASSES = DIGITS + SLASH + OTHER
WEIGHTS = "digits.npz"


Layer = tuple[np.ndarray, np.ndarray]
"""Weights and bias of one layer. A convolution's weights are (9 · channels in,
channels out), rows in the order (channel, row, column) of its 3 × 3 window."""


@dataclass(frozen=True)
class DigitModel:
    """A small convolutional network over a 28 × 28 glyph: each of ``convs`` is a
    3 × 3 convolution (same size), ReLU and 2 × 2 max-pooling; then ``dense`` layers,
    ReLU between them, and a softmax over ``CLASSES`` at ``temperature``. Without
    ``convs`` it is a plain multi-layer perceptron over the 784 pixels."""

    dense: tuple[Layer, ...]
    temperature: float = 1.0
    provenance: Provenance | None = None
    convs: tuple[Layer, ...] = ()

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities, N × len(CLASSES), of N normalised glyph images."""
        return softmax(self.logits(images) / self.temperature)

    def logits(self, images: np.ndarray) -> np.ndarray:
        # float32 like the weights: a float64 batch made numpy widen them on every call
        x = images.astype(np.float32, copy=False)
        if self.convs:
            x = x.reshape(len(images), *x.shape[-2:], 1)
            for weights, bias in self.convs:
                x = max_pool(np.maximum(conv3x3(x, weights) + bias, 0.0))
        x = x.reshape(len(images), -1)
        for weights, bias in self.dense[:-1]:
            x = np.maximum(x @ weights + bias, 0.0)
        weights, bias = self.dense[-1]
        return np.asarray(x @ weights + bias)


def conv_columns(x: np.ndarray) -> np.ndarray:
    """Every 3 × 3 window (zero-padded) of N × H × W × C images, one row per pixel:
    (N · H · W) × (C · 9)."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    # numpy before 2.4 types ``axis`` as one index only, though a tuple works
    windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # type: ignore[call-overload,unused-ignore]
    return np.asarray(windows).reshape(n * h * w, c * 9)


def conv3x3(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A 3 × 3 convolution keeping the size: N × H × W × C → N × H × W × out."""
    n, h, w, _ = x.shape
    return np.asarray(conv_columns(x) @ weights).reshape(n, h, w, weights.shape[1])


def max_pool(x: np.ndarray) -> np.ndarray:
    """2 × 2 max-pooling of N × H × W × C (H and W even)."""
    n, h, w, c = x.shape
    return np.asarray(x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4)))


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
            return DigitModel(dense=_layers(data, "w", "b"), convs=_layers(data, "cw", "cb"),
                              temperature=float(data["temperature"]), provenance=provenance)
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
    arrays: dict[str, Any] = {"temperature": np.float32(model.temperature)}
    for prefix, layers in (("", model.dense), ("c", model.convs)):
        for i, (weights, bias) in enumerate(layers, start=1):
            arrays[f"{prefix}w{i}"] = weights.astype(np.float16)
            arrays[f"{prefix}b{i}"] = bias.astype(np.float16)
    if model.provenance is not None:
        arrays["provenance"] = np.array(model.provenance.model_dump_json())
    np.savez_compressed(path, **arrays)
