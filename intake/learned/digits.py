"""The hand-printed digit classifier's network (``data/digits.npz``): hidden ReLU
layers and a softmax over ``CLASSES``, run in numpy. Trained by
``intake.training.digits`` (``.venv/bin/python -m intake.training.digits train``);
how a line is cut into glyphs and read with it is ``intake.ocr.digits``."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DigitModel:
    """Hidden ReLU layers and a softmax over ``CLASSES``: ``layers`` is (weights, bias)
    per layer, the last one the output."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    temperature: float = 1.0
    provenance: Provenance | None = None

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
    return Path(str(resources.files("intake.learned") / "data" / WEIGHTS))


def load_digit_model(path: Path | None = None) -> DigitModel:
    """The model in ``path`` (default: the shipped one)."""
    source = path or weights_path()
    try:
        with np.load(source) as data:
            depth = sum(1 for key in data.files if key.startswith("w"))
            layers = tuple(
                (data[f"w{i}"].astype(np.float32), data[f"b{i}"].astype(np.float32))
                for i in range(1, depth + 1)
            )
            provenance = None
            if "provenance" in data.files:
                provenance = Provenance(**json.loads(str(data["provenance"])))
            return DigitModel(layers, float(data["temperature"]), provenance)
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"{source} is missing or broken ({exc}); "
            "run .venv/bin/python -m intake.training.digits train"
        ) from exc


def save_digit_model(model: DigitModel, path: Path) -> None:
    """Weights as float16 (the file stays small), the provenance as JSON beside them."""
    arrays: dict[str, Any] = {"temperature": np.float32(model.temperature)}
    for i, (weights, bias) in enumerate(model.layers, start=1):
        arrays[f"w{i}"], arrays[f"b{i}"] = weights.astype(np.float16), bias.astype(np.float16)
    if model.provenance is not None:
        arrays["provenance"] = np.array(model.provenance.model_dump_json())
    np.savez_compressed(path, **arrays)
