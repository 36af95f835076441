"""Fitting how far a read of listed words is trusted (``intake.training.calibrate_listed``)."""

from __future__ import annotations

from intake.training.calibrate_listed import FLOOR, MIN_READS, fit_listed


def test_trust_begins_above_the_surest_wrong_listed_read() -> None:
    """GIVEN listed reads right from 0.5 to 0.99 and two wrong ones, at 0.68 and 0.42
    WHEN the trust is fitted
    THEN it begins just above 0.68, counts only the reads from there, and its share
    right stays below certainty."""
    right = [(0.5 + i * 0.01, True) for i in range(50)]
    fitted = fit_listed([*right, (0.68, False), (0.42, False)])
    assert fitted is not None
    assert 0.68 < fitted.above <= 0.69
    assert fitted.reads == sum(c >= fitted.above for c, _ in right)
    assert fitted.wrong == 2 and 0.9 < fitted.p_right < 1.0


def test_trust_never_begins_below_the_floor() -> None:
    """GIVEN listed reads all right, some far below what the engine calls sure
    WHEN the trust is fitted THEN it begins at the floor."""
    fitted = fit_listed([(0.1 + i * 0.01, True) for i in range(90)])
    assert fitted is not None and fitted.above == FLOOR


def test_too_few_reads_give_no_trust() -> None:
    """GIVEN fewer listed reads above the surest wrong one than a fit needs
    WHEN the trust is fitted THEN there is none."""
    few = [(0.95, True)] * (MIN_READS - 1) + [(0.9, False)]
    assert fit_listed(few) is None


def test_the_shipped_calibration_never_trusts_a_name_for_being_listed() -> None:
    """GIVEN the shipped text calibration WHEN a name's kind is looked at THEN it has no
    ``listed``: a name misread by a letter is often another listed name ('Lindberg' read
    'Lundberg'), so being listed says nothing of a name read right; organisations keep
    theirs."""
    from intake.learned.text import load_text_calibration
    from intake.training.calibrate_listed import NEVER_LISTED

    kinds = load_text_calibration().kinds
    assert "name" in NEVER_LISTED
    assert kinds["name"].listed is None
    assert kinds["organisation"].listed is not None


def test_a_clear_naming_is_trusted_from_above_the_widest_margin_of_a_wrong_read() -> None:
    """GIVEN reads the list named clearly, right at margins 2 to 9.75 and one wrong at 3.1
    WHEN the trust in a clear naming is fitted
    THEN it begins at the first margin tried above 3.1 and counts the reads from there."""
    from intake.training.calibrate_listed import NAMED_MARGINS, fit_named

    reads = [(2.0 + 0.25 * i, True) for i in range(32)] + [(3.1, False)]

    def outcomes_from(margin: float) -> list[bool]:
        return [right for m, right in reads if m >= margin]

    fitted = fit_named(outcomes_from)
    assert fitted is not None
    assert fitted.margin == min(m for m in NAMED_MARGINS if m > 3.1)
    assert fitted.reads == sum(m >= fitted.margin for m, _ in reads)
    assert fitted.wrong == 1 and 0.9 < fitted.p_right < 1.0


def test_the_shipped_calibration_never_lifts_a_name_for_a_clear_naming() -> None:
    """GIVEN the shipped text calibration WHEN a name's kind is looked at THEN it has no
    ``named``: a name near one listed name may be an unlisted one ('Rahimi' read
    'Kaniri' is 'Karimi' to the list)."""
    from intake.learned.text import load_text_calibration

    assert load_text_calibration().kinds["name"].named is None
