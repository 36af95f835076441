"""From what the OCR engine read to typed values with an honest confidence."""

from __future__ import annotations

import random
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.forms import FieldType, load_form
from intake.mapping import personnummer as pn
from intake.mapping.interpret import (
    PNR_CORRECTED,
    PNR_TEN_DIGITS,
    REVIEW_BELOW,
    interpret,
    interpret_code,
    interpret_date,
    interpret_percent,
    interpret_personnummer,
    interpret_text,
    kbest_strings,
    kommuner,
    snap_kommun,
    split_ort_och_datum,
)
from intake.mapping.values import BAD_CODE, BAD_PERCENT
from intake.ocr.model import FieldValue, TextRead
from intake.samples.content import REFERENCE_DAY, make_case
from intake.samples.vocab import words

TODAY = date(2026, 11, 20)
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


def pnr_of(
    text: str, *, confidence: float = 0.95, alternatives: Alternatives | None = None
) -> FieldValue:
    read = read_of(text, confidence=confidence, alternatives=alternatives)
    return interpret_personnummer(read, today=TODAY)


# --- personnummer ----------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["19811218-9876", "198112189876", "19811218 9876"])
def test_well_read_personnummer_is_kept_with_high_confidence(written: str) -> None:
    """GIVEN a valid number read cleanly in any written style
    WHEN it is interpreted
    THEN the 12 digits come back above the review line, without a problem."""
    value = interpret_personnummer(read_of(written), today=TODAY)
    assert (value.value, value.problem) == (PNR, None)
    assert value.confidence >= REVIEW_BELOW


def test_digitally_filled_personnummer_has_full_confidence() -> None:
    """GIVEN a number from a digitally filled PDF (confidence 1.0)
    WHEN it is interpreted
    THEN it is taken with confidence 1.0."""
    value = interpret_personnummer(read_of("19811218-9876", confidence=1.0), today=TODAY)
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
def test_ten_digit_number_is_expanded_and_flagged(number: str, hyphen: bool) -> None:
    """GIVEN a number written without the century (born 1981 or in the 2000s)
    WHEN it is interpreted
    THEN the century comes from a plausible age, and the problem says it was derived."""
    written = f"{number[2:8]}-{number[8:]}" if hyphen else number[2:]
    value = pnr_of(written)
    assert value.value == number
    assert value.problem == PNR_TEN_DIGITS


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
    value = interpret_personnummer(read, today=TODAY)
    assert value.value == number or value.confidence < REVIEW_BELOW


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["2026-03-14", "20260314", "14/3 2026", "14 mars 2026", "14.03.2026", "den 14 mars 2026"],
)
def test_date_styles_are_read_with_high_confidence(written: str) -> None:
    """GIVEN a date written in one of the usual Swedish styles
    WHEN it is interpreted
    THEN it is the ISO date, above the review line."""
    value = interpret_date(read_of(written), today=TODAY)
    assert value.value == "2026-03-14"
    assert value.confidence >= REVIEW_BELOW


def test_two_digit_year_lowers_the_confidence() -> None:
    """GIVEN "14/3 26" (the century is a guess)
    WHEN it is interpreted
    THEN it is 2026-03-14, less sure than with four digits, and under review."""
    short = interpret_date(read_of("14/3 26"), today=TODAY)
    full = interpret_date(read_of("14/3 2026"), today=TODAY)
    assert short.value == "2026-03-14"
    assert short.confidence < min(full.confidence, REVIEW_BELOW)


def test_day_and_month_that_could_swap_lower_the_confidence() -> None:
    """GIVEN "4/3 2026" (day first in Swedish, but both could be a month)
    WHEN it is interpreted
    THEN it is 4 March, a little less sure than "14/3 2026"."""
    ambiguous = interpret_date(read_of("4/3 2026"), today=TODAY)
    clear = interpret_date(read_of("14/3 2026"), today=TODAY)
    assert ambiguous.value == "2026-03-04"
    assert ambiguous.confidence < clear.confidence


