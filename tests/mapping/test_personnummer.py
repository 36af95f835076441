"""A read personnummer decoded to the most probable one that can exist."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.mapping.base import FieldValue
from intake.mapping.personnummer import (
    PNR_CORRECTED,
    PNR_READERS_DISAGREE,
    PNR_TEN_DIGITS,
    PNR_UNSURE,
    interpret_personnummer,
)
from intake.reads import TextRead
from intake.samples.vocab import words
from intake.settings import REVIEW_BELOW
from intake.sus import personnummer as pn
from tests.mapping.reads import (
    CONTEXT,
    PNR,
    TEST_NUMBERS,
    TODAY,
    Alternatives,
    cut_of,
    read_of,
)


def pnr_of(
    text: str, *, confidence: float = 0.95, alternatives: Alternatives | None = None
) -> FieldValue:
    read = read_of(text, confidence=confidence, alternatives=alternatives)
    return interpret_personnummer(read, CONTEXT)


@pytest.mark.parametrize("written", ["19811218-9876", "198112189876", "19811218 9876"])
def test_well_read_personnummer_is_kept_with_high_confidence(written: str) -> None:
    """GIVEN a valid number read cleanly in any written style
    WHEN it is interpreted
    THEN the 12 digits come back above the review line, without a problem."""
    value = interpret_personnummer(read_of(written), CONTEXT)
    assert (value.value, value.problem) == (PNR, None)
    assert value.confidence >= REVIEW_BELOW


def test_digitally_filled_personnummer_has_full_confidence() -> None:
    """GIVEN a number from a digitally filled PDF (confidence 1.0)
    WHEN it is interpreted
    THEN it is taken with confidence 1.0."""
    value = interpret_personnummer(read_of("19811218-9876", confidence=1.0), CONTEXT)
    assert (value.value, value.confidence) == (PNR, 1.0)


def test_misread_digit_with_true_digit_among_alternatives_is_corrected_for_review() -> None:
    """GIVEN the last digit 6 read as 1, with 6 listed as the engine's second choice
    WHEN it is interpreted
    THEN the number is corrected to the valid one, but a changed digit goes to review."""
    value = pnr_of("19811218-9871", alternatives={12: [("1", 0.7), ("6", 0.3)]})
    assert value.value == PNR
    assert value.problem == PNR_CORRECTED
    assert 0.5 < value.confidence < REVIEW_BELOW


def test_correction_confidence_falls_with_a_thinner_margin() -> None:
    """GIVEN the same misread with the true digit listed at 30 %, 5 % and 1 %
    WHEN each is interpreted
    THEN each is corrected, with a confidence that falls as the true digit gets less likely."""
    confidences = []
    for p_true in (0.3, 0.05, 0.01):
        alternatives = {12: [("1", 1 - p_true), ("6", p_true)]}
        value = pnr_of("19811218-9871", alternatives=alternatives)
        assert value.value == PNR
        confidences.append(value.confidence)
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[0] - confidences[-1] > 0.1


def test_misread_digit_with_two_equally_good_fixes_is_not_trusted() -> None:
    """GIVEN a number failing Luhn where the engine lists a fixing digit at two positions
    WHEN it is interpreted
    THEN whichever is chosen, the confidence is low."""
    other = next(d for d in "0123456789" if pn.luhn_digit(f"81121898{d}") == 1)
    alternatives = {11: [("7", 0.6), (other, 0.4)], 12: [("1", 0.6), ("6", 0.4)]}
    value = pnr_of("19811218-9871", alternatives=alternatives)
    assert value.value in (PNR, f"1981121898{other}1")
    assert value.confidence < 0.6


@pytest.mark.parametrize(
    ("written", "alternatives"),
    [
        ("18811218-9876", {1: [("8", 0.7), ("9", 0.3)]}),
        ("29811218-9876", {0: [("2", 0.8), ("1", 0.2)]}),
        ("18811218-9876", None),
        ("29811218-9876", None),
        ("10811218-9876", None),
    ],
)
def test_century_misread_is_corrected_to_19_or_flagged(
    written: str, alternatives: Alternatives | None
) -> None:
    """GIVEN "1981" read as 1881, 2981 or 1081 (Luhn does not cover the century)
    WHEN it is interpreted
    THEN the value is 1981…, or it is below the review line: never confidently wrong."""
    value = pnr_of(written, alternatives=alternatives)
    assert value.value == PNR or value.confidence < REVIEW_BELOW


def test_century_misread_listed_by_the_engine_is_corrected_confidently() -> None:
    """GIVEN "1981" read as "1881" with 9 as the engine's second choice
    WHEN it is interpreted
    THEN the age (15–100 years) settles the century and the value is confident."""
    value = pnr_of("18811218-9876", alternatives={1: [("8", 0.7), ("9", 0.3)]})
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW


def test_implausible_century_without_any_fix_is_shown_as_read_and_flagged() -> None:
    """GIVEN a number read cleanly (confidence 1.0) with the century 18
    WHEN it is interpreted
    THEN it is shown as read, below the review line, saying the age is not plausible."""
    value = pnr_of("18811218-9876", confidence=1.0)
    assert value.value == "188112189876"
    assert value.confidence < REVIEW_BELOW
    assert value.problem is not None and "Åldern" in value.problem


def test_impossible_read_shows_the_likeliest_possible_number_for_review() -> None:
    """GIVEN "1981…" read as "1381…" with three digits wrong, each fix only the engine's
    far second choice
    WHEN it is interpreted
    THEN the number that can exist is shown (not one that cannot), below the review line."""
    value = pnr_of(
        "13811218-3870",
        alternatives={
            1: [("3", 0.97), ("9", 0.03)], 9: [("3", 0.97), ("9", 0.03)],
            12: [("0", 0.97), ("6", 0.03)],
        },
    )
    assert value.value == PNR
    assert value.confidence < REVIEW_BELOW
    assert value.problem == PNR_CORRECTED


@pytest.mark.parametrize("confidence", [1.0, 0.95, 0.8])
def test_wrong_check_digit_without_alternatives_stays_as_written(confidence: float) -> None:
    """GIVEN a number written with a wrong check digit, read without alternatives
    WHEN it is interpreted
    THEN the digits as written come back with low confidence and the problem."""
    value = pnr_of("19811218-9875", confidence=confidence)
    assert value.value == "198112189875"
    assert value.confidence <= 0.5
    assert value.problem == pn.WRONG_CHECK_DIGIT


BORN_2000S = next(n for n in TEST_NUMBERS if n.startswith("200"))


@pytest.mark.parametrize("number", [PNR, BORN_2000S])
@pytest.mark.parametrize("hyphen", [True, False])
def test_ten_digit_number_is_expanded_by_the_age(number: str, hyphen: bool) -> None:
    """GIVEN a number written without the century (born 1981 or in the 2000s), read
    surely; and the same read unsurely
    WHEN it is interpreted
    THEN the century comes from a plausible age (only one century gives one), and the
    sure read is not flagged for it; the unsure one is flagged as a ten-digit number
    hard to read."""
    written = f"{number[2:8]}-{number[8:]}" if hyphen else number[2:]
    value = pnr_of(written)
    assert (value.value, value.problem) == (number, None)
    assert value.confidence >= REVIEW_BELOW
    unsure = interpret_personnummer(TextRead(text=written, confidence=0.3), CONTEXT)
    assert (unsure.value, unsure.problem) == (number, PNR_TEN_DIGITS)


def test_samordningsnummer_is_accepted() -> None:
    """GIVEN a samordningsnummer (day + 60) read cleanly
    WHEN it is interpreted
    THEN it is kept as read with high confidence."""
    number = next(n for n in words("test_samordningsnummer") if 1950 <= int(n[:4]) <= 2006)
    value = pnr_of(f"{number[:8]}-{number[8:]}")
    assert value.value == number
    assert value.confidence >= REVIEW_BELOW


def test_letters_that_look_like_digits_are_read_as_digits() -> None:
    """GIVEN "l" and "O" where the number has 1 and 0
    WHEN it is interpreted
    THEN they are read as the digits."""
    assert pnr_of("l98ll2l8-9876").value == PNR


@pytest.mark.parametrize("written", ["1981121", "19811218-98761234"])
def test_wrong_number_of_digits_gives_no_value(written: str) -> None:
    """GIVEN far too few or too many digits
    WHEN it is interpreted
    THEN there is no value, confidence 0 and a problem."""
    value = pnr_of(written)
    assert value.value is None and value.confidence == 0.0 and value.problem


def test_one_digit_too_many_is_guessed_for_review() -> None:
    """GIVEN 13 digits (a stray mark read as a digit)
    WHEN it is interpreted
    THEN a valid 12-digit guess is offered, always for review."""
    value = pnr_of("19811218-98766")
    assert value.value is not None and pn.is_valid_personnummer(value.value, today=TODAY)
    assert value.confidence < REVIEW_BELOW


def test_empty_personnummer_box_is_none() -> None:
    """GIVEN an empty box read with confidence 0.99
    WHEN it is interpreted
    THEN the value is None with that confidence."""
    value = pnr_of("  ", confidence=0.99)
    assert (value.value, value.confidence, value.problem) == (None, 0.99, None)


def test_problems_never_contain_the_number() -> None:
    """GIVEN doubtful numbers of several kinds
    WHEN they are interpreted
    THEN no problem message contains a run of the number's digits."""
    for written in ("19811218-9875", "18811218-9876", "811218-9876", "19811218-98766"):
        problem = pnr_of(written).problem or ""
        assert "9876" not in problem and "811218" not in problem


