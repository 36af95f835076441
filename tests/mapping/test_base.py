"""What the interpreters share: strings by probability."""

from __future__ import annotations

import pytest

from intake.learned import Priors
from intake.mapping.base import kbest_strings, vote
from intake.reads import TextRead


def test_kbest_strings_come_best_first() -> None:
    """GIVEN two uncertain positions
    WHEN the best strings are listed
    THEN they come in order of probability."""
    found = list(kbest_strings([{"1": 0.6, "7": 0.4}, {"3": 0.9, "8": 0.1}], limit=4))
    assert [text for text, _ in found] == ["13", "73", "18", "78"]
    assert [p for _, p in found] == sorted((p for _, p in found), reverse=True)


def test_a_vote_says_how_close_one_character_came_to_another_valid_value() -> None:
    """GIVEN a day "21" whose 2 the engine gave 0.6 and a 3 0.4 (day 31, as valid), and
    a day "29" whose 2 has a 4 beside it (day 49, no day)
    WHEN each is voted on as a day of the month
    THEN the first is contested at 0.4 / 0.6, the second not at all."""
    def day(text: str) -> int | None:
        return int(text) if text.isdigit() and 1 <= int(text) <= 31 else None

    def read(text: str, runner_up: str) -> TextRead:
        return TextRead(text=text, confidence=0.9,
                        alternatives=[[(text[0], 0.6), (runner_up, 0.4)], [(text[1], 1.0)]])

    contested = vote(read("21", "3"), day, Priors())
    assert contested is not None and contested.value == 21
    assert contested.contested == pytest.approx(0.4 / 0.6, rel=0.02)
    clear = vote(read("29", "4"), day, Priors())
    assert clear is not None and clear.value == 29 and clear.contested == 0.0
