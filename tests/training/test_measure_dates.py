"""Listing and counting the dates of the calibration forms (``intake.training.measure_dates``)."""

from __future__ import annotations

from intake.evaluate import Report
from intake.mapping.base import FieldValue
from intake.reads import TextRead
from intake.training.measure_dates import DateCase, cut_text, describe, figures
from tests.mapping.reads import cut_of


def _case(truth: str, got: str | None, *, reviewed: bool) -> DateCase:
    read = TextRead(text="8/8 2026", confidence=0.5, cuts=[cut_of("8/8 2026")])
    return DateCase("hand-calib300", "hand-calib300-001-fk9448.png", "startdatum", truth,
                    FieldValue(value=got, confidence=0.9), reviewed, read)


def test_a_wrong_date_no_one_reviews_is_counted_silent() -> None:
    """GIVEN three dates of one style: right, wrong and reviewed, wrong and passed
    WHEN the figures are counted
    THEN a third is exact, a third reviewed, a third a silent error."""
    cases = [_case("2026-08-08", "2026-08-08", reviewed=False),
             _case("2026-08-08", "2026-08-03", reviewed=True),
             _case("2026-08-08", "2026-08-09", reviewed=False)]
    scores = figures(cases, Report())["hand-calib300"]
    assert (scores["exact"], scores["review"], scores["silent"]) == (1 / 3, 1 / 3, 1 / 3)


def test_a_listed_date_shows_what_each_reader_saw() -> None:
    """GIVEN a wrong date that passed unreviewed
    WHEN it is listed
    THEN the line names it silent, with the truth, the value, the engine's read and
    the classifier's likeliest cut."""
    line = describe(_case("2026-08-08", "2026-08-09", reviewed=False))
    assert line.startswith("BAD SILENT")
    assert "truth 2026-08-08 got 2026-08-09" in line and "'8/8 2026'" in line
    assert cut_text(cut_of("8/8 2026")) in line
