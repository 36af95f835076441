"""Glyphs the digit classifier learns from (``intake.training.glyph_data``) and the
split of the real digits (``intake.samples.handwriting``)."""

from __future__ import annotations

import random

import numpy as np

from intake.learned.digits import CLASSES
from intake.samples.handwriting import digit_bank
from intake.training.digits import split
from intake.training.glyph_data import glyph_set, real_digits, real_glyph, training_fonts


def _keys(images: np.ndarray) -> set[bytes]:
    return {image.tobytes() for image in images}


def test_the_held_aside_digits_are_never_among_those_trained_on() -> None:
    """GIVEN the real digits split into train and held aside, and the train part split
    again into fitting and calibration
    WHEN their images are compared
    THEN no held-aside digit is in either train part, and every digit has 120 aside."""
    train, held = digit_bank("train"), digit_bank("held_aside")
    fitted, calibration = split(train, 0.1, seed=1)
    assert not _keys(held.images) & _keys(train.images)
    assert len(fitted) + len(calibration) == len(train) == 4800
    assert np.bincount(held.labels).tolist() == [120] * 10


def test_a_real_digit_becomes_a_normalised_glyph_with_its_ink() -> None:
    """GIVEN a real digit
    WHEN it is put through the scan augmentation
    THEN it comes out 28 × 28 in [0, 1], its ink inside the 20 px box of MNIST."""
    bank = digit_bank("train")
    rng = random.Random(2)
    for image in bank.images[:20]:
        glyph = real_glyph(image, rng, bank)
        assert glyph is not None and glyph.shape == (28, 28)
        assert glyph.min() >= 0.0 and glyph.max() <= 1.0 and glyph.max() > 0.5


def test_a_glyph_set_has_every_class_from_both_sources() -> None:
    """GIVEN a few real digits and the fonts
    WHEN a small glyph set is made
    THEN every class is there, digits from real writing and fonts alike, and the same
    seed makes the same set."""
    real = digit_bank("train")
    few = type(real)(real.images[::40], real.labels[::40])
    x, y = glyph_set(real=few, real_per_digit=4, font_per_class=2, fonts=training_fonts(),
                     seed=3)
    again, _ = glyph_set(real=few, real_per_digit=4, font_per_class=2,
                         fonts=training_fonts(), seed=3)
    assert set(y.tolist()) == set(range(len(CLASSES)))
    assert x.shape[1:] == (28, 28) and np.array_equal(x, again)


def test_real_digits_are_made_afresh_for_another_seed_and_alike_for_the_same() -> None:
    """GIVEN a piece of one epoch's real digits (a digit, a start, a seed)
    WHEN it is made again with the same seed, and with the next epoch's seed
    THEN the same seed makes the same glyphs, all labelled with the digit, and another
    seed a new degradation of the same writing (other glyphs)."""
    bank = digit_bank("train")
    x, y = real_digits(bank, 7, 12, start=5, seed="1:0:7:5")
    again, _ = real_digits(bank, 7, 12, start=5, seed="1:0:7:5")
    other, _ = real_digits(bank, 7, 12, start=5, seed="1:1:7:5")
    assert len(y) >= 10 and set(y.tolist()) == {CLASSES.index("7")}
    assert np.array_equal(x, again)
    assert not _keys(x) & _keys(other)
