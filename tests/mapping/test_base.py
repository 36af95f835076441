"""What the interpreters share: strings by probability."""

from __future__ import annotations

from intake.mapping.base import kbest_strings


def test_kbest_strings_come_best_first() -> None:
    """GIVEN two uncertain positions
    WHEN the best strings are listed
    THEN they come in order of probability."""
    found = list(kbest_strings([{"1": 0.6, "7": 0.4}, {"3": 0.9, "8": 0.1}], limit=4))
    assert [text for text, _ in found] == ["13", "73", "18", "78"]
    assert [p for _, p in found] == sorted((p for _, p in found), reverse=True)
