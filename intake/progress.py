"""Progress of long work (tqdm, wrapped here once): a bar with the rate and the time
left on standard error when that is a terminal; nothing at all when it is not, so that
piped and logged output stays exactly what it was.

    with progress("Läser", total=pages, unit="sida") as bar:
        for page in pages:
            ...
            bar.advance()
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

#: How the bar looks: what, share, bar, done/total, time spent<time left, rate.
BAR_FORMAT = ("{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}"
              " [{elapsed}<{remaining}, {rate_fmt}]")
#: Without a known total there is no time left to show.
COUNT_FORMAT = "{desc}: {n_fmt} [{elapsed}, {rate_fmt}]"
#: Columns and rows of a terminal that does not tell its size.
FALLBACK_SIZE = (80, 24)


def on_terminal() -> bool:
    """True when standard error is a terminal (a person watching)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


class Progress:
    """One bar; every method does nothing when standard error is not a terminal."""

    def __init__(self, bar: tqdm | None) -> None:
        self._bar = bar

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def add_total(self, steps: int) -> None:
        """More work than announced (found while working)."""
        if self._bar is not None:
            self._bar.total = (self._bar.total or 0) + steps
            self._bar.refresh()


def say(line: str) -> None:
    """A line for a person on standard error: above the bars on a terminal."""
    if on_terminal():
        tqdm.write(line, file=sys.stderr)
    else:
        print(line, file=sys.stderr)


@contextmanager
def progress(description: str, *, total: int | None = None, unit: str = "sida",
             leave: bool = True) -> Iterator[Progress]:
    """A bar for ``total`` steps of ``unit`` (None: unknown, then only the count and
    rate) on a terminal; a silent stand-in otherwise."""
    if not on_terminal():
        yield Progress(None)
        return
    size = _unsized_terminal()
    bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=leave,
               ncols=size and size[0], nrows=size and size[1], dynamic_ncols=size is None,
               mininterval=0.2,
               bar_format=BAR_FORMAT if total is not None else COUNT_FORMAT)
    try:
        yield Progress(bar)
        bar.refresh()  # the last count is drawn, however fast it came
    finally:
        bar.close()


def _unsized_terminal() -> tuple[int, int] | None:
    """None to follow the terminal's size; a size when it reports none (a terminal
    made by a program and never sized: tqdm would draw nothing in 0 rows)."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return FALLBACK_SIZE
    return None if size.columns > 0 and size.lines > 0 else FALLBACK_SIZE


def tracked(items: Iterable[T], description: str, *, total: int | None = None,
            unit: str = "sida", leave: bool = True) -> Iterator[T]:
    """``items``, one step of a bar each (see :func:`progress`)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(description, total=total, unit=unit, leave=leave) as bar:
        for item in items:
            yield item
            bar.advance()
