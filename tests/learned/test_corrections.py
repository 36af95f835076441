"""The installation's reviewed glyphs (``intake.learned.corrections``): shards of
single labelled images, shuffled, named by the day they were started."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from intake.learned import corrections
from intake.learned.corrections import add_glyphs, load_corrections

DAY = date(2026, 11, 25)


def _glyphs(labels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Glyphs whose every pixel is their own number, so that they can be followed."""
    images = np.stack([np.full((28, 28), i, np.uint8) for i in range(len(labels))])
    return images, np.array(labels)


def test_glyphs_are_kept_shuffled_with_their_labels_and_nothing_else(tmp_path: Path) -> None:
    """GIVEN twelve glyphs in the order they were written
    WHEN they are added THEN one shard named by the day holds only images and labels,
    each glyph still with its label, in another order."""
    images, labels = _glyphs([1, 9, 9, 3, 1, 1, 1, 6, 2, 3, 8, 3])
    add_glyphs(tmp_path, images, labels, today=DAY)
    assert [p.name for p in tmp_path.glob("*.npz")] == ["2026-11-25-0001.npz"]
    with np.load(tmp_path / "2026-11-25-0001.npz") as shard:
        assert sorted(shard.files) == ["images", "labels"]
    kept_images, kept_labels = load_corrections(tmp_path)
    which = kept_images[:, 0, 0]
    assert sorted(which.tolist()) == list(range(12))
    assert (kept_labels == labels[which]).all()
    assert which.tolist() != list(range(12))


def test_a_full_shard_is_followed_by_a_new_one(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN shards of at most 5 glyphs WHEN 4, 4 and 3 glyphs are added on two days
    THEN the second addition joins the first shard, the third starts one named by its
    day; all 11 load."""
    monkeypatch.setattr(corrections, "SHARD_GLYPHS", 5)
    add_glyphs(tmp_path, *_glyphs([1, 2, 3, 4]), today=DAY)
    add_glyphs(tmp_path, *_glyphs([5, 6, 7, 8]), today=DAY)
    add_glyphs(tmp_path, *_glyphs([0, 10, 11]), today=date(2026, 11, 26))
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == [
        "2026-11-25-0001.npz", "2026-11-26-0001.npz"]
    assert sorted(load_corrections(tmp_path)[1].tolist()) == [0, *range(1, 9), 10, 11]


def test_no_directory_is_no_glyphs_and_bad_glyphs_are_refused(tmp_path: Path) -> None:
    """GIVEN no corrections yet WHEN loaded THEN none; WHEN float images or a class
    outside CLASSES are added THEN ValueError and nothing is written."""
    images, labels = load_corrections(tmp_path / "none")
    assert images.shape == (0, 28, 28) and labels.shape == (0,)
    with pytest.raises(ValueError):
        add_glyphs(tmp_path, np.zeros((1, 28, 28), np.float32), np.array([1]), today=DAY)
    with pytest.raises(ValueError):
        add_glyphs(tmp_path, np.zeros((1, 28, 28), np.uint8), np.array([12]), today=DAY)
    assert list(tmp_path.glob("*.npz")) == []
