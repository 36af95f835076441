"""The month-word classifier (``data/months.npz``): which of the twelve months a word
written in a date is ("8 maj 2026", "3 juni 2025"), or no month at all. The same small
convolutional network as the digit classifier's (:class:`~intake.learned.digits.DigitModel`,
numpy only) over a word normalised to :data:`WORD_SHAPE`, and a softmax at a fitted
temperature over :data:`MONTH_CLASSES`. Trained by ``intake.training.months``
(``sus-intake train months``); where the word is cut from a date line is
``intake.ocr.months``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from intake.learned.digits import DigitModel, load_digit_model, save_digit_model
from intake.learned.provenance import Provenance
from intake.sus.values import MONTH_NAMES

#: What the word may be: a month (its name; an abbreviation is the same month) or none.
NO_MONTH = "-"
MONTH_CLASSES = (*MONTH_NAMES, NO_MONTH)
WEIGHTS = "months.npz"
#: A word normalised: its ink this many pixels tall, at most this wide, in a frame of
#: :data:`WORD_SHAPE` (rows, columns).
WORD_HEIGHT = 20
WORD_WIDTH = 68
WORD_SHAPE = (24, 72)
#: The classifier names a month it gives at least this probability (calibrated on
#: words of the training fonts); below it, it has no say. At 0.5 it named months in
#: dates written in digits ("2024-09-29" read "januari" at 0.65 in a held-out hand,
#: fax-calib200 seed 78 and a corpus of the held-out font, seed 601).
NAMES_A_MONTH = 0.8


@dataclass(frozen=True)
class MonthModel:
    """The network and what its classes mean."""

    network: DigitModel

    @property
    def provenance(self) -> Provenance | None:
        return self.network.provenance

    def probabilities(self, words: np.ndarray) -> np.ndarray:
        """N × len(MONTH_CLASSES) class probabilities of N normalised words."""
        return self.network.probabilities(words)

    def read(self, word: np.ndarray) -> list[float]:
        """One normalised word's probabilities, in the order of :data:`MONTH_CLASSES`."""
        return [round(float(p), 4) for p in self.probabilities(word[None])[0]]


def named_month(probabilities: Sequence[float]) -> tuple[int, float] | None:
    """The month (1-12) the classifier's ``probabilities`` name and its probability;
    None when they name none (no month likeliest, or none at :data:`NAMES_A_MONTH`)."""
    if not len(probabilities):
        return None
    best = int(np.argmax(probabilities))
    chance = float(probabilities[best])
    if MONTH_CLASSES[best] == NO_MONTH or chance < NAMES_A_MONTH:
        return None
    return best + 1, chance


def months_path() -> Path:
    return Path(str(resources.files("intake.learned") / "data" / WEIGHTS))


def load_month_model(path: Path | None = None) -> MonthModel:
    """The model in ``path`` (default: the shipped one)."""
    return MonthModel(network=load_digit_model(path or months_path()))


def save_month_model(model: MonthModel, path: Path) -> None:
    save_digit_model(model.network, path)
