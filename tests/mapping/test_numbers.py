"""Dates, percents and codes read from what the engine saw."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.learned import ReviewLines
from intake.learned.review import shipped_review_lines
from intake.mapping.base import Context
from intake.mapping.numbers import (
    DATE_CORRECTED,
    DATE_READERS_DISAGREE,
    DATE_UNSURE,
    DIGIT_CONTESTED,
    interpret_code,
    interpret_date,
    interpret_percent,
)
from intake.reads import TextRead
from intake.settings import REVIEW_BELOW
from intake.sus.values import BAD_CODE, BAD_PERCENT
from tests.mapping.reads import CONTEXT, cut_of, read_of

#: A date field's context as the pipeline makes it: review begins at the fitted line of
#: dates (below ``REVIEW_BELOW``).
DATE_CONTEXT = replace(CONTEXT, review_lines=shipped_review_lines()).for_type("date")


@pytest.mark.parametrize(
    "written",
    ["2026-03-14", "20260314", "14/3 2026", "14 mars 2026", "14.03.2026", "den 14 mars 2026"],
)
def test_date_styles_are_read_with_high_confidence(written: str) -> None:
    """GIVEN a date written in one of the usual Swedish styles
    WHEN it is interpreted
    THEN it is the ISO date, above the review line."""
    value = interpret_date(read_of(written), CONTEXT)
    assert value.value == "2026-03-14"
    assert value.confidence >= REVIEW_BELOW


def test_two_digit_year_lowers_the_confidence() -> None:
    """GIVEN "14/3 26" (the century is a guess)
    WHEN it is interpreted
    THEN it is 2026-03-14, less sure than with four digits, and under review."""
    short = interpret_date(read_of("14/3 26"), CONTEXT)
    full = interpret_date(read_of("14/3 2026"), CONTEXT)
    assert short.value == "2026-03-14"
    assert short.confidence < min(full.confidence, REVIEW_BELOW)


def test_day_and_month_that_could_swap_lower_the_confidence() -> None:
    """GIVEN "4/3 2026" (day first in Swedish, but both could be a month)
    WHEN it is interpreted
    THEN it is 4 March, a little less sure than "14/3 2026"."""
    ambiguous = interpret_date(read_of("4/3 2026"), CONTEXT)
    clear = interpret_date(read_of("14/3 2026"), CONTEXT)
    assert ambiguous.value == "2026-03-04"
    assert ambiguous.confidence < clear.confidence


@pytest.mark.parametrize("written", ["1999-12-31", "2029-01-01"])
def test_date_outside_the_plausible_range_is_flagged(written: str) -> None:
    """GIVEN a real date before 2000 or more than a year ahead
    WHEN it is interpreted
    THEN it is shown as read with a low confidence and a problem."""
    value = interpret_date(read_of(written), CONTEXT)
    assert value.value == written
    assert value.confidence < REVIEW_BELOW and value.problem


@pytest.mark.parametrize("written", ["2026-02-30", "hej", "14 mars"])
def test_unreadable_date_has_no_value(written: str) -> None:
    """GIVEN no real date
    WHEN it is interpreted
    THEN there is no value, confidence 0 and a Swedish problem."""
    value = interpret_date(read_of(written), CONTEXT)
    assert (value.value, value.confidence) == (None, 0.0)
    assert value.problem


def test_date_that_does_not_parse_is_fixed_from_the_alternatives_for_review() -> None:
    """GIVEN "2026-13-14" where the engine lists 0 as the second choice for the 1
    WHEN it is interpreted
    THEN the date is 2026-03-14, corrected and therefore under review."""
    value = interpret_date(
        read_of("2026-13-14", alternatives={5: [("1", 0.6), ("0", 0.4)]}), CONTEXT)
    assert value.value == "2026-03-14"
    assert value.confidence < REVIEW_BELOW


def test_date_confidence_follows_the_engine() -> None:
    """GIVEN the same date read with confidence 0.6
    WHEN it is interpreted
    THEN it goes to review: a date has no check digit."""
    value = interpret_date(read_of("2026-03-14", confidence=0.6), CONTEXT)
    assert value.value == "2026-03-14" and value.confidence < REVIEW_BELOW


def test_misread_month_name_is_snapped() -> None:
    """GIVEN "14 rnars 2026" (m read as rn)
    WHEN it is interpreted
    THEN the month is mars."""
    assert interpret_date(read_of("14 rnars 2026"), CONTEXT).value == "2026-03-14"


@pytest.mark.parametrize(
    ("written", "expected"), [("0", 0), ("100", 100), ("50 %", 50), ("75%", 75), ("1OO", 100)]
)
def test_percent_in_range_is_read(written: str, expected: int) -> None:
    """GIVEN a percentage 0–100 (a lone 0 included)
    WHEN it is interpreted
    THEN it is the integer, above the review line."""
    value = interpret_percent(read_of(written), CONTEXT)
    assert value.value == expected and value.confidence >= REVIEW_BELOW


def test_percent_out_of_range_has_no_value() -> None:
    """GIVEN "150" with no alternatives
    WHEN it is interpreted
    THEN there is no value, confidence 0, and the percent problem."""
    value = interpret_percent(read_of("150"), CONTEXT)
    assert (value.value, value.confidence, value.problem) == (None, 0.0, BAD_PERCENT)


def test_percent_out_of_range_is_fixed_from_the_alternatives_for_review() -> None:
    """GIVEN "150" where the engine's second choice for the 5 is 0
    WHEN it is interpreted
    THEN the value is 100, under review."""
    value = interpret_percent(read_of("150", alternatives={1: [("5", 0.7), ("0", 0.3)]}), CONTEXT)
    assert value.value == 100 and value.confidence < REVIEW_BELOW


@pytest.mark.parametrize(("written", "expected"), [("3", 3), ("9", 9), ("l", 1), ("6.", 6)])
def test_code_digit_is_read(written: str, expected: int) -> None:
    """GIVEN one written digit 1–9 (or a letter that looks like one)
    WHEN it is interpreted
    THEN it is the integer."""
    assert interpret_code(read_of(written), CONTEXT).value == expected


@pytest.mark.parametrize("written", ["0", "12", "x"])
def test_code_outside_1_to_9_has_no_value(written: str) -> None:
    """GIVEN something that is not a digit 1–9
    WHEN it is interpreted
    THEN there is no value and the code problem."""
    value = interpret_code(read_of(written), CONTEXT)
    assert (value.value, value.problem) == (None, BAD_CODE)


def test_empty_percent_is_none_as_sure_as_the_reader() -> None:
    """GIVEN an empty read with low confidence (Tesseract drops a lone 0)
    WHEN it is interpreted
    THEN the value is None, under review."""
    value = interpret_percent(read_of("", confidence=0.4), CONTEXT)
    assert value.value is None and value.confidence < REVIEW_BELOW and value.problem


@pytest.mark.parametrize("written", ["2026 03 14", "20260314", "14/3 2026", "14/3 26"])
def test_whole_date_reads_a_date_the_engine_lost(written: str) -> None:
    """GIVEN a hand-printed date the engine read nothing of, and the digit classifier's
    cut of the line
    WHEN it is interpreted
    THEN it is the date written (for review: a date has no check digit)."""
    read = TextRead(text="", confidence=0.0, cuts=[cut_of(written)])
    value = interpret_date(read, CONTEXT)
    assert value.value == "2026-03-14"
    assert value.confidence < REVIEW_BELOW


def test_whole_date_keeps_to_real_dates() -> None:
    """GIVEN a cut whose month glyph the classifier finds likelier a 1 (month 13) than
    the 0 written
    WHEN it is decoded as a whole
    THEN the real date is read."""
    cut = cut_of("2026 13 14", doubts={4: {"1": 0.6, "0": 0.35}})
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == "2026-03-14"


def test_a_date_only_the_glyphs_lesser_choices_make_real_is_reviewed() -> None:
    """GIVEN "2025 02 05" whose last 0 the classifier took for a 3 (day 35: no date),
    giving a 2 a sixth of that and the 0 written less (as on a calibration form), the
    engine reading nothing
    WHEN the date is interpreted
    THEN the real date the lesser choices make (25th) is under review: no glyph was
    seen so, and a date has no check digit."""
    doubt = {"3": 0.595, "x": 0.15, "9": 0.126, "2": 0.103, "0": 0.022}
    cut = cut_of("2025 02 05", sure=0.995, doubts={6: doubt})
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), DATE_CONTEXT)
    assert value.value == "2025-02-25" and value.problem == DATE_UNSURE


def test_a_date_its_glyphs_read_is_not_doubted_for_a_lesser_choice() -> None:
    """GIVEN "2025 02 05" with every glyph clear
    WHEN the date is interpreted from the classifier's cut alone
    THEN it is that date, above the review line of dates."""
    cut = cut_of("2025 02 05", sure=0.995)
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), DATE_CONTEXT)
    assert value.value == "2025-02-05" and value.problem is None


def test_a_day_or_month_glyph_seen_as_a_letter_is_no_digit_read() -> None:
    """GIVEN "12/11 2025" whose "11" ran together into one glyph the classifier took
    for a letter (then a slash, then a 1), no month's name written
    WHEN the date is interpreted
    THEN whatever date it makes of that glyph (12 January) is under review."""
    cut = cut_of("12/1 2025", sure=0.995, doubts={3: {"x": 0.44, "/": 0.31, "1": 0.2}})
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), DATE_CONTEXT)
    assert value.problem == DATE_UNSURE


def test_a_year_glyph_seen_as_a_letter_is_settled_by_the_range_of_years() -> None:
    """GIVEN "2024 06 12" whose second 2 the classifier took for a letter, its likeliest
    digit a 2
    WHEN the date is interpreted
    THEN it is 2024-06-12, above the review line: only 2024 is a year a form may have."""
    cut = cut_of("2024 06 12", sure=0.995, doubts={2: {"x": 0.44, "2": 0.31, "8": 0.2}})
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), DATE_CONTEXT)
    assert value.value == "2024-06-12" and value.problem is None


def test_date_readers_that_disagree_leave_it_to_a_person() -> None:
    """GIVEN the engine sure of 2026-05-14 and the classifier's cut fairly sure of
    2026-03-14
    WHEN the date is interpreted
    THEN it is flagged as read differently by the two readers."""
    read = TextRead(text="2026-05-14", confidence=0.97, cuts=[cut_of("2026 03 14")])
    value = interpret_date(read, CONTEXT)
    assert value.problem == DATE_READERS_DISAGREE
    assert value.confidence < REVIEW_BELOW


def test_date_readers_that_agree_keep_the_surer_confidence() -> None:
    """GIVEN the engine and the classifier's cut reading the same date
    WHEN the date is interpreted
    THEN it is that date, as sure as the surer reader."""
    read = TextRead(text="2026-03-14", confidence=0.97, cuts=[cut_of("2026 03 14")])
    value = interpret_date(read, CONTEXT)
    assert value.value == "2026-03-14"
    assert value.confidence >= REVIEW_BELOW


@pytest.mark.parametrize(
    ("written", "seen", "expected"),
    [("2.0 juli 2025", "20 xx/x 2025", "2025-07-20"),
     ("7 februnci 2025", "7 x/xxxx 2025", "2025-02-07"),
     ("28 april .", "28 61xx/ 202 5", "2025-04-28")],
)
def test_a_month_the_engine_read_fills_the_letters_the_classifier_saw(
    written: str, seen: str, expected: str
) -> None:
    """GIVEN a date with its month written as a word, the engine reading the month but
    garbling the digits, the classifier reading the digits but seeing only letters
    between them
    WHEN the date is interpreted
    THEN the day and year are the classifier's, the month the engine's."""
    read = TextRead(text=written, confidence=0.4, cuts=[cut_of(seen)])
    assert interpret_date(read, CONTEXT).value == expected


def test_a_snapped_month_name_is_no_surer_than_a_correction() -> None:
    """GIVEN a month name the engine garbled ("februnci") and clean digits around it
    WHEN the date is interpreted
    THEN it is under review."""
    read = TextRead(text="7 februnci 2025", confidence=0.4, cuts=[cut_of("7 xxxxx 2025")])
    assert interpret_date(read, CONTEXT).confidence < REVIEW_BELOW


def test_a_month_written_with_a_gap_in_it_is_still_one_month() -> None:
    """GIVEN "20 november 2025" whose month word the classifier saw as two groups of
    letters ("no vember") and the engine read "vovember"
    WHEN the date is interpreted
    THEN it is 20 November 2025."""
    read = TextRead(text="20 vovember", confidence=0.0, cuts=[cut_of("20 x0x x9x8x 2025")])
    assert interpret_date(read, CONTEXT).value == "2025-11-20"


def test_a_year_run_into_the_month_name_is_split_off() -> None:
    """GIVEN "3 september 2025" whose year the classifier saw joined to the month's
    letters ("5xx2025") and the engine read the month garbled
    WHEN the date is interpreted
    THEN it is 3 September 2025."""
    read = TextRead(text="2 seplelmber 20 25", confidence=0.0, cuts=[cut_of("3 5xx2025")])
    assert interpret_date(read, CONTEXT).value == "2025-09-03"


def test_a_year_cut_alone_follows_the_day_and_month_the_engine_read() -> None:
    """GIVEN "26 februari 2025" where the engine read the day and the month but not the
    year, and the classifier's cut holds only the year
    WHEN the date is interpreted
    THEN it is 26 February 2025, for a person to confirm when the month was garbled."""
    read = TextRead(text="26 Februari FÖRS", confidence=0.7, cuts=[cut_of("2025")])
    assert interpret_date(read, CONTEXT).value == "2025-02-26"
    garbled = TextRead(text="25 wars 3025", confidence=0.3, cuts=[cut_of("2025")])
    value = interpret_date(garbled, CONTEXT)
    assert value.value == "2025-03-25"
    assert value.confidence < REVIEW_BELOW


def test_a_two_letter_month_one_letter_off_is_a_guess_for_review() -> None:
    """GIVEN "4 maj 2024" whose month the engine read as "aj"
    WHEN the date is interpreted
    THEN it is 4 May 2024 and under review."""
    read = TextRead(text="7 aj 2034", confidence=0.0, cuts=[cut_of("4 xx 2024")])
    value = interpret_date(read, CONTEXT)
    assert value.value == "2024-05-04"
    assert value.confidence < REVIEW_BELOW


def test_a_stroke_opening_a_group_is_a_one() -> None:
    """GIVEN a date whose "18" begins with a one the classifier took for a slash
    WHEN the date is decoded as a whole
    THEN the day is 18."""
    read = TextRead(text="", confidence=0.0, cuts=[cut_of("2026 07 /8")])
    assert interpret_date(read, CONTEXT).value == "2026-07-18"


def test_a_year_run_into_the_month_is_split_off() -> None:
    """GIVEN "2/6 2026" cut with no gap seen before the year
    WHEN the date is decoded as a whole
    THEN it is 2 June 2026."""
    read = TextRead(text="", confidence=0.0, cuts=[cut_of("2/62026")])
    assert interpret_date(read, CONTEXT).value == "2026-06-02"


def test_cuts_that_read_no_date_weigh_against_the_one_that_does() -> None:
    """GIVEN a likely cut reading a date and equally likely cuts reading none
    WHEN the date is decoded as a whole
    THEN the date is read, less sure than from its cut alone."""
    alone = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut_of("20260314")]),
                           CONTEXT)
    cuts = [cut_of("20260314"), cut_of("202603144"), cut_of("2026031444")]
    diluted = interpret_date(TextRead(text="", confidence=0.0, cuts=cuts), CONTEXT)
    assert diluted.value == alone.value == "2026-03-14"
    assert diluted.confidence < alone.confidence


@pytest.mark.parametrize(("engine", "seen", "expected"), [("2", "68", 68), ("5", "50", 50),
                                                          ("90", "100", 100)])
def test_percent_the_engine_misread_is_decoded_from_the_cuts(
    engine: str, seen: str, expected: int
) -> None:
    """GIVEN a hand-written percent the engine read unsure and short ("2" for "68")
    and the digit classifier's cut reading it clearly
    WHEN it is interpreted
    THEN it is the number the classifier saw."""
    read = TextRead(text=engine, confidence=0.3, cuts=[cut_of(seen)])
    assert interpret_percent(read, CONTEXT).value == expected


def test_code_the_engine_misread_is_decoded_from_the_cuts() -> None:
    """GIVEN a code 6 the engine read as 4 with no confidence, and a clear cut of 6
    WHEN it is interpreted
    THEN it is 6, sure enough to pass."""
    read = TextRead(text="4", confidence=0.0, cuts=[cut_of("6", sure=0.999)])
    value = interpret_code(read, CONTEXT)
    assert value.value == 6 and value.confidence >= REVIEW_BELOW


def test_percent_readers_that_disagree_leave_it_to_a_person() -> None:
    """GIVEN the engine fairly sure of 25 and the classifier as sure of 75 (each glyph
    0.9, short of outvoting the engine)
    WHEN it is interpreted
    THEN a person decides (flagged), not either reader alone."""
    read = TextRead(text="25", confidence=0.8, cuts=[cut_of("75", sure=0.9)])
    value = interpret_percent(read, CONTEXT)
    assert value.value in (25, 75) and value.confidence < REVIEW_BELOW and value.problem


def test_percent_cuts_that_read_no_percent_weigh_nothing_for_another_value() -> None:
    """GIVEN cuts of "68" and of "687" (no percent)
    WHEN it is interpreted with nothing from the engine
    THEN it is 68."""
    read = TextRead(text="", confidence=0.0, cuts=[cut_of("68"), cut_of("687")])
    assert interpret_percent(read, CONTEXT).value == 68


def test_an_old_year_is_less_likely_than_a_recent_one_as_a_forms_date() -> None:
    """GIVEN cuts equally likely to read 2026-07-18 and 2010-07-18 ("26" and "10" look
    alike in someone's hand)
    WHEN the date is decoded as a whole
    THEN it is the recent date: a form is dated within a few years of being read."""
    cut = cut_of("20260718", doubts={2: {"2": 0.5, "1": 0.47}, 3: {"6": 0.5, "0": 0.47}})
    read = TextRead(text="", confidence=0.0, cuts=[cut])
    assert interpret_date(read, CONTEXT).value == "2026-07-18"
    cut = cut_of("20100718", doubts={2: {"1": 0.5, "2": 0.47}, 3: {"0": 0.5, "6": 0.47}})
    read = TextRead(text="", confidence=0.0, cuts=[cut])
    assert interpret_date(read, CONTEXT).value == "2026-07-18"


def test_a_date_in_the_future_is_flagged_however_clearly_written() -> None:
    """GIVEN a clearly written date a month after today (SUS rule 2: never ahead)
    WHEN it is interpreted
    THEN it is read as written but flagged."""
    ahead = CONTEXT.today.replace(day=1) + __import__("datetime").timedelta(days=40)
    value = interpret_date(read_of(ahead.isoformat()), CONTEXT)
    assert value.value == ahead.isoformat()
    assert value.confidence < REVIEW_BELOW and value.problem


def test_a_code_glyph_half_like_an_invalid_one_is_flagged() -> None:
    """GIVEN a code's one glyph the classifier sees as 6 (0.63) or 0 (0.18), which no
    code is, and nothing from the engine
    WHEN it is interpreted
    THEN it is 6, flagged: the 0 is as likely a misread glyph as a slip of the pen."""
    cut = cut_of("6", doubts={0: {"6": 0.63, "0": 0.18, "2": 0.01}})
    value = interpret_code(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == 6 and value.confidence < REVIEW_BELOW


def test_a_date_corrected_from_the_engines_alternatives_is_always_reviewed() -> None:
    """GIVEN "2026-13-14" read very surely, the engine listing 0 beside the 1
    WHEN it is interpreted with a review line far below its confidence
    THEN it is 2026-03-14, flagged as corrected all the same: a date has no check
    digit, so a value read otherwise than written is a guess."""
    read = read_of("2026-13-14", confidence=0.99, alternatives={5: [("1", 0.5), ("0", 0.5)]})
    value = interpret_date(read, replace(CONTEXT, review_below=0.3))
    assert value.value == "2026-03-14"
    assert value.problem == DATE_CORRECTED


def test_the_classifiers_date_wins_over_a_correction_of_the_engines() -> None:
    """GIVEN the engine reading "26 augusti 2029" (no such form date: corrected to
    another year from its alternatives) and the classifier's cuts reading 26 8 2024,
    not surely (one glyph in doubt)
    WHEN the date is interpreted
    THEN it is the classifier's 2024-08-26, not the engine's corrected guess."""
    engine = read_of("26 augusti 2029", confidence=0.9, alternatives={12: [("9", 0.6), ("3", 0.4)]})
    cuts = [cut_of("26 8 2024", doubts={6: {"4": 0.35, "1": 0.35, "7": 0.3}})]
    read = engine.model_copy(update={"cuts": cuts})
    value = interpret_date(read, CONTEXT)
    assert value.value == "2024-08-26"


@pytest.mark.parametrize(("written", "expected"),
                         [("5 febrvn 2025", "2025-02-05"), ("24 decenber 2024", "2024-12-24")])
def test_a_hand_written_month_read_with_its_head_right_is_that_month(
    written: str, expected: str
) -> None:
    """GIVEN a month name the engine read garbled after its first letters ("febrvn")
    or with one letter wrong ("decenber")
    WHEN the date is interpreted
    THEN it is that month's date, as sure as the engine was of what it read."""
    value = interpret_date(read_of(written), CONTEXT)
    assert value.value == expected


def test_a_percent_the_classifier_reads_otherwise_goes_to_a_person() -> None:
    """GIVEN an arbete_procent "75" the engine read as "25" (0.75) while the classifier
    read "75" glyph by glyph (0.995 each) with half of the field's probability, the rest
    on a cut of three glyphs
    WHEN the percent is interpreted
    THEN it is flagged as read differently by the two readers, not a silent 25."""
    from intake.mapping.numbers import VALUE_READERS_DISAGREE

    cuts = [cut_of("75", sure=0.995),
            cut_of("754", sure=0.995, doubts={2: {"4": 0.3, "0": 0.3}})]
    value = interpret_percent(TextRead(text="25", confidence=0.75, cuts=cuts), CONTEXT)
    assert value.problem == VALUE_READERS_DISAGREE  # a problem always goes to review


def test_a_code_the_classifier_is_sure_of_outvotes_the_engine() -> None:
    """GIVEN an avslutningsanledning 9 the engine read as "4" at 0.95 (Tesseract on a
    hand-written 9) while the classifier's one-glyph cut reads 9 at 0.998
    WHEN the code is interpreted
    THEN it is 9, above the review line."""
    read = TextRead(text="4", confidence=0.95, cuts=[cut_of("9", sure=0.998)])
    value = interpret_code(read, CONTEXT)
    assert value.value == 9
    assert value.confidence >= REVIEW_BELOW and value.problem is None


def test_a_percent_whose_digit_the_engine_lost_is_read_from_the_classifier() -> None:
    """GIVEN an arbete_procent "100" the engine read as "10" (0.54), the classifier's
    three-glyph cut sure of 100
    WHEN the percent is interpreted
    THEN it is 100 and needs no person."""
    read = TextRead(text="10", confidence=0.54, cuts=[cut_of("100", sure=0.995)])
    value = interpret_percent(read, CONTEXT)
    assert value.value == 100
    assert value.problem is None


def test_a_month_name_misread_in_a_third_of_its_letters_is_that_month_for_review() -> None:
    """GIVEN "20 november 2024" whose month the engine read "nevejuber" (three edits
    off november, four off any other month) and clean digits around it
    WHEN the date is interpreted with the review line fitted for dates
    THEN it is 20 November 2024, for a person to confirm."""
    read = TextRead(text="20 nevejuber 2024", confidence=0.3, cuts=[cut_of("20 xxxxxxxx 2024")])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2024-11-20"
    assert value.confidence < DATE_CONTEXT.review_below


def test_a_word_as_near_two_months_is_neither() -> None:
    """GIVEN a month the engine read "revenber" (about as near november as december)
    WHEN the date is interpreted
    THEN no date is made of it."""
    read = TextRead(text="18 revenber 2026", confidence=0.3, cuts=[cut_of("18 xxxxxxxx 2026")])
    assert interpret_date(read, DATE_CONTEXT).value is None


def test_a_month_abbreviated_and_misread_is_still_one_month() -> None:
    """GIVEN "14 apr 2026" read "14 aprl 2026" (as near "apr" as "april": one month)
    WHEN the date is interpreted
    THEN it is 14 April 2026."""
    assert interpret_date(read_of("14 aprl 2026"), CONTEXT).value == "2026-04-14"


def test_a_day_run_into_the_month_name_is_split_off() -> None:
    """GIVEN "10 februari 2025" written with no gap after the day ("10februari"), the
    classifier seeing the letters run on from the 10, the engine garbling the year
    WHEN the date is interpreted
    THEN it is 10 February 2025."""
    read = TextRead(text="10 febvari 2.035", confidence=0.0, cuts=[cut_of("10xxxxxxxx 2025")])
    assert interpret_date(read, CONTEXT).value == "2025-02-10"


def test_a_month_s_last_letter_seen_as_a_digit_before_the_year_is_the_month_s() -> None:
    """GIVEN "21mars 2026" whose "s" the classifier took for a 5 ("21x 52026") and
    whose month the engine read "ars"
    WHEN the date is interpreted
    THEN it is 21 March 2026: a year is four digits."""
    read = TextRead(text="2 ars 2026", confidence=0.0, cuts=[cut_of("21x 52026")])
    assert interpret_date(read, CONTEXT).value == "2026-03-21"


@pytest.mark.parametrize(
    ("written", "seen", "expected"),
    [("5 juni d2", "15 1111712026", "2026-06-15"),
     ("/8 november 2 02 /", "/8 x01/6317166317 2 02 4", "2024-11-18"),
     ("[47 november 26 25", "1 1 x101/63x61310 2025", "2025-11-11")],
)
def test_a_month_s_letters_run_into_the_year_leave_the_year_its_last_four_glyphs(
    written: str, seen: str, expected: str
) -> None:
    """GIVEN a date with its month written as a word the engine read, whose letters the
    classifier took for digits run into the year, no gap seen between them ("juni 2026"
    seen "1111712026"), or gaps seen inside the year ("2 02 4")
    WHEN the date is interpreted
    THEN the day is the short group before the letters, the year the last four glyphs,
    the month the engine's -- for a person to confirm, the letters' end being counted,
    not seen."""
    value = interpret_date(TextRead(text=written, confidence=0.3, cuts=[cut_of(seen)]),
                           DATE_CONTEXT)
    assert value.value == expected
    assert value.confidence < REVIEW_BELOW


def test_a_word_before_the_day_is_no_day_by_place() -> None:
    """GIVEN "den 4 februari 2025" cut with "den" as two glyphs before the day
    WHEN the month's letters are placed by counting
    THEN "den" and 4 together are no day (more than two glyphs): no date is made of them."""
    read = TextRead(text="den 4 februari 2025", confidence=0.3,
                    cuts=[cut_of("19 4 66x116717/2025")])
    assert interpret_date(read, DATE_CONTEXT).value != "2025-02-19"


def test_a_short_month_the_first_read_lost_is_read_by_the_rereads() -> None:
    """GIVEN "19 maj 2025" written by hand, the first read "19 aj 2025" (its m lost) and
    the line read again three times, "maj" letter-perfect in each
    WHEN the date is interpreted
    THEN it is 19 May 2025, above the review line: three reads of four agree."""
    read = TextRead(text="19 aj 2025", confidence=0.4, cuts=[cut_of("19 xxx 2025")],
                    rereads=["19 maj 2025", "/9 maj 2025", "19 maj 20s"])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2025-05-19"
    assert value.confidence >= DATE_CONTEXT.review_lines.line("date", REVIEW_BELOW)


def test_a_month_read_letter_perfect_once_but_not_again_is_for_a_person() -> None:
    """GIVEN "16 jan 2024" whose first read names "jun" letter-perfect, the three rereads
    naming no month ("mun", "pra", "jenn")
    WHEN the date is interpreted
    THEN it goes to review, whatever month it holds: one read of four is no reading."""
    read = TextRead(text="16 jun 2024", confidence=0.9, cuts=[cut_of("16 xxx 2024")],
                    rereads=["mun 202-4", "16 pra 2094", "6 jenn 202-4"])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.confidence < DATE_CONTEXT.review_lines.line("date", REVIEW_BELOW)


def test_reads_naming_two_months_leave_the_month_to_a_person() -> None:
    """GIVEN a short month's name read "jan" twice and "jun" twice
    WHEN the date is interpreted
    THEN it goes to review."""
    read = TextRead(text="4 jan 2025", confidence=0.9, cuts=[cut_of("4 xxx 2025")],
                    rereads=["4 jun 2025", "4 jan 2025", "4 jun 2025"])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.confidence < DATE_CONTEXT.review_lines.line("date", REVIEW_BELOW)


def test_a_garbled_word_far_from_every_month_is_no_month() -> None:
    """GIVEN a date whose word no read brings near a month's name ("xqzw", "pqrt")
    WHEN the date is interpreted
    THEN no date is made of it without review."""
    read = TextRead(text="4 xqzw 2025", confidence=0.9, cuts=[cut_of("4 xxxx 2025")],
                    rereads=["4 pqrt 2025", "4 xqzw 2025", "4 wqzv 2025"])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value is None or value.confidence < REVIEW_BELOW


def test_a_short_year_marked_after_a_month_s_name_is_read() -> None:
    """GIVEN "8 augusti -26" (a way people write a date)
    WHEN the date is interpreted
    THEN it is 8 August 2026."""
    assert interpret_date(read_of("8 augusti -26"), CONTEXT).value == "2026-08-08"


def test_den_before_a_date_of_digits_is_no_month_to_doubt() -> None:
    """GIVEN "den 14/3 2026" read alike four times (its word "den", no month's name)
    WHEN the date is interpreted
    THEN it is 14 March 2026 as sure as without the rereads."""
    alone = interpret_date(read_of("den 14/3 2026"), CONTEXT)
    again = interpret_date(read_of("den 14/3 2026").model_copy(
        update={"rereads": ["den 14/3 2026"] * 3}), CONTEXT)
    assert again.value == alone.value == "2026-03-14"
    assert again.confidence == alone.confidence


#: The shipped review lines with a contest line: a value whose glyph's runner-up makes
#: another valid value at 0.2 of its probability or more goes to a person.
CONTEST_LINES: ReviewLines = shipped_review_lines().model_copy(
    update={"contested": 0.2, "contested_right": 0.6})


def contested(kind: str) -> Context:
    """A field of type ``kind``'s context as the pipeline makes it, with the contest line."""
    return replace(CONTEXT, review_lines=CONTEST_LINES).for_type(kind)


def test_a_code_both_readers_agree_on_goes_to_a_person_when_its_glyph_is_contested() -> None:
    """GIVEN an avslutningsanledning 7 the engine read as "4" at 0.92 and the classifier
    read as 4 with the 7 a close runner-up (0.26: as on hand-real300 seed 77)
    WHEN the code is interpreted
    THEN it is 4 but flagged, no surer than such codes were on the calibration forms."""
    cut = cut_of("4", doubts={0: {"4": 0.7, "7": 0.26}})
    value = interpret_code(TextRead(text="4", confidence=0.92, cuts=[cut]),
                           contested("code"))
    assert value.value == 4 and value.problem == DIGIT_CONTESTED
    assert value.confidence <= 0.6


def test_a_percent_whose_leading_digit_is_contested_goes_to_a_person() -> None:
    """GIVEN an arbete_procent "75" the classifier read as 95, its 7 at nearly the 9's
    probability, the engine reading "15" unsure
    WHEN the percent is interpreted
    THEN it is flagged for a person (not a silent 95)."""
    cut = cut_of("95", sure=0.99, doubts={0: {"9": 0.5, "7": 0.45}})
    value = interpret_percent(TextRead(text="15", confidence=0.29, cuts=[cut]),
                              contested("percent"))
    assert value.problem is not None


def test_a_date_whose_day_could_be_another_real_day_goes_to_a_person() -> None:
    """GIVEN an avslutningsdatum "21/3 2025" whose 2 the classifier gave 0.7 and a 3
    0.3 (day 31: as real), the engine agreeing at 0.87
    WHEN the date is interpreted
    THEN it is flagged as contested, whatever the engine's confidence."""
    cut = cut_of("21/3 2025", sure=0.995, doubts={0: {"2": 0.7, "3": 0.28}})
    value = interpret_date(TextRead(text="21/3 2025", confidence=0.87, cuts=[cut]),
                           contested("date"))
    assert value.value == "2025-03-21" and value.problem == DIGIT_CONTESTED


def test_a_date_whose_runner_up_makes_no_real_date_is_not_contested() -> None:
    """GIVEN "29/3 2025" whose 2 the classifier gave 0.7 and a 4 0.28 (day 49: no date)
    WHEN the date is interpreted with the engine agreeing at 0.95
    THEN nothing contests it: it passes."""
    cut = cut_of("29/3 2025", sure=0.995, doubts={0: {"2": 0.7, "4": 0.28}})
    value = interpret_date(TextRead(text="29/3 2025", confidence=0.95, cuts=[cut]),
                           contested("date"))
    assert value.value == "2025-03-29" and value.problem is None
    assert value.contested < 0.05


def test_a_clearly_written_date_is_not_contested() -> None:
    """GIVEN "14/3 2025" with every glyph clear
    WHEN the date is interpreted with a contest line
    THEN it passes, barely contested."""
    cut = cut_of("14/3 2025", sure=0.995)
    value = interpret_date(TextRead(text="14/3 2025", confidence=0.95, cuts=[cut]),
                           contested("date"))
    assert value.problem is None and value.contested < 0.2


def test_a_day_only_the_engine_read_goes_to_a_person() -> None:
    """GIVEN "9 oktober 2025" the engine read as "4 oktober 2025" (0.72) while the
    classifier's cut of the line holds only the year (hand-real300 seed 77)
    WHEN the date is interpreted
    THEN it is the engine's date but under review: one reader's digit, unchecked."""
    read = TextRead(text="4 oktober 2025", confidence=0.72, cuts=[cut_of("2025")])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2025-10-04" and value.problem == DATE_UNSURE


def test_the_shipped_contest_line_sends_a_percent_read_from_a_contested_glyph() -> None:
    """GIVEN the shipped review lines and an arbete_procent "75" the classifier read as
    95, its 7 at 0.45 beside the 9's 0.5 (hand-real300 seed 77, silent at 0.49 before)
    WHEN the percent is interpreted as the pipeline does
    THEN it goes to a person."""
    cut = cut_of("95", sure=0.99, doubts={0: {"9": 0.5, "7": 0.45}})
    context = replace(CONTEXT, review_lines=shipped_review_lines()).for_type("percent")
    value = interpret_percent(TextRead(text="15", confidence=0.29, cuts=[cut]), context)
    assert value.problem is not None


def test_a_typed_day_the_engine_read_surely_passes_though_the_cut_holds_only_the_year(
) -> None:
    """GIVEN a typed "25 januari 2024" the engine read at 0.95, the classifier's cut of
    the line holding only the year (typed-office300 seed 80)
    WHEN the date is interpreted
    THEN it passes: the engine is as sure as a field must be without a fitted line."""
    read = TextRead(text="25 januari 2024", confidence=0.95, cuts=[cut_of("2024")])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2024-01-25" and value.problem is None


def _month_word(month: int, chance: float) -> list[float]:
    """The month classifier's reading of a word: ``month`` (13: no month) at
    ``chance``, the rest spread over the other classes."""
    rest = (1.0 - chance) / 12
    return [chance if number == month else rest for number in range(1, 14)]


def test_a_month_only_the_month_classifier_read_fills_the_date_for_review() -> None:
    """GIVEN "8 maj 2026" whose month the engine read as "w" (no month) and the month
    classifier read as maj, sure
    WHEN the date is interpreted
    THEN it is 8 May 2026, for a person to confirm."""
    read = TextRead(text="8 w 2026", confidence=0.3, cuts=[cut_of("8 xx 2026")],
                    rereads=["8 w 2026", "8 1 2026", ""], month_word=_month_word(5, 0.97))
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2026-05-08"
    assert value.confidence < DATE_CONTEXT.review_below


def test_a_month_classifier_that_disagrees_with_the_engine_sends_the_date_to_review(
) -> None:
    """GIVEN "12 juni 2025" read "juni" letter-perfect by every read of the engine, and
    the month classifier sure it is juli
    WHEN the date is interpreted
    THEN the engine's month stands and a person decides."""
    read = TextRead(text="12 juni 2025", confidence=0.95, cuts=[cut_of("12 xxxx 2025")],
                    rereads=["12 juni 2025"] * 3, month_word=_month_word(7, 0.95))
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2025-06-12"
    assert value.confidence < REVIEW_BELOW
    agreeing = read.model_copy(update={"month_word": _month_word(6, 0.95)})
    assert interpret_date(agreeing, DATE_CONTEXT).confidence >= REVIEW_BELOW


def test_a_word_the_month_classifier_finds_no_month_leaves_the_engine_to_read_it() -> None:
    """GIVEN a date whose word the month classifier finds no month, or no month clearly
    WHEN the date is interpreted
    THEN it reads as the engine's reads have it."""
    read = TextRead(text="12 juni 2025", confidence=0.95, cuts=[cut_of("12 xxxx 2025")],
                    rereads=["12 juni 2025"] * 3)
    expected = interpret_date(read, DATE_CONTEXT)
    for unsure in (_month_word(13, 0.9), _month_word(7, 0.4)):
        value = interpret_date(read.model_copy(update={"month_word": unsure}), DATE_CONTEXT)
        assert (value.value, value.confidence) == (expected.value, expected.confidence)


@pytest.mark.parametrize(("cut", "meant"), [("14 3 26", "2026-03-14"), ("8 8 26", "2026-08-08"),
                                            ("08 08 26", "2026-08-08")])
def test_a_short_year_after_dots_is_the_day_first(cut: str, meant: str) -> None:
    """GIVEN "14.3.26" (or "08.08.26") cut with a gap at each dot, as the classifier
    cuts any separator it cannot tell (as written with spaces: no date, or 2008-08-26)
    WHEN the date is interpreted from the classifier's cut alone
    THEN it reads day, month, year, as a form's date written so is meant."""
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut_of(cut)]), CONTEXT)
    assert value.value == meant