@pytest.mark.parametrize("written", ["1999-12-31", "2029-01-01"])
def test_date_outside_the_plausible_range_is_flagged(written: str) -> None:
    """GIVEN a real date before 2000 or more than a year ahead
    WHEN it is interpreted
    THEN it is shown as read with a low confidence and a problem."""
    value = interpret_date(read_of(written), today=TODAY)
    assert value.value == written
    assert value.confidence < REVIEW_BELOW and value.problem


@pytest.mark.parametrize("written", ["2026-02-30", "hej", "14 mars"])
def test_unreadable_date_has_no_value(written: str) -> None:
    """GIVEN no real date
    WHEN it is interpreted
    THEN there is no value, confidence 0 and a Swedish problem."""
    value = interpret_date(read_of(written), today=TODAY)
    assert (value.value, value.confidence) == (None, 0.0)
    assert value.problem


def test_date_that_does_not_parse_is_fixed_from_the_alternatives_for_review() -> None:
    """GIVEN "2026-13-14" where the engine lists 0 as the second choice for the 1
    WHEN it is interpreted
    THEN the date is 2026-03-14, corrected and therefore under review."""
    value = interpret_date(
        read_of("2026-13-14", alternatives={5: [("1", 0.6), ("0", 0.4)]}), today=TODAY
    )
    assert value.value == "2026-03-14"
    assert value.confidence < REVIEW_BELOW


def test_date_confidence_follows_the_engine() -> None:
    """GIVEN the same date read with confidence 0.6
    WHEN it is interpreted
    THEN it goes to review: a date has no check digit."""
    value = interpret_date(read_of("2026-03-14", confidence=0.6), today=TODAY)
    assert value.value == "2026-03-14" and value.confidence < REVIEW_BELOW


def test_misread_month_name_is_snapped() -> None:
    """GIVEN "14 rnars 2026" (m read as rn)
    WHEN it is interpreted
    THEN the month is mars."""
    assert interpret_date(read_of("14 rnars 2026"), today=TODAY).value == "2026-03-14"


# --- percent and code ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"), [("0", 0), ("100", 100), ("50 %", 50), ("75%", 75), ("1OO", 100)]
)
def test_percent_in_range_is_read(written: str, expected: int) -> None:
    """GIVEN a percentage 0–100 (a lone 0 included)
    WHEN it is interpreted
    THEN it is the integer, above the review line."""
    value = interpret_percent(read_of(written))
    assert value.value == expected and value.confidence >= REVIEW_BELOW


def test_percent_out_of_range_has_no_value() -> None:
    """GIVEN "150" with no alternatives
    WHEN it is interpreted
    THEN there is no value, confidence 0, and the percent problem."""
    value = interpret_percent(read_of("150"))
    assert (value.value, value.confidence, value.problem) == (None, 0.0, BAD_PERCENT)


def test_percent_out_of_range_is_fixed_from_the_alternatives_for_review() -> None:
    """GIVEN "150" where the engine's second choice for the 5 is 0
    WHEN it is interpreted
    THEN the value is 100, under review."""
    value = interpret_percent(read_of("150", alternatives={1: [("5", 0.7), ("0", 0.3)]}))
    assert value.value == 100 and value.confidence < REVIEW_BELOW


@pytest.mark.parametrize(("written", "expected"), [("3", 3), ("9", 9), ("l", 1), ("6.", 6)])
def test_code_digit_is_read(written: str, expected: int) -> None:
    """GIVEN one written digit 1–9 (or a letter that looks like one)
    WHEN it is interpreted
    THEN it is the integer."""
    assert interpret_code(read_of(written)).value == expected


@pytest.mark.parametrize("written", ["0", "12", "x"])
def test_code_outside_1_to_9_has_no_value(written: str) -> None:
    """GIVEN something that is not a digit 1–9
    WHEN it is interpreted
    THEN there is no value and the code problem."""
    value = interpret_code(read_of(written))
    assert (value.value, value.problem) == (None, BAD_CODE)


def test_empty_percent_is_none_as_sure_as_the_reader() -> None:
    """GIVEN an empty read with low confidence (Tesseract drops a lone 0)
    WHEN it is interpreted
    THEN the value is None, under review."""
    value = interpret_percent(read_of("", confidence=0.4))
    assert value.value is None and value.confidence < REVIEW_BELOW and value.problem


