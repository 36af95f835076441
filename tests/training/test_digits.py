"""Training the digit classifier (``intake.training.digits``): the real digits each
epoch learns from."""

from __future__ import annotations

from multiprocessing import Pool
from pathlib import Path

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


def test_three_convolutions_are_refused_before_any_training(tmp_path: Path) -> None:
    """GIVEN --conv-widths naming three convolutions (2 x 2 pooling cannot halve 28
    pixels three times) WHEN training is asked for
    THEN it is a usage error, nothing is trained and no model is written."""
    out = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as stopped:
        digits.main(["train", "--conv-widths", "8,8,8", "--out", str(out)])
    assert stopped.value.code == 2 and not out.exists()
    with pytest.raises(SystemExit):
        digits.main(["train", "--dense-widths", "0", "--out", str(out)])
    assert not out.exists()