def test_a_letter_before_a_date_written_after_words_is_no_digit_of_it() -> None:
    """GIVEN "Vinsiker den 25/5 2024" whose date part was cut with the last letter of
    "den" before it ("x 25/5 2024")
    WHEN the date is interpreted from the classifier's cut alone
    THEN it reads 2024-05-25, not no date."""
    cut = cut_of("x 25/5 2024", sure=0.995)
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == "2024-05-25"


def test_a_years_first_glyph_seen_as_another_digit_is_the_century_the_form_allows() -> None:
    """GIVEN the engine fairly sure of 2025-08-03 and the classifier's cut "7025 08 08",
    its day sure, its year's 2 seen as a 7 (a fax)
    WHEN the date is interpreted
    THEN the classifier's 2025-08-08 stands against the engine's: the two readers
    disagree and a person decides (the 7 had made the cut read no date, and the
    engine's misread day passed unreviewed)."""
    read = TextRead(text="2025-08-03", confidence=0.61, cuts=[cut_of("7025 08 08", sure=0.99)])
    value = interpret_date(read, DATE_CONTEXT)
    assert value.value == "2025-08-08"
    assert value.problem == DATE_READERS_DISAGREE


def test_a_year_first_with_month_and_day_run_together_keeps_its_month() -> None:
    """GIVEN "2025-0602" cut "2025 0602" (the dash seen, none between month and day)
    WHEN the date is interpreted from the classifier's cut alone
    THEN it reads 2025-06-02: "0602" is no year whose century the form's range sets."""
    cut = cut_of("2025 0602", sure=0.99)
    value = interpret_date(TextRead(text="", confidence=0.0, cuts=[cut]), CONTEXT)
    assert value.value == "2025-06-02"
