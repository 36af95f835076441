"""This installation's glyphs confirmed by reviewers: training data for the digit
classifier (``sus-intake train digits --with-corrections``).

Each glyph is a single 28 × 28 image (uint8, white ink on black, as
``intake.ocr.glyphs.normalise`` leaves it) with its class index in ``CLASSES``;
nothing else is kept — no document, field, page or position. Glyphs go into shards
(``<directory>/<day the shard was started>-<n>.npz``, arrays ``images`` and
``labels`` only) of at most ``SHARD_GLYPHS``; every addition shuffles the whole shard,
so that the order of its glyphs tells nothing of the number they came from. A shard
records only its glyphs' count (its length) and the day it was started (its name).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np

from intake.learned.digits import CLASSES

#: A shard is rewritten at every addition: small enough to rewrite in a few ms.
SHARD_GLYPHS = 2000
GLYPH_PX = 28
LOCK = ".lock"


def add_glyphs(directory: Path, images: np.ndarray, labels: np.ndarray, *,
               today: date) -> None:
    """Add glyphs (N × 28 × 28 uint8) and their class indices to the newest shard with
    room (or a new one), shuffled with what it held. Safe between processes."""
    images, labels = _checked(images, labels)
    if not len(labels):
        return
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        shard = _shard_with_room(directory, today)
        if shard.exists():
            held_images, held_labels = _read(shard)
            images = np.concatenate([held_images, images])
            labels = np.concatenate([held_labels, labels])
        order = np.random.default_rng().permutation(len(labels))
        _write(shard, images[order], labels[order])


def load_corrections(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every glyph kept in ``directory`` (N × 28 × 28 uint8) and its class index
    (int64); none when there is no such directory."""
    shards = sorted(directory.glob("*.npz")) if directory.is_dir() else []
    parts = [_read(shard) for shard in shards]
    if not parts:
        return np.zeros((0, GLYPH_PX, GLYPH_PX), np.uint8), np.zeros(0, np.int64)
    return (np.concatenate([images for images, _ in parts]),
            np.concatenate([labels for _, labels in parts]).astype(np.int64))


def _checked(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.dtype != np.uint8 or images.shape[1:] != (GLYPH_PX, GLYPH_PX):
        raise ValueError(f"glyphs must be N × {GLYPH_PX} × {GLYPH_PX} uint8")
    if len(images) != len(labels) or (len(labels) and not 0 <= labels.min() <= labels.max()
                                      < len(CLASSES)):
        raise ValueError("one class index in CLASSES per glyph")
    return images, labels.astype(np.uint8)


def _shard_with_room(directory: Path, today: date) -> Path:
    shards = sorted(directory.glob("*.npz"))
    if shards and len(_read(shards[-1])[1]) < SHARD_GLYPHS:
        return shards[-1]
    number = 1 + sum(1 for shard in shards if shard.name.startswith(today.isoformat()))
    return directory / f"{today.isoformat()}-{number:04d}.npz"


def _read(shard: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(shard) as data:
        return data["images"], data["labels"]


def _write(shard: Path, images: np.ndarray, labels: np.ndarray) -> None:
    temp = shard.with_name(f".{shard.stem}.{os.getpid()}.part")  # no .npz: never read
    with temp.open("wb") as handle:
        np.savez_compressed(handle, images=images, labels=labels)
    temp.replace(shard)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with (directory / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