# --- text and kommun -------------------------------------------------------------------------


def test_name_keeps_what_was_read_in_nfc_with_collapsed_white_space() -> None:
    """GIVEN a decomposed "Ö", extra spaces and a box-line remnant
    WHEN a name is interpreted
    THEN it is NFC, single-spaced, trimmed, with the engine's confidence."""
    decomposed = unicodedata.normalize("NFD", "  Åsa   Öberg |")
    value = interpret_text("namn", read_of(decomposed, confidence=0.93))
    assert value.value == "Åsa Öberg" and value.confidence == 0.93


def test_empty_text_box_is_none_with_high_confidence() -> None:
    """GIVEN an empty box that the reader is sure of
    WHEN it is interpreted
    THEN the value is None with high confidence."""
    value = interpret_text("stadsdel", read_of(" ", confidence=0.99))
    assert (value.value, value.problem) == (None, None) and value.confidence >= REVIEW_BELOW


def test_digit_inside_a_name_is_fixed_for_review() -> None:
    """GIVEN "J0hansson" (a 0 for o)
    WHEN a name is interpreted
    THEN it is "Johansson" with a lowered confidence."""
    value = interpret_text("namn", read_of("J0hansson"))
    assert value.value == "Johansson" and value.confidence < REVIEW_BELOW


def test_kommun_list_has_290_names() -> None:
    """GIVEN the shipped list WHEN it is loaded THEN it has 290 distinct kommuner."""
    assert len(set(kommuner())) == 290


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Goteborg", "Göteborg"),
        ("Upsala", "Uppsala"),
        ("Malmo", "Malmö"),
        ("UPPSALA", "Uppsala"),
        ("ostersund", "Östersund"),
        ("Göteborgs stad", "Göteborg"),
        ("Upplands Bro", "Upplands-Bro"),
        ("Upp5ala", "Uppsala"),
    ],
)
def test_kommun_is_snapped(written: str, expected: str) -> None:
    """GIVEN a kommun written without diacritics, in capitals or with OCR noise
    WHEN it is snapped and interpreted
    THEN it is the kommun's name, with high confidence."""
    assert snap_kommun(written)[0] == expected
    value = interpret_text("kommun", read_of(written))
    assert value.value == expected and value.confidence >= REVIEW_BELOW


@pytest.mark.parametrize("written", ["Paris", "Xyzabc", "Kista"])
def test_non_kommun_is_not_snapped(written: str) -> None:
    """GIVEN a name that is no kommun
    WHEN it is snapped and interpreted
    THEN the snap is None; the field keeps what was read, low, with a problem."""
    assert snap_kommun(written)[0] is None
    value = interpret_text("kommun", read_of(written))
    assert value.value == written and value.confidence < REVIEW_BELOW and value.problem


def test_kommun_between_two_names_is_not_trusted() -> None:
    """GIVEN "Habo" (Habo and Håbo are both kommuner)
    WHEN it is interpreted
    THEN it is Habo, but under review."""
    value = interpret_text("kommun", read_of("Habo"))
    assert value.value == "Habo" and value.confidence < REVIEW_BELOW


def test_kommun_written_with_its_diacritics_is_trusted() -> None:
    """GIVEN "Håbo" read with its ring (engines drop diacritics, they rarely invent them)
    WHEN it is interpreted
    THEN it is Håbo with high confidence."""
    value = interpret_text("kommun", read_of("Håbo"))
    assert value.value == "Håbo" and value.confidence >= REVIEW_BELOW


def test_snap_margin_is_thin_between_two_kommuner() -> None:
    """GIVEN "Habo" (Håbo differs only by a ring) and "Uppsala" (no kommun near)
    WHEN they are snapped
    THEN Habo's margin is under one edit, Uppsala's several."""
    assert snap_kommun("Habo") == ("Habo", 0.25)
    assert snap_kommun("Uppsala")[1] >= 2


