"""Whether two writings of a person are the same: names folded, first names kept."""

from __future__ import annotations

import pytest

from intake.review.names import Likeness, digit_distance, fold, likeness, names_match


def test_fold_drops_case_accents_and_hyphens() -> None:
    """GIVEN a name with accents and a hyphen WHEN folded THEN plain lower-case words."""
    assert fold("Åsa  Öberg-Test") == "asa oberg test"


@pytest.mark.parametrize(("read", "known", "expected"), [
    ("Asa Oberg-Test", "Åsa Öberg-Test", Likeness.SAME),
    ("Öberg-Test, Åsa", "Åsa Öberg-Test", Likeness.SAME),
    ("Åsa Öberg-Tesk", "Åsa Öberg-Test", Likeness.CLOSE),
    ("Åsa Öberg-Test", "Per Öberg-Test", Likeness.DIFFERENT),
    ("Åsa Lind", "Åsa Öberg-Test", Likeness.DIFFERENT),
    ("", "Åsa Öberg-Test", Likeness.DIFFERENT),
])
def test_likeness_of_names(read: str, known: str, expected: Likeness) -> None:
    """GIVEN two writings of a name WHEN compared THEN same, close or different."""
    assert likeness(read, known) is expected


def test_a_well_read_first_name_is_not_taken_for_another() -> None:
    """GIVEN 'Anna Lind' read and 'Anne Lind' known WHEN the read was sure THEN no
    match (Anna is Anna); when it was unsure, a misread a/e may be the same person."""
    assert not names_match("Anna Lind", "Anne Lind", well_read=True)
    assert names_match("Anna Lind", "Anne Lind", well_read=False)
    assert not names_match("Åsa Öberg-Test", "Per Öberg-Test", well_read=False)


def test_digit_distance_counts_differing_digits_of_twelve() -> None:
    """GIVEN personnummer WHEN compared THEN the number of differing digits, or None
    when either is not twelve digits."""
    assert digit_distance("198001022386", "198001022386") == 0
    assert digit_distance("198001022396", "198001022386") == 1
    assert digit_distance("8001022386", "198001022386") is None
    assert digit_distance(None, "198001022386") is None
