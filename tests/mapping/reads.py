"""What the mapping tests share: a read as an engine would report it, and the context
interpreting knows (the shipped calibration, today fixed)."""

from __future__ import annotations

from datetime import date

from intake.mapping.base import Context
from intake.reads import TextRead
from intake.samples.vocab import words

TODAY = date(2026, 11, 20)
CONTEXT = Context.shipped(TODAY)
PNR = "198112189876"  # Luhn-valid, born 1981
TEST_NUMBERS = tuple(n for n in words("test_personnummer") if 1950 <= int(n[:4]) <= 2006)

Alternatives = dict[int, list[tuple[str, float]]]


def read_of(
    text: str, *, confidence: float = 0.95, alternatives: Alternatives | None = None
) -> TextRead:
    """A read of ``text``; with ``alternatives`` (by index of the visible characters),
    every other visible character is listed alone at 0.97."""
    if alternatives is None:
        return TextRead(text=text, confidence=confidence)
    visible = [c for c in text if not c.isspace()]
    listed = [alternatives.get(i, [(c, 0.97)]) for i, c in enumerate(visible)]
    return TextRead(text=text, confidence=confidence, alternatives=listed)