@settings(max_examples=300, deadline=None)
@given(
    number=st.sampled_from(TEST_NUMBERS),
    position=st.integers(0, 11),
    shift=st.integers(1, 9),
    p_wrong=st.floats(0.3, 0.99),
    share_true=st.floats(0.02, 1.0),
    p_right=st.floats(0.6, 1.0),
    hyphen=st.booleans(),
)
def test_single_misread_with_true_digit_listed_is_right_or_reviewed(
    number: str,
    position: int,
    shift: int,
    p_wrong: float,
    share_true: float,
    p_right: float,
    hyphen: bool,
) -> None:
    """GIVEN a valid personnummer with one digit misread, the true digit among that
    position's alternatives, every other digit read right
    WHEN it is interpreted
    THEN the value is right, or its confidence is below the review line."""
    wrong = str((int(number[position]) + shift) % 10)
    shown = number[:position] + wrong + number[position + 1 :]
    listed = [[(c, p_right)] for c in shown]
    listed[position] = [(wrong, p_wrong), (number[position], (1 - p_wrong) * share_true)]
    text = f"{shown[:8]}-{shown[8:]}" if hyphen else shown
    if hyphen:
        listed.insert(8, [("-", 0.99)])
    confidence = p_wrong * p_right**11
    read = TextRead(text=text, confidence=confidence, alternatives=listed)
    value = interpret_personnummer(read, CONTEXT)
    assert value.value == number or value.confidence < REVIEW_BELOW


