"""Personnummer and samordningsnummer as written on the forms (SPEC §4)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from intake.errors import ParseError
from intake.sus import personnummer as pn
from intake.sus.codes import Kon
from intake.sus.personnummer import (
    ParsedPnr,
    Personnummer,
    is_valid_personnummer,
    luhn_digit,
    parse_personnummer,
    parse_personnummer_lenient,
)

TODAY = date(2026, 11, 25)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "personnummer"
SAMPLES = Path(__file__).parents[2] / "intake" / "samples" / "data"
FORMATS = ("long_format", "short_format", "separated_format", "separated_long")


def _fixture(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _written_cases(name: str, *, with_space: bool = False) -> list[Any]:
    """One case per written format of each entry, optionally only those with a space."""
    return [
        pytest.param(entry[fmt], entry, id=f"{entry[fmt]}-{fmt}")
        for entry in _fixture(name)
        for fmt in FORMATS
        if fmt in entry and (" " in entry[fmt]) is with_space
    ]


def _sample_numbers(name: str) -> list[str]:
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _with_check(eleven: str) -> str:
    """Eleven digits YYYYMMDDNNN completed with their Luhn check digit."""
    return f"{eleven}{luhn_digit(eleven[2:])}"


def _date_tuple(value: str) -> tuple[int, int, int]:
    day = int(value[6:8])
    return int(value[:4]), int(value[4:6]), day - 60 if day >= 60 else day


def _short_written(pnr: Personnummer, today: date) -> str:
    """The 10-digit form with ``+`` for those aged 100 or more on ``today``."""
    year, month, day = _date_tuple(pnr.value)
    centenarian = (year + 100, month, day) <= (today.year, today.month, today.day)
    return f"{pnr.value[2:8]}{'+' if centenarian else '-'}{pnr.value[8:]}"


@st.composite
def valid_personnummer(draw: st.DrawFn, earliest: date = date(1800, 1, 1)) -> Personnummer:
    """Valid personnummer and samordningsnummer (some with unknown month or day)."""
    birth = draw(st.dates(min_value=earliest, max_value=TODAY))
    month, day = birth.month, birth.day
    if draw(st.booleans()):
        day += 60
        month = draw(st.sampled_from([month, month, 0]))
        day = draw(st.sampled_from([day, day, 60]))
    serial = draw(st.integers(min_value=1, max_value=999))
    return Personnummer(value=_with_check(f"{birth.year:04d}{month:02d}{day:02d}{serial:03d}"))


# --- the peer fixture list.json ---------------------------------------------------------


@pytest.mark.parametrize(("written", "entry"), _written_cases("list"))
def test_list_fixture_validity_and_sex_agree(written: str, entry: dict[str, Any]) -> None:
    """
    GIVEN a number of the peer fixture list.json in one of its written formats
    WHEN it is read with today fixed at 2026-11-25
    THEN it is valid exactly when the fixture says so, with the fixture's sex
    """
    parsed = parse_personnummer_lenient(written, today=TODAY)

    assert parsed.is_valid is entry["valid"]
    assert parsed.digits is not None
    assert parsed.digits[2:] == entry["long_format"][2:]
    assert (int(parsed.digits[10]) % 2 == 1) is entry["isMale"]
    if entry["valid"]:
        assert (parse_personnummer(written, today=TODAY).kon is Kon.MAN) is entry["isMale"]


@pytest.mark.parametrize(("written", "entry"), _written_cases("list", with_space=True))
def test_list_fixture_space_as_separator_is_read_like_no_separator(
    written: str, entry: dict[str, Any]
) -> None:
    """
    GIVEN a list.json entry written with a space where the hyphen goes (the peer
        libraries call it invalid; we accept spaces anywhere, as people write them)
    WHEN it is read
    THEN it is read exactly as the same digits without the space
    """
    without_space = written.replace(" ", "")

    parsed = parse_personnummer_lenient(written, today=TODAY)

    assert parsed == parse_personnummer_lenient(without_space, today=TODAY)
    assert parsed.is_valid


def test_plus_separator_puts_the_birth_a_century_earlier() -> None:
    """
    GIVEN 090527+1474 and 0905271474 (same digits, with and without plus)
    WHEN both are read in 2026
    THEN the plus one is born 1909 and the other 2009, both with inferred century
    """
    old = parse_personnummer_lenient("090527+1474", today=TODAY)
    young = parse_personnummer_lenient("0905271474", today=TODAY)

    assert (old.digits, old.century_inferred) == ("190905271474", True)
    assert (young.digits, young.century_inferred) == ("200905271474", True)


def test_plus_with_twelve_digits_keeps_the_written_century() -> None:
    """
    GIVEN 20000229+2399: 12 digits with a plus although the person is 26
    WHEN it is read
    THEN the written century counts and the plus is ignored
    """
    parsed = parse_personnummer_lenient("20000229+2399", today=TODAY)

    assert (parsed.digits, parsed.century_inferred, parsed.problem) == (
        "200002292399",
        False,
        None,
    )


def test_ten_digits_born_later_this_year_in_last_century() -> None:
    """
    GIVEN a 10-digit number whose date is later in the year than today
    WHEN it is read on 2026-11-25
    THEN the person was born in the previous century, not next month
    """
    written = _with_check("1926112600" + "1")[2:]

    assert parse_personnummer(written, today=TODAY).value.startswith("19261126")
    assert parse_personnummer(written, today=date(2026, 11, 26)).value.startswith("20261126")


# --- Skatteverket's test numbers ----------------------------------------------------------


def test_every_skatteverket_test_personnummer_is_valid() -> None:
    """
    GIVEN Skatteverket's 41,129 official test personnummer
    WHEN each is read
    THEN each is valid and kept as written
    """
    numbers = _sample_numbers("test_personnummer.txt")

    rejected = [n for n in numbers if parse_personnummer(n, today=TODAY).value != n]

    assert len(numbers) == 41_129
    assert rejected == []


def test_every_skatteverket_test_samordningsnummer_is_valid() -> None:
    """
    GIVEN Skatteverket's 2,264 official test samordningsnummer (incl. unknown dates
        and dates such as 30 February)
    WHEN each is read
    THEN each is a valid samordningsnummer, kept as written
    """
    numbers = _sample_numbers("test_samordningsnummer.txt")

    parsed = [parse_personnummer(n, today=TODAY) for n in numbers]

    assert len(numbers) == 2_264
    assert [p.value for p in parsed] == numbers
    assert all(p.is_samordningsnummer for p in parsed)


# --- numbers that must be rejected --------------------------------------------------------


@pytest.mark.parametrize(("written", "entry"), _written_cases("interim"))
def test_interim_number_is_rejected(written: str, entry: dict[str, Any]) -> None:
    """
    GIVEN an interimsnummer (a letter in place of a digit) from interim.json
    WHEN it is read
    THEN it is rejected as having a letter, and no digits are kept
    """
    with pytest.raises(ParseError, match="bokstav"):
        parse_personnummer(written, today=TODAY)
    assert parse_personnummer_lenient(written, today=TODAY).digits is None


@pytest.mark.parametrize(
    "written",
    [entry[fmt] for entry in _fixture("orgnumber") for fmt in FORMATS if fmt in entry],
)
def test_organisation_number_is_rejected(written: str) -> None:
    """
    GIVEN an organisationsnummer from orgnumber.json (month 20 or more)
    WHEN it is read as a personnummer
    THEN it is rejected as an organisationsnummer
    """
    with pytest.raises(ParseError, match="organisationsnummer"):
        parse_personnummer(written, today=TODAY)


def test_organisation_number_with_16_prefix_is_rejected() -> None:
    """
    GIVEN an organisationsnummer written with the 16 prefix (12 digits)
    WHEN it is read
    THEN it is rejected as an organisationsnummer
    """
    assert parse_personnummer_lenient("16802005-1952", today=TODAY).problem == (
        pn.ORGANISATION_NUMBER
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param("", pn.MISSING, id="empty"),
        pytest.param("   ", pn.MISSING, id="only-spaces"),
        pytest.param("85031412345", "10 eller 12 siffror", id="11-digits"),
        pytest.param("850314123", "10 eller 12 siffror", id="9-digits"),
        pytest.param("1985031412345", "10 eller 12 siffror", id="13-digits"),
        pytest.param("850314/1234", pn.BAD_CHARACTERS, id="slash"),
        pytest.param("８５０３１４１２３４", pn.BAD_CHARACTERS, id="fullwidth-digits"),
        pytest.param("85O314-1234", pn.LETTER, id="letter-o-for-zero"),
        pytest.param("8503-141234", pn.BAD_SEPARATOR, id="hyphen-misplaced"),
        pytest.param("850314--1234", pn.BAD_SEPARATOR, id="two-hyphens"),
        pytest.param("850314-+1234", pn.BAD_SEPARATOR, id="hyphen-and-plus"),
        pytest.param("19811218-9875", pn.WRONG_CHECK_DIGIT, id="check-digit"),
        pytest.param(_with_check("19850230123"), pn.NO_SUCH_DATE, id="30-february"),
        pytest.param(_with_check("19850014123"), pn.NO_SUCH_DATE, id="month-00-not-samordning"),
        pytest.param(_with_check("19851300123"), pn.NO_SUCH_DATE, id="month-13"),
        pytest.param(_with_check("19850300123"), pn.NO_SUCH_DATE, id="day-00"),
        pytest.param(_with_check("19850345123"), pn.NO_SUCH_DATE, id="day-45"),
        pytest.param(_with_check("19851292123"), pn.NO_SUCH_DATE, id="samordning-day-92"),
        pytest.param(_with_check("19001389123"), pn.NO_SUCH_DATE, id="samordning-month-13"),
        pytest.param(_with_check("19000229123"), pn.NO_SUCH_DATE, id="29-feb-1900-not-leap"),
        pytest.param(_with_check("20230229123"), pn.NO_SUCH_DATE, id="29-feb-2023-not-leap"),
        pytest.param(_with_check("19850314000"), pn.NO_SUCH_SERIAL, id="serial-000"),
        pytest.param(_with_check("20261126123"), pn.FUTURE_BIRTH, id="born-tomorrow"),
        pytest.param(_with_check("20270086123"), pn.FUTURE_BIRTH, id="samordning-next-year"),
        pytest.param(_with_check("17990314123"), pn.IMPLAUSIBLE_YEAR, id="year-1799"),
    ],
)
def test_invalid_number_is_rejected_with_swedish_message(written: str, message: str) -> None:
    """
    GIVEN a written number that is not a valid personnummer
    WHEN it is read
    THEN ParseError says in Swedish what is wrong
    """
    with pytest.raises(ParseError, match=message):
        parse_personnummer(written, today=TODAY)
    assert not is_valid_personnummer(written, today=TODAY)


def test_lenient_keeps_what_is_written_when_check_digit_is_wrong() -> None:
    """
    GIVEN 811218-9875 (check digit should be 6)
    WHEN it is read leniently
    THEN the 12 digits are kept with the century inferred and the problem named
    """
    assert parse_personnummer_lenient("811218-9875", today=TODAY) == ParsedPnr(
        digits="198112189875", century_inferred=True, problem=pn.WRONG_CHECK_DIGIT
    )


def test_lenient_has_no_digits_for_wrong_length() -> None:
    """
    GIVEN a number with 11 digits
    WHEN it is read leniently
    THEN no digits are kept and the problem names the length
    """
    parsed = parse_personnummer_lenient("8112189876 5", today=TODAY)

    assert parsed.digits is None
    assert parsed.problem is not None and parsed.problem.startswith(pn.WRONG_LENGTH)


# --- what people write that must be accepted ----------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "198112189876",
        "8112189876",
        "811218-9876",
        "19811218-9876",
        " 19811218 - 9876 ",
        "8 1 1 2 1 8 9 8 7 6",
        "811218\u20139876",
        "811218\u00a09876",
    ],
)
def test_usual_ways_of_writing_give_the_same_number(written: str) -> None:
    """
    GIVEN 811218-9876 written with or without century, hyphen, en dash or spaces
    WHEN it is read
    THEN it is the same 12-digit personnummer
    """
    assert parse_personnummer(written, today=TODAY).value == "198112189876"


def test_twelve_digits_do_not_infer_the_century() -> None:
    """
    GIVEN the same number with 12 and with 10 digits
    WHEN both are read
    THEN only the 10-digit one has its century inferred
    """
    assert not parse_personnummer_lenient("198112189876", today=TODAY).century_inferred
    assert parse_personnummer_lenient("8112189876", today=TODAY).century_inferred


def test_today_defaults_to_the_real_date() -> None:
    """
    GIVEN no today argument
    WHEN a number is read
    THEN it is read against the real date
    """
    assert parse_personnummer("811218-9876").value == "198112189876"
    assert is_valid_personnummer("811218-9876")


# --- the Personnummer model -----------------------------------------------------------------


def test_sex_comes_from_the_eleventh_digit() -> None:
    """
    GIVEN a number with an odd and one with an even 11th digit
    WHEN kon is asked
    THEN odd is man and even is kvinna
    """
    assert Personnummer(value=_with_check("19850314123")).kon is Kon.MAN
    assert Personnummer(value=_with_check("19850314124")).kon is Kon.KVINNA


def test_samordningsnummer_birth_date_is_day_minus_60() -> None:
    """
    GIVEN samordningsnummer 19850374-NNNC (day 74 = the 14th)
    WHEN its birth date is asked
    THEN it is 14 March 1985 and it is a samordningsnummer
    """
    pnr = parse_personnummer(_with_check("19850374123"), today=TODAY)

    assert pnr.birth_date == date(1985, 3, 14)
    assert pnr.is_samordningsnummer


@pytest.mark.parametrize(
    "eleven",
    [
        pytest.param("19850074123", id="month-unknown"),
        pytest.param("19850360123", id="day-unknown"),
        pytest.param("19850060123", id="both-unknown"),
        pytest.param("19850290123", id="30-february"),
    ],
)
def test_samordningsnummer_without_real_date_has_no_birth_date(eleven: str) -> None:
    """
    GIVEN a samordningsnummer with unknown month (00), unknown day (60) or 30 February
    WHEN it is read
    THEN it is valid and its birth date is None
    """
    pnr = parse_personnummer(_with_check(eleven), today=TODAY)

    assert pnr.birth_date is None
    assert pnr.is_samordningsnummer


def test_ordinary_personnummer_is_not_samordningsnummer() -> None:
    """
    GIVEN 19811218-9876
    WHEN it is read
    THEN it is no samordningsnummer and its birth date is 18 December 1981
    """
    pnr = parse_personnummer("19811218-9876", today=TODAY)

    assert not pnr.is_samordningsnummer
    assert pnr.birth_date == date(1981, 12, 18)


def test_text_forms_mask_the_last_four_digits() -> None:
    """
    GIVEN a personnummer
    WHEN it is turned into text
    THEN str, repr and masked hide the last four digits; formatted shows them
    """
    pnr = parse_personnummer("198112189876", today=TODAY)

    assert pnr.masked() == "19811218-****"
    assert str(pnr) == f"{pnr}" == "19811218-****"
    assert "9876" not in repr(pnr)
    assert pnr.formatted() == "19811218-9876"


def test_errors_do_not_reveal_the_number() -> None:
    """
    GIVEN 12 digits with a wrong check digit, and leniently read digits
    WHEN the model refuses them or the result is shown
    THEN neither the validation error nor the repr shows the digits
    """
    with pytest.raises(ValidationError) as refused:
        Personnummer(value="198112189875")
    parsed = parse_personnummer_lenient("198112189875", today=TODAY)

    assert "9875" not in str(refused.value)
    assert "9875" not in repr(parsed) and "9875" not in str(parsed)


@pytest.mark.parametrize("value", ["8112189876", "19811218-9876", "1981121898７6"])
def test_model_accepts_only_twelve_digits(value: str) -> None:
    """
    GIVEN a value that is not exactly 12 ASCII digits
    WHEN a Personnummer is built from it
    THEN the model refuses it
    """
    with pytest.raises(ValidationError):
        Personnummer(value=value)


def test_model_is_frozen() -> None:
    """
    GIVEN a Personnummer
    WHEN its value is assigned
    THEN the model refuses
    """
    pnr = parse_personnummer("198112189876", today=TODAY)

    with pytest.raises(ValidationError):
        pnr.value = "198112189876"


def test_luhn_digit_of_known_number() -> None:
    """
    GIVEN the nine digits 811218987
    WHEN the Luhn digit is computed
    THEN it is 6 (811218-9876)
    """
    assert luhn_digit("811218987") == 6


@pytest.mark.parametrize("nine", ["81121898", "8112189870", "81121898x"])
def test_luhn_digit_needs_nine_digits(nine: str) -> None:
    """
    GIVEN something other than nine digits
    WHEN the Luhn digit is computed
    THEN ValueError is raised
    """
    with pytest.raises(ValueError, match="nine digits"):
        luhn_digit(nine)


# --- properties -------------------------------------------------------------------------------


@given(pnr=valid_personnummer())
def test_twelve_digit_forms_round_trip(pnr: Personnummer) -> None:
    """
    GIVEN any valid personnummer or samordningsnummer
    WHEN its 12-digit and YYYYMMDD-NNNC forms are read
    THEN the same number comes back
    """
    assert parse_personnummer(pnr.value, today=TODAY) == pnr
    assert parse_personnummer(pnr.formatted(), today=TODAY) == pnr


# From 1827: a samordningsnummer with month 00 born in 1826 may be 200 years old or not.
@given(pnr=valid_personnummer(earliest=date(1827, 1, 1)))
def test_ten_digit_forms_round_trip_relative_to_today(pnr: Personnummer) -> None:
    """
    GIVEN any valid number of someone born in the last 200 years
    WHEN it is written with 10 digits, with + if aged 100 or more (else - or nothing)
    THEN reading it on the same day gives the same number back
    """
    written = _short_written(pnr, TODAY)

    assert parse_personnummer(written, today=TODAY) == pnr
    if "-" in written:
        assert parse_personnummer(written.replace("-", ""), today=TODAY) == pnr


@given(pnr=valid_personnummer())
def test_masked_never_shows_the_last_four_digits(pnr: Personnummer) -> None:
    """
    GIVEN any valid number
    WHEN it is masked
    THEN only YYYYMMDD is shown and the last four are stars
    """
    assert pnr.masked() == f"{pnr.value[:8]}-****"
    assert str(pnr) == pnr.masked()
    assert pnr.value not in repr(pnr)


@given(pnr=valid_personnummer(), position=st.integers(0, 11), shift=st.integers(1, 9))
def test_single_changed_digit_is_caught(pnr: Personnummer, position: int, shift: int) -> None:
    """
    GIVEN a valid number with one digit changed
    WHEN it is read
    THEN it is rejected (always, within YYMMDDNNNC), or it is another valid number
    """
    changed_digit = str((int(pnr.value[position]) + shift) % 10)
    changed = pnr.value[:position] + changed_digit + pnr.value[position + 1 :]

    parsed = parse_personnummer_lenient(changed, today=TODAY)

    if position >= 2:
        assert not parsed.is_valid
    else:
        assert not parsed.is_valid or parsed.digits != pnr.value


@given(pnr=valid_personnummer(), data=st.data())
def test_spaces_anywhere_are_ignored(pnr: Personnummer, data: st.DataObject) -> None:
    """
    GIVEN a valid number written YYYYMMDD-NNNC with spaces put anywhere
    WHEN it is read
    THEN it is the same number
    """
    text = pnr.formatted()
    spaces = data.draw(st.lists(st.sampled_from(["", " ", "  "]), min_size=14, max_size=14))
    written = "".join(space + char for space, char in zip(spaces, text + " ", strict=True))

    assert parse_personnummer(written, today=TODAY) == pnr


@given(text=st.text(max_size=20))
def test_lenient_reading_never_raises(text: str) -> None:
    """
    GIVEN any text at all
    WHEN it is read leniently
    THEN a result comes back, with a problem unless it is valid
    """
    parsed = parse_personnummer_lenient(text, today=TODAY)

    assert parsed.is_valid is (parsed.problem is None)
    assert parsed.is_valid is is_valid_personnummer(text, today=TODAY)
