"""Training the digit classifier (``intake.training.digits``): the real digits each
epoch learns from."""

from __future__ import annotations

from multiprocessing import Pool

import numpy as np
import pytest

from intake.samples.handwriting import digit_bank
from intake.training import digits
from intake.training.digits import FreshRealDigits


def _epochs(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    bank = digit_bank("train")
    few = type(bank)(bank.images[::50], bank.labels[::50])
    with Pool(1) as pool:
        fresh = FreshRealDigits(few, 6, seed=4, epochs=count, pool=pool, refresh_every=3)
        return [fresh(epoch) for epoch in range(count)]


def test_each_epoch_remakes_some_real_digits_and_keeps_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN real digits made in pieces of 2 glyphs, one piece in 3 remade an epoch
    WHEN three epochs ask for theirs, twice from the same seed
    THEN every epoch has its 6 glyphs a digit (but a speck the scan made of one); the
    second keeps about two thirds of the first's and has the rest new; and the same seed
    makes the same epochs."""
    monkeypatch.setattr(digits, "PIECE", 2)
    first, again = _epochs(3), _epochs(3)
    for (x, y), (x2, y2) in zip(first, again, strict=True):
        assert 5 <= np.bincount(y, minlength=10)[:10].min() <= 6
        assert np.array_equal(x, x2) and np.array_equal(y, y2)
    kept = {g.tobytes() for g in first[0][0]} & {g.tobytes() for g in first[1][0]}
    assert 36 <= len(kept) <= 40 and len(first[1][0]) - len(kept) >= 16