def test_alternatives_aligned_with_visible_characters_are_used() -> None:
    """GIVEN alternatives for the visible characters of "19811218 9871" (a space inside)
    WHEN it is interpreted
    THEN the alternative for the last digit is used."""
    read = read_of("19811218 9871", alternatives={11: [("1", 0.7), ("6", 0.3)]})
    assert interpret_personnummer(read, CONTEXT).value == PNR


def test_whole_field_reads_the_personnummer_the_engine_lost() -> None:
    """GIVEN hand-printed digits of which the engine kept two groups, and the digit
    classifier's cut of the whole line
    WHEN the personnummer is interpreted
    THEN it is the number written, above the review line."""
    read = TextRead(text="20 98", confidence=0.4, cuts=[cut_of("19811218 9876")])
    value = interpret_personnummer(read, CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW


def test_whole_field_lets_the_check_digit_settle_a_torn_glyph() -> None:
    """GIVEN a cut whose tenth glyph the classifier finds likelier a 3 than the 8 written
    WHEN the field is decoded as a whole under Luhn
    THEN the 8 (the only digit the check digit allows) is read, for review."""
    cut = cut_of("19811218 9876", doubts={9: {"3": 0.6, "8": 0.3}})
    value = interpret_personnummer(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == PNR
    assert value.confidence < REVIEW_BELOW and value.problem == PNR_UNSURE


def test_a_digit_the_check_digit_chose_for_a_glyph_seen_as_no_digit_is_reviewed() -> None:
    """GIVEN a cut whose tenth glyph the classifier took for a letter (a digit written
    oddly), its likeliest digit the one that makes the check digit pass, the others sure
    WHEN the field is decoded as a whole
    THEN the number is shown as a correction for review, not taken unseen: a writer's
    wrong check digit would otherwise be made right without anyone noticing."""
    cut = cut_of("19811218 9876", sure=0.995, doubts={9: {"x": 0.6, "8": 0.3}})
    value = interpret_personnummer(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == PNR
    assert value.confidence < REVIEW_BELOW and value.problem == PNR_CORRECTED


def test_whole_field_of_ten_digits_derives_the_century() -> None:
    """GIVEN a cut of ten digits (no century written), its glyphs clear; and one whose
    glyphs are torn between two digits
    WHEN the field is decoded
    THEN the century comes from the plausible age: the clear one is not flagged, the
    torn one is, as a ten-digit number hard to read."""
    value = interpret_personnummer(
        TextRead(text="", confidence=0.0, cuts=[cut_of("811218 9876")]), CONTEXT
    )
    assert (value.value, value.problem) == (PNR, None)
    torn = interpret_personnummer(
        TextRead(text="", confidence=0.0, cuts=[cut_of("811218 9876", sure=0.5)]), CONTEXT
    )
    assert torn.problem in (PNR_TEN_DIGITS, PNR_CORRECTED)


def test_whole_field_weighs_every_cut_by_its_likelihood() -> None:
    """GIVEN two cuts of one line: a likely one reading the number written, an unlikely
    one (two glyphs read as one) reading another valid number
    WHEN the field is decoded
    THEN the likely cut's number is read."""
    other = next(n for n in TEST_NUMBERS if n != PNR)
    cuts = [cut_of(PNR, log_weight=-1.0), cut_of(other, log_weight=-9.0)]
    value = interpret_personnummer(TextRead(text="", confidence=0.0, cuts=cuts), CONTEXT)
    assert value.value == PNR


def test_readers_that_disagree_and_are_both_sure_leave_it_to_a_person() -> None:
    """GIVEN the engine sure of one valid personnummer and the classifier's cut sure of
    another
    WHEN the personnummer is interpreted
    THEN the value is flagged as read differently by the two readers."""
    other = next(n for n in TEST_NUMBERS if n != PNR)
    read = TextRead(text=other, confidence=0.97, cuts=[cut_of(PNR)])
    value = interpret_personnummer(read, CONTEXT)
    assert value.value in (PNR, other)
    assert value.problem == PNR_READERS_DISAGREE
    assert value.confidence < REVIEW_BELOW


def test_an_invalid_number_both_readers_see_is_kept_as_written() -> None:
    """GIVEN a number with a wrong check digit that the engine and the classifier both
    read so
    WHEN it is interpreted
    THEN it stays as written, flagged: no valid neighbour is put in the writer's mouth."""
    written = PNR[:-1] + "5"
    read = TextRead(text=written, confidence=0.95, cuts=[cut_of(written)])
    value = interpret_personnummer(read, CONTEXT)
    assert value.value == written
    assert value.confidence < REVIEW_BELOW and value.problem


def test_an_invalid_number_both_readers_see_gives_way_to_a_far_likelier_valid_one() -> None:
    """GIVEN the engine and the classifier's likeliest glyphs reading a number with a
    wrong check digit, the classifier torn on one glyph between that digit and the one
    that makes the number valid, sure of every other
    WHEN it is interpreted
    THEN the valid number is shown, flagged as corrected."""
    invalid = PNR[:9] + "3" + PNR[10:]
    cut = cut_of(PNR, sure=0.995, doubts={9: {"3": 0.5, "8": 0.48}})
    value = interpret_personnummer(TextRead(text=invalid, confidence=0.7, cuts=[cut]), CONTEXT)
    assert value.value == PNR
    assert value.problem == PNR_CORRECTED and value.confidence < REVIEW_BELOW


def test_a_sure_engine_read_the_classifier_contradicts_is_flagged() -> None:
    """GIVEN the engine's digits decoding to one valid number with high confidence, and
    the classifier's cuts reading another number fairly well and the engine's as next
    to impossible
    WHEN the personnummer is interpreted
    THEN the engine's number is shown but flagged: either reader alone can be wrong and
    sure on a hand it never saw."""
    other = next(n for n in TEST_NUMBERS if n != PNR)
    read = read_of(other, confidence=0.41, alternatives={})
    assert interpret_personnummer(read, CONTEXT).confidence >= REVIEW_BELOW
    value = interpret_personnummer(read.model_copy(update={"cuts": [cut_of(PNR, sure=0.8)]}),
                                   CONTEXT)
    assert value.value == other
    assert value.problem == PNR_READERS_DISAGREE and value.confidence < REVIEW_BELOW


def test_a_sure_whole_field_read_the_engine_contradicts_is_flagged() -> None:
    """GIVEN the classifier's cuts sure of one number and the engine fairly sure of
    twelve other digits that decode to nothing valid
    WHEN the personnummer is interpreted
    THEN the whole-field number is shown but flagged."""
    written = PNR[:10] + "60"  # the engine's last two digits are not the classifier's
    read = TextRead(text=written, confidence=0.96, cuts=[cut_of(PNR, sure=0.995)])
    value = interpret_personnummer(read, CONTEXT)
    assert value.value == PNR
    assert value.confidence < REVIEW_BELOW


@pytest.mark.parametrize("misread", [PNR[:4] + "13" + PNR[6:], PNR[:9] + "3" + PNR[10:]],
                         ids=["a thirteenth month", "one digit off, Luhn fails"])
def test_an_engine_read_that_cannot_be_right_does_not_dispute_the_classifier(
        misread: str) -> None:
    """GIVEN the engine fairly sure of twelve digits no one could have written as they
    are (a thirteenth month), or one digit off with its check digit failing, and the
    classifier's cut seeing every glyph of a valid number
    WHEN the personnummer is interpreted
    THEN the classifier's number is kept above the review line: such a misreading is no
    second opinion."""
    read = TextRead(text=misread, confidence=0.6, cuts=[cut_of(PNR, sure=0.995)])
    value = interpret_personnummer(read, CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_an_engine_read_failing_luhn_still_disputes_a_number_the_classifier_corrected() -> None:
    """GIVEN the engine fairly sure of a number whose check digit fails, and the
    classifier's likeliest glyphs reading yet another digit there, the valid number
    only its decoding under Luhn found
    WHEN the personnummer is interpreted
    THEN it goes to a person: the writer may have written the invalid number."""
    misread = PNR[:9] + "3" + PNR[10:]
    cut = cut_of(PNR, sure=0.995, doubts={9: {"5": 0.55, "8": 0.44}})
    value = interpret_personnummer(TextRead(text=misread, confidence=0.6, cuts=[cut]),
                                   CONTEXT)
    assert value.confidence < REVIEW_BELOW and value.problem


def test_an_engine_guess_from_digits_that_cannot_exist_does_not_dispute_the_classifier() -> None:
    """GIVEN the engine's digits another person's number with a month of 3x (no such
    date), its alternatives giving the digit that makes it valid (its decoding guesses
    that number, fairly sure), and the classifier's cut surer of a valid number
    WHEN the personnummer is interpreted
    THEN the classifier's number is kept above the review line."""
    other = next(n for n in TEST_NUMBERS if n[:4] != PNR[:4] and n[4] != "3")
    impossible = other[:4] + "3" + other[5:]
    read = read_of(impossible, confidence=0.6,
                   alternatives={4: [("3", 0.6), (other[4], 0.4)]})
    value = interpret_personnummer(read.model_copy(update={"cuts": [cut_of(PNR, sure=0.995)]}),
                                   CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_a_century_glyph_seen_as_no_digit_does_not_send_a_sure_number_to_review() -> None:
    """GIVEN a cut whose first glyph (the century's 1) the classifier took for a letter,
    every other glyph sure
    WHEN the field is decoded as a whole
    THEN the number is read above the review line: the age decides the century, as
    when none is written; no check digit chose it."""
    cut = cut_of(PNR, sure=0.995, doubts={0: {"x": 0.6, "1": 0.3}})
    value = interpret_personnummer(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_an_engine_misread_the_classifier_saw_right_does_not_dispute_its_number() -> None:
    """GIVEN the engine fairly sure of the number written but for one digit (its check
    digit then fails), the classifier seeing that digit as written but torn on another
    glyph, and sure of the number as a whole
    WHEN the personnummer is interpreted
    THEN the number is kept above the review line: every digit was seen by a reader,
    and the engine's other digit is a misreading, not a number anyone wrote."""
    misread = PNR[:9] + "3" + PNR[10:]
    cut = cut_of(PNR, sure=0.999, doubts={3: {"6": 0.55, "1": 0.44}})
    value = interpret_personnummer(TextRead(text=misread, confidence=0.6, cuts=[cut]),
                                   CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_a_number_both_readers_read_exactly_is_surer_than_either_alone() -> None:
    """GIVEN the engine and the classifier each reading the number written digit by
    digit, each torn on two glyphs and so below the review line on its own
    WHEN the personnummer is interpreted
    THEN the two readings together put it above the review line."""
    engine = read_of(PNR, confidence=0.5,
                     alternatives={9: [("8", 0.6), ("3", 0.4)], 10: [("7", 0.6), ("2", 0.4)]})
    cut = cut_of(PNR, sure=0.999, doubts={9: {"8": 0.6, "3": 0.3}, 10: {"7": 0.6, "2": 0.3}})
    alone = [interpret_personnummer(engine, CONTEXT),
             interpret_personnummer(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)]
    assert all(a.value == PNR and a.confidence < REVIEW_BELOW for a in alone)
    value = interpret_personnummer(engine.model_copy(update={"cuts": [cut]}), CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_an_engine_correction_of_its_own_misread_does_not_dispute_the_classifier() -> None:
    """GIVEN the classifier sure of every glyph of the number written, and the engine
    reading it with the check digit misread, its alternatives turning another digit so
    that the check digit passes (a valid number it is fairly sure of)
    WHEN the personnummer is interpreted
    THEN the classifier's number is kept above the review line: the engine's number
    rests on its own misreading, not on the ink."""
    misread = PNR[:11] + "1"
    read = read_of(misread, confidence=0.5,
                   alternatives={7: [(PNR[7], 0.5), ("7", 0.5)]})
    engine = interpret_personnummer(read, CONTEXT)
    assert engine.value not in (PNR, misread) and engine.confidence >= 0.4
    value = interpret_personnummer(read.model_copy(update={"cuts": [cut_of(PNR, sure=0.995)]}),
                                   CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_an_engine_read_one_digit_off_the_classifiers_number_does_not_dispute_it() -> None:
    """GIVEN the classifier sure of every glyph of the number written, and the engine
    fairly sure of twelve digits that are that number with one digit misread (its check
    digit then fails), listing no other digit there
    WHEN the personnummer is interpreted
    THEN the classifier's number is kept above the review line."""
    misread = PNR[:10] + "4" + PNR[11:]
    read = read_of(misread, confidence=0.99, alternatives={})
    engine = interpret_personnummer(read, CONTEXT)
    assert engine.value == misread and engine.confidence >= 0.4
    value = interpret_personnummer(read.model_copy(update={"cuts": [cut_of(PNR, sure=0.995)]}),
                                   CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_a_ten_digit_number_both_readers_read_exactly_is_surer_than_either_alone() -> None:
    """GIVEN a personnummer written with ten digits (no century), the engine and the
    classifier each reading those ten digits exactly, each torn on two glyphs
    WHEN the personnummer is interpreted
    THEN the two readings together put it above the review line, as with twelve: the
    century neither reader saw is the age's, not a digit the classifier read wrong."""
    ten = PNR[2:]
    engine = read_of(ten, confidence=0.5,
                     alternatives={7: [("8", 0.6), ("3", 0.4)], 8: [("7", 0.6), ("2", 0.4)]})
    cut = cut_of(ten, sure=0.999, doubts={7: {"8": 0.6, "3": 0.3}, 8: {"7": 0.6, "2": 0.3}})
    alone = [interpret_personnummer(engine, CONTEXT),
             interpret_personnummer(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)]
    assert all(a.value == PNR and a.confidence < REVIEW_BELOW for a in alone)
    value = interpret_personnummer(engine.model_copy(update={"cuts": [cut]}), CONTEXT)
    assert value.value == PNR
    assert value.confidence >= REVIEW_BELOW
