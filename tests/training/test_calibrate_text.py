"""Fitting where review of free text begins (the text line) on calibration forms."""

from __future__ import annotations

import pytest

from intake.training.calibrate_review import Reading
from intake.training.calibrate_text import (
    TEXT_BUDGET,
    TEXT_MARGIN,
    fit_text_line,
    text_readings,
)


def _text(right: list[float], wrong: list[float]) -> list[Reading]:
    return ([Reading("text", c, True, False) for c in right]
            + [Reading("text", c, False, False) for c in wrong])


def test_the_text_line_keeps_typed_and_hand_forms_each_within_their_budget() -> None:
    """GIVEN calibration fields of one kind of free text: 500 typed with one misread at
    0.80 (0.2 %), 1000 hand with misreads at 0.50, 0.60 and 0.955 (0.3 %: within the
    hand budget)
    WHEN the text line is fitted
    THEN it is the typed forms' (their misread is over 0.1 %: the line goes just above
    0.80), not the hand forms' (their misreads may all go through, as 0.3 % allows);
    a fill with too few fields sets no line."""
    assert TEXT_BUDGET == {"typed": 0.001, "hand": 0.003}
    typed = _text([0.99] * 499, [0.80])
    hand = _text([0.97] * 997, [0.50, 0.60, 0.955])
    assert fit_text_line({"typed": typed, "hand": hand}) == pytest.approx(0.81 + TEXT_MARGIN)
    assert fit_text_line({"typed": [], "hand": hand}) == pytest.approx(0.30 + TEXT_MARGIN)
    assert fit_text_line({"typed": typed[:10]}) is None  # too few to say


def test_the_text_line_is_never_fitted_on_held_out_forms() -> None:
    """GIVEN cached pages of a held-out style (hand-real300), whose figures measure
    reading
    WHEN the text line is to be fitted on them
    THEN the tool refuses."""
    row = {"style": "hand-real300", "scan": "/nowhere/a.png", "source": "a.png", "page": 1,
           "today": "2026-11-20", "form": "9448", "reads": {"exact": False}}
    with pytest.raises(SystemExit, match="not a calibration style"):
        text_readings([row])
