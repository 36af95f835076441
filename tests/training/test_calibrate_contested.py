"""Fitting from how contested a digit field's glyph sends it to a person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.learned.review import load_review_lines
from intake.training.calibrate_contested import (
    MARGIN,
    Contested,
    contest_readings,
    contested_right,
    figures,
    fit_contest,
)
from intake.training.calibrate_review import keep_contest


def _readings(right: list[float], wrong: list[float],
              held: tuple[float, ...] = ()) -> list[Contested]:
    return ([Contested("date", c, 0.9, True, False) for c in right]
            + [Contested("code", c, 0.9, False, False) for c in wrong]
            + [Contested("percent", c, 0.9, False, True) for c in held])


def test_the_contest_line_is_below_the_least_contested_misreading_a_person_would_not_see(
) -> None:
    """GIVEN calibration fields: right ones contested 0-0.4, wrong ones at 0.26 and
    0.6, and a wrong one at 0.02 already held for review
    WHEN the contest line is fitted with no silent error allowed
    THEN it is 0.26 less the margin: both misreadings are flagged, the held one does not
    count, and the share right past the line is their ceiling."""
    readings = _readings([0.0, 0.01, 0.05, 0.3, 0.4], [0.26, 0.6], held=(0.02,))
    line = fit_contest(readings, budget=0.0)
    assert line == pytest.approx(0.26 - MARGIN)
    assert figures(readings, line)["silent"] == 0.0
    assert figures(readings, None)["silent"] == pytest.approx(2 / 8)
    assert contested_right(readings, line) == pytest.approx((2 + 1) / (4 + 2))


def test_the_contest_line_is_fitted_on_the_real_styles_only_when_asked() -> None:
    """GIVEN cached pages of a held-aside style (hand-real300), and of a typed one
    WHEN the contest line is to be fitted on them
    THEN the tool refuses the real one unless asked (--with-real), the typed one always."""
    real = [{"style": "hand-real300", "scan": "/x/hand-real300/a.png", "reads": None}]
    with pytest.raises(SystemExit, match="not a calibration style"):
        contest_readings(real)
    assert contest_readings(real, with_real=True) == []
    typed = [{"style": "typed-office300", "scan": "/x/typed-office300/a.pdf", "reads": None}]
    with pytest.raises(SystemExit, match="not a calibration style"):
        contest_readings(typed, with_real=True)


def test_refitting_the_digit_lines_keeps_the_contest_line(tmp_path: Path) -> None:
    """GIVEN review lines holding a contest line
    WHEN the digit types' lines are fitted again
    THEN the contest line stays, and is read back with its ceiling."""
    path = tmp_path / "review_lines.json"
    path.write_text(json.dumps({"lines": {"date": 0.5},
                                "contested": {"line": 0.15, "right": 0.62}}))
    fitted = keep_contest({"lines": {"date": 0.6}, "reliability": {}}, path)
    path.write_text(json.dumps(fitted))
    lines = load_review_lines(path)
    assert lines.lines == {"date": 0.6}
    assert (lines.contested, lines.contested_right) == (0.15, 0.62)
