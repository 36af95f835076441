"""What the mapping tests share: a read as an engine would report it, and the context
interpreting knows (the shipped calibration, today fixed)."""

from __future__ import annotations

from datetime import date

from intake.learned.digits import CLASSES
from intake.mapping.base import Context
from intake.reads import Cut, TextRead
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


def cut_of(
    text: str, *, sure: float = 0.97, doubts: dict[int, dict[str, float]] | None = None,
    log_weight: float = 0.0,
) -> Cut:
    """The digit classifier's cut of a line reading ``text`` (digits and ``/``; a space
    is a gap before the next glyph): each glyph ``sure`` of its character, the rest of
    its probability spread over the other classes, or as ``doubts`` (by glyph index)
    give it."""
    doubts = doubts or {}
    glyphs: list[list[float]] = []
    gaps: list[bool] = []
    gap = False
    for char in text:
        if char == " ":
            gap = True
            continue
        wanted = doubts.get(len(glyphs), {char: sure})
        rest = (1.0 - sum(wanted.values())) / (len(CLASSES) - len(wanted))
        glyphs.append([wanted.get(c, rest) for c in CLASSES])
        gaps.append(gap)
        gap = False
    return Cut(glyphs=glyphs, gaps=gaps, log_weight=log_weight)
