"""Tesseract's read of digits weighed with the classifier's (``intake.ocr.opinion``)."""

from __future__ import annotations

import pytest

from intake.ocr import opinion
from intake.reads import TextRead
from tests.ocr.lines import MODEL, line_of, zero_in_two_strokes


def _without_cuts(read: TextRead) -> TextRead:
    """The engine's part of a second opinion (its cuts are the lattice's, tested apart)."""
    return read.model_copy(update={"cuts": []})


def test_combine_keeps_tesseract_when_counts_disagree() -> None:
    """GIVEN a Tesseract read with three digits and classifier alternatives for two
    WHEN they are combined
    THEN Tesseract's read is returned unchanged."""
    read = TextRead(text="123", confidence=0.9, alternatives=[[("1", 0.9)]] * 3)
    alternatives = [[("7", 0.9)], [("2", 0.9)]]
    assert opinion.combine(read, alternatives) == read


def test_combine_lets_a_sure_classifier_overrule_a_torn_tesseract() -> None:
    """GIVEN Tesseract torn between 1 and 7 at one position and the classifier sure of 7
    WHEN they are combined
    THEN that position reads 7, the hyphen stays and alternatives align with the text."""
    read = TextRead(
        text="1-2",
        confidence=0.6,
        alternatives=[[("1", 0.55), ("7", 0.45)], [("-", 0.99)], [("2", 0.99)]],
    )
    combined = opinion.combine(read, [[("7", 0.95), ("1", 0.05)], [("2", 0.99)]])
    assert combined.text == "7-2"
    assert len(combined.alternatives) == 3
    assert combined.alternatives[1] == [("-", 0.99)]


def test_second_opinion_reads_the_digits_tesseract_lost() -> None:
    """GIVEN a hand-printed personnummer of which Tesseract kept only two groups
    WHEN the classifier cuts the line into twelve digits
    THEN the classifier's twelve digits are the read, with its alternatives."""
    line = line_of("198203182384")
    lost = TextRead(text="20 2384", confidence=0.4, alternatives=[])
    read = opinion.second_opinion(lost, line, MODEL, lengths=(10, 12))
    assert read.text == "198203182384"
    assert len(read.alternatives) == 12
    assert 0.0 < read.confidence <= 1.0


def test_second_opinion_keeps_a_read_with_a_plausible_count() -> None:
    """GIVEN Tesseract read ten digits (a short personnummer) of a line the classifier
    cuts differently
    WHEN the second opinion is asked
    THEN Tesseract's read stands: only a lost or invented digit count is replaced."""
    line = line_of("1982031823845")
    ten = TextRead(text="8203182384", confidence=0.9, alternatives=[])
    assert _without_cuts(opinion.second_opinion(ten, line, MODEL, lengths=(10, 12))) == ten


def test_second_opinion_reads_a_code_tesseract_saw_nothing_in() -> None:
    """GIVEN a one-digit code box where Tesseract read nothing
    WHEN the classifier sees one digit
    THEN that digit is the read."""
    empty = TextRead(text="", confidence=0.0, alternatives=[])
    read = opinion.second_opinion(empty, line_of("7"), MODEL, lengths=(1,), merge=False)
    assert read.text == "7"


def test_second_opinion_without_merge_never_changes_a_digit() -> None:
    """GIVEN a date Tesseract read with a digit the classifier sees differently
    WHEN the classifier may only confirm (no check digit to catch a wrong change)
    THEN Tesseract's read stands."""
    line = line_of("20251030")
    read = TextRead(text="20251036", confidence=0.9, alternatives=[])
    assert _without_cuts(opinion.second_opinion(read, line, MODEL, lengths=(8,), merge=False)) \
        == read


def test_second_opinion_with_slack_takes_a_count_one_off() -> None:
    """GIVEN Tesseract kept six digits of a personnummer line the classifier cuts into
    thirteen
    WHEN one digit of slack is allowed (the Luhn decoding guesses one digit)
    THEN the classifier's thirteen digits are the read; without slack Tesseract's."""
    line = line_of("1982031823845")
    lost = TextRead(text="20 2384", confidence=0.4, alternatives=[])
    read = opinion.second_opinion(lost, line, MODEL, lengths=(10, 12), slack=1)
    assert read.text == "1982031823845"
    assert _without_cuts(opinion.second_opinion(lost, line, MODEL, lengths=(10, 12))) == lost