# --- ort och datum ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "ort"),
    [
        ("Uppsala 2026-03-14", "Uppsala"),
        ("Uppsala, 14/3 2026", "Uppsala"),
        ("Uppsala den 14 mars 2026", "Uppsala"),
        ("2026-03-14 Uppsala", "Uppsala"),
        ("Uppsala,20260314", "Uppsala"),
        ("Malung-Sälen 14 mars 2026", "Malung-Sälen"),
        ("Upplands Väsby den 14/3 2026", "Upplands Väsby"),
        ("Goteborg 2026-03-14", "Göteborg"),
    ],
)
def test_ort_och_datum_is_split(written: str, ort: str) -> None:
    """GIVEN one "Ort och datum" line in a usual style
    WHEN it is split
    THEN ort is the (snapped) kommun and datum the ISO date, both confident."""
    ort_value, datum = split_ort_och_datum(read_of(written), today=TODAY)
    assert (ort_value.value, datum.value) == (ort, "2026-03-14")
    assert min(ort_value.confidence, datum.confidence) >= REVIEW_BELOW


def test_ort_that_is_no_kommun_is_kept_for_review() -> None:
    """GIVEN a place that is not a kommun
    WHEN the line is split
    THEN the ort is kept as written, under review; the date is unaffected."""
    ort, datum = split_ort_och_datum(read_of("Kista 2026-03-14"), today=TODAY)
    assert ort.value == "Kista" and ort.confidence < REVIEW_BELOW
    assert datum.value == "2026-03-14"


def test_ort_och_datum_without_a_date_has_no_datum() -> None:
    """GIVEN only a place
    WHEN the line is split
    THEN datum is None with confidence 0."""
    ort, datum = split_ort_och_datum(read_of("Uppsala"), today=TODAY)
    assert ort.value == "Uppsala" and (datum.value, datum.confidence) == (None, 0.0)


def test_split_keeps_the_date_alternatives() -> None:
    """GIVEN "Uppsala 2026-13-14" with 0 listed for the 1 of the month
    WHEN it is split
    THEN the date is corrected from the alternatives of its own characters."""
    read = read_of("Uppsala 2026-13-14", alternatives={12: [("1", 0.6), ("0", 0.4)]})
    assert split_ort_och_datum(read, today=TODAY)[1].value == "2026-03-14"


# --- dispatch and helpers ---------------------------------------------------------------------


def test_every_value_the_sample_generator_writes_is_read_back() -> None:
    """GIVEN 300 generated forms, each written value read perfectly (confidence 0.97)
    WHEN every text-read field is interpreted
    THEN each value equals the truth, and only known doubts are under review: written
    wrong check digits and the Habo/Håbo pair."""
    rng = random.Random(11)
    for _ in range(300):
        form = rng.choice(["9443", "9448", "9449"])
        case = make_case(form, rng)
        for field in load_form(form).fields:
            if field.type.is_choice or field.type is FieldType.SIGNATURE:
                continue
            written = str(case.written.get(field.widget or field.name, ""))
            value = interpret(field, TextRead(text=written, confidence=0.97), today=REFERENCE_DAY)
            assert value.value == case.truth[field.name], (field.name, case.defects)
            if value.confidence < REVIEW_BELOW:
                known = "wrong_check_digit" in case.defects or "Habo" in written
                assert known, (field.name, case.defects)


def test_interpret_dispatches_on_the_form_definition() -> None:
    """GIVEN FK 9443's field definitions
    WHEN each text-read field is interpreted
    THEN ort and datum come from the one "Ort och datum" line."""
    fields = {f.name: f for f in load_form("9443").fields}
    line = read_of("Uppsala den 14 mars 2026")
    assert interpret(fields["ort"], line, today=TODAY).value == "Uppsala"
    assert interpret(fields["datum"], line, today=TODAY).value == "2026-03-14"
    pnr = interpret(fields["personnummer"], read_of("19811218-9876"), today=TODAY)
    assert pnr.value == PNR


def test_interpret_refuses_choice_fields() -> None:
    """GIVEN a checkbox field WHEN it is interpreted from text THEN that is an error."""
    field = next(f for f in load_form("9448").fields if f.type.is_choice)
    with pytest.raises(ValueError):
        interpret(field, read_of("x"), today=TODAY)


