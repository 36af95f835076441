"""Digits written by people (``data/handwriting/digits-6000.npz``, MNIST's way), split
once by a fixed seed into what the digit classifier may learn from (``train``) and
what only measures it (``held_aside``): the real-hand sample styles write held-aside
digits into forms, so their figures come from writing the classifier never saw."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np

DATA = "digits-6000.npz"
#: The split is a permutation by this seed, the first HELD_ASIDE_PER_DIGIT of each digit
#: held aside. Changing either changes what every figure was measured on.
SPLIT_SEED = 20261206
HELD_ASIDE_PER_DIGIT = 120

Part = Literal["train", "held_aside"]


@dataclass(frozen=True)
class DigitBank:
    """Handwritten digits, white ink on black 28 × 28 (uint8), and their labels."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def of(self, digit: int) -> np.ndarray:
        """The images of one digit."""
        return self.images[self.labels == digit]


@cache
def digit_bank(part: Part) -> DigitBank:
    """The train or held-aside part of the real digits (cached)."""
    source = resources.files("intake.samples") / "data" / "handwriting" / DATA
    with source.open("rb") as handle, np.load(handle) as data:
        images, labels = data["images"], data["labels"].astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    held = np.zeros(len(labels), bool)
    for digit in range(10):
        mine = order[labels[order] == digit]
        held[mine[:HELD_ASIDE_PER_DIGIT]] = True
    keep = held if part == "held_aside" else ~held
    return DigitBank(images=images[keep].copy(), labels=labels[keep].copy())
