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
#: Where a sample style's real digits come from: the held-aside part (figures), or the
#: train part's calibration share (what field-level review thresholds are fitted on;
#: the classifier never learns from it, and no figure is measured on it).
WrittenPart = Literal["held_aside", "calibration"]
#: Share of the train part's digits (of each digit) kept apart from fitting the digit
#: classifier, to calibrate it and the field decisions; split by the model's seed.
CALIBRATION_SHARE = 0.1
#: The seed the shipped digit model was trained with (``sus-intake train digits``).
SHIPPED_MODEL_SEED = 1


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


def split(bank: DigitBank, share: float, seed: int) -> tuple[DigitBank, DigitBank]:
    """``bank`` in two by ``seed``: ``1 - share`` of each digit, and ``share``."""
    order = np.random.default_rng(seed).permutation(len(bank))
    apart = np.zeros(len(bank), bool)
    for digit in range(10):
        mine = order[bank.labels[order] == digit]
        apart[mine[: round(share * len(mine))]] = True
    return (DigitBank(bank.images[~apart], bank.labels[~apart]),
            DigitBank(bank.images[apart], bank.labels[apart]))


@cache
def written_bank(part: WrittenPart) -> DigitBank:
    """The real digits a sample style writes: the held-aside part, or the calibration
    share of the train part as the shipped model's seed splits it (cached)."""
    if part == "held_aside":
        return digit_bank("held_aside")
    return split(digit_bank("train"), CALIBRATION_SHARE, SHIPPED_MODEL_SEED)[1]