def test_kbest_strings_come_best_first() -> None:
    """GIVEN two uncertain positions
    WHEN the best strings are listed
    THEN they come in order of probability."""
    found = list(kbest_strings([{"1": 0.6, "7": 0.4}, {"3": 0.9, "8": 0.1}], limit=4))
    assert [text for text, _ in found] == ["13", "73", "18", "78"]
    assert [p for _, p in found] == sorted((p for _, p in found), reverse=True)


def test_alternatives_aligned_with_visible_characters_are_used() -> None:
    """GIVEN alternatives for the visible characters of "19811218 9871" (a space inside)
    WHEN it is interpreted
    THEN the alternative for the last digit is used."""
    read = read_of("19811218 9871", alternatives={11: [("1", 0.7), ("6", 0.3)]})
    assert interpret_personnummer(read, today=TODAY).value == PNR


def test_ort_ends_where_a_date_read_as_capitals_begins() -> None:
    """GIVEN a hand-printed "Ort och datum" whose date Tesseract read as capital
    letters and digits ("Alvesta LUT4 O-U2")
    WHEN the line is split
    THEN the ort is the place alone, and the date is missing for review."""
    ort, datum = split_ort_och_datum(read_of("Alvesta LUT4 O-U2", confidence=0.1), today=TODAY)
    assert ort.value == "Alvesta"
    assert datum.value is None and datum.problem is not None


def test_a_kommun_with_a_box_remnant_after_it_is_still_found() -> None:
    """GIVEN a kommun read with a stray token of box-line bits after it ("Hedemora [&/")
    WHEN it is interpreted
    THEN the remnant is dropped and the kommun is named."""
    value = interpret_text("kommun", read_of("Hedemora [&/"))
    assert value.value == "Hedemora"


def test_a_garbled_kommun_gets_the_nearest_kommun_as_a_suggestion_to_check() -> None:
    """GIVEN a hand-printed kommun read too badly to snap ("Tomelua")
    WHEN it is interpreted
    THEN the one nearest kommun is suggested, low in confidence, saying so."""
    from intake.mapping.interpret import KOMMUN_NEAREST

    value = interpret_text("kommun", TextRead(text="Tomelua", confidence=0.23, alternatives=[]))
    assert value.value == "Tomelilla"
    assert value.problem == KOMMUN_NEAREST
    assert value.confidence < REVIEW_BELOW


def test_a_garbled_kommun_as_near_two_kommuner_stays_as_read() -> None:
    """GIVEN a read as near to two kommuner as to each other ("Terolkea": Dorotea, Trosa)
    WHEN it is interpreted
    THEN nothing is suggested: the read is shown, flagged."""
    value = interpret_text("kommun", TextRead(text="Terolkea", confidence=0.5, alternatives=[]))
    assert value.value == "Terolkea"
    assert value.confidence < REVIEW_BELOW


@pytest.mark.parametrize(
    ("line", "ort"),
    [("Orust VO sanvari", "Orust"), ("Habo Jen vn", "Habo"), ("Ikungalv VV nals", "Kungälv")],
)
def test_a_doubtful_ort_followed_by_a_garbled_date_is_the_kommun_of_its_first_words(
    line: str, ort: str
) -> None:
    """GIVEN "Ort och datum" read doubtfully, the date garbled into words after the ort
    WHEN the line is split
    THEN the ort is the kommun its first words name, flagged for review."""
    value, _ = split_ort_och_datum(TextRead(text=line, confidence=0.3, alternatives=[]),
                                   today=TODAY)
    assert value.value == ort
    assert value.confidence < REVIEW_BELOW


def test_a_sure_ort_that_is_no_kommun_is_kept_as_written() -> None:
    """GIVEN a surely read ort that is a town, not a kommun ("Kista")
    WHEN the line is split
    THEN it is kept as written (for review), not replaced by a kommun."""
    value, _ = split_ort_och_datum(
        TextRead(text="Kista 2026-11-02", confidence=0.97, alternatives=[]), today=TODAY
    )
    assert value.value == "Kista"