def test_second_opinion_reads_the_personnummer_tesseract_lost_in_a_broken_zero() -> None:
    """GIVEN Tesseract lost half the digits of a line whose 0 came apart
    WHEN the classifier gives its second opinion
    THEN the personnummer is read whole."""
    lost = TextRead(text="1982 2384", confidence=0.3, alternatives=[])
    read = opinion.second_opinion(
        lost, zero_in_two_strokes("198203082384"), MODEL, lengths=(10, 12), slashes=False,
        slack=1,
    )
    assert read.text.replace(" ", "") == "198203082384"


def test_classifier_line_keeps_the_digits_tesseract_kept() -> None:
    """GIVEN Tesseract lost a digit of a personnummer but read its 4s, and the classifier
    cut all twelve but took the 4s for 9s
    WHEN the two readings are aligned and merged
    THEN each 4 Tesseract read stands, the lost 1 comes from the classifier, and the
    merged read is no surer than the two agree."""
    tesseract = TextRead(text="2000224 2384", confidence=0.7, alternatives=[])

    def unsure(digit: str, other: str) -> list[tuple[str, float]]:
        return [(digit, 0.8), (other, 0.15)]

    sure = [[(d, 0.99)] for d in "20001229"]
    sure[7] = unsure("9", "4")
    classifier = TextRead(
        text="20001229 2389",
        confidence=0.5,
        alternatives=[*sure, [("2", 0.99)], [("3", 0.99)], [("8", 0.99)], unsure("9", "4")],
    )
    merged = opinion.aligned_merge(tesseract, classifier)
    assert merged.text == "20001224 2384"
    assert merged.confidence < 0.9


def test_a_one_written_as_a_stroke_in_a_percent_is_not_dropped_as_a_separator() -> None:
    """GIVEN a percent "61" whose 1 is one slanted stroke, and Tesseract reading only "6"
    WHEN the classifier gives its second opinion as a percent field does (no slashes)
    THEN it does not confirm a lone 6: the read keeps Tesseract's low confidence."""
    lost = TextRead(text="6", confidence=0.36, alternatives=[[("6", 0.36)]])
    read = opinion.second_opinion(lost, line_of("6/"), MODEL, lengths=(1, 2, 3), slashes=False)
    assert not (read.text == "6" and read.confidence > 0.5)


def test_the_doubt_about_a_slash_survives_the_merge_with_tesseract() -> None:
    """GIVEN the classifier read "2025 10 /2" sure of every digit but only half sure the
    stroke before the 2 is a slash and not a 1
    WHEN it is merged with what Tesseract kept
    THEN the merged read stays about half sure, however sure its digits."""
    classifier = TextRead(
        text="2025 10 /2",
        confidence=0.5,
        alternatives=[[(c, 1.0)] if c == "/" else [(c, 0.99)] for c in "202510/2"],
    )
    tesseract = TextRead(text="2025-10-", confidence=0.3, alternatives=[])
    assert opinion.aligned_merge(tesseract, classifier).confidence < 0.6


def test_a_date_with_a_month_name_keeps_tesseracts_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a typed "8 maj 2024", which Tesseract read right (five digits, a month), and
    a classifier that takes "maj" for the digits 781
    WHEN the classifier gives its second opinion
    THEN the read stays "8 maj 2024": a line with a word is more than digits."""
    guess = TextRead(text="8 781 2024", confidence=0.9,
                     alternatives=[[(d, 0.99)] for d in "87812024"])
    monkeypatch.setattr(opinion, "line_of", lambda *args, **kwargs: guess)
    read = TextRead(text="8 maj 2024", confidence=0.95, alternatives=[])
    line = line_of("8 maj 2024", "DejaVuSans.ttf")
    second = opinion.second_opinion(read, line, MODEL, lengths=(6, 7, 8), merge=False)
    assert second.text == "8 maj 2024"


@pytest.mark.parametrize(("agreement", "raised"), [(False, False), (True, True)])
def test_agreement_raises_a_dates_confidence_only_where_it_is_trusted(
    monkeypatch: pytest.MonkeyPatch, agreement: bool, raised: bool
) -> None:
    """GIVEN Tesseract's "25/3 2026" at 0.83 and a classifier that reads the same digits
    surely (on a hand both took a 9 for a 3)
    WHEN a date (no check digit, agreement not trusted) gets the second opinion
    THEN the read keeps Tesseract's confidence; where agreement is trusted it rises."""
    agreeing = [[(d, 0.99)] for d in "2532026"]
    monkeypatch.setattr(opinion, "alternatives_of", lambda *args, **kwargs: agreeing)
    read = TextRead(text="25/3 2026", confidence=0.83, alternatives=[])
    second = opinion.second_opinion(read, line_of("25/3 2026"), MODEL, lengths=(6, 7, 8),
                                    merge=False,
                                    agreement=agreement)
    assert second.text == "25/3 2026"
    assert (second.confidence > 0.9) is raised
