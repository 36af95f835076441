"""Written dates, percentages and codes (SPEC §2 value types)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.errors import ParseError
from intake.sus import values
from intake.sus.values import format_date_variants, parse_code, parse_date, parse_percent

TODAY = date(2026, 11, 25)
PI_DAY = date(2026, 3, 14)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-14",
        "20260314",
        "2026.03.14",
        "2026/03/14",
        "2026-3-14",
        "2026 03 14",
        "14/3 2026",
        "14/3-2026",
        "14/3/2026",
        "14.3.2026",
        "14-3-2026",
        "14/03/2026",
        "14 mars 2026",
        "14 MARS 2026",
        "14 Mars 2026",
        "14 mar 2026",
        "14 mar. 2026",
        "14. mars 2026",
        "14mars2026",
        "den 14 mars 2026",
        "260314",
        "26-03-14",
        "14/3-26",
        "14.3.26",
    ],
)
def test_written_date_style_is_read(written: str) -> None:
    """
    GIVEN 14 March 2026 written in one of the ways people write dates on paper
    WHEN it is parsed
    THEN it is 2026-03-14
    """
    assert parse_date(written, today=TODAY) == PI_DAY


@pytest.mark.parametrize(
    "written",
    [
        " 2026-03-14 ",
        "2026 - 03 - 14",
        "2026-03 -14",
        "2 026-03-14",
        "2026031 4",
        "14 / 3  2026",
        "14/3 2026.",
        "14 mar s 2026",
        "2026\u201303\u201314",
        "\t14 mars\n2026",
    ],
)
def test_stray_spaces_and_dashes_are_tolerated(written: str) -> None:
    """
    GIVEN 14 March 2026 with stray spaces, tabs, a trailing full stop or en dashes
    WHEN it is parsed
    THEN it is 2026-03-14
    """
    assert parse_date(written, today=TODAY) == PI_DAY


@pytest.mark.parametrize(
    ("name", "month"),
    [
        *((name, number) for number, name in enumerate(values.MONTH_NAMES, start=1)),
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("sept", 9),
        ("okt", 10),
        ("nov", 11),
        ("dec", 12),
    ],
)
def test_swedish_month_names_and_abbreviations(name: str, month: int) -> None:
    """
    GIVEN the 1st of a month written with its Swedish name or abbreviation
    WHEN it is parsed
    THEN the month is right
    """
    assert parse_date(f"1 {name} 2026", today=TODAY) == date(2026, month, 1)
    assert parse_date(f"1 {name.upper()} 2026", today=TODAY) == date(2026, month, 1)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("991231", date(1999, 12, 31), id="99-is-1999"),
        pytest.param("46-01-01", date(2046, 1, 1), id="20-years-ahead-is-this-century"),
        pytest.param("47-01-01", date(1947, 1, 1), id="more-than-20-ahead-is-last-century"),
        pytest.param("000101", date(2000, 1, 1), id="00-is-2000"),
        pytest.param("8 augusti -26", date(2026, 8, 8), id="month-name-dash-26"),
        pytest.param("8 aug '26", date(2026, 8, 8), id="month-abbreviation-apostrophe-26"),
    ],
)
def test_two_digit_year_is_put_near_today(written: str, expected: date) -> None:
    """
    GIVEN a date with a two-digit year
    WHEN it is parsed on 2026-11-25
    THEN the year is at most 20 years ahead of today
    """
    assert parse_date(written, today=TODAY) == expected


def test_leap_day_is_read() -> None:
    """
    GIVEN 29 February of a leap year in several styles
    WHEN it is parsed
    THEN it is that date
    """
    for written in ("2024-02-29", "29/2 2024", "29 februari 2024", "20000229"):
        assert parse_date(written, today=TODAY) in (date(2024, 2, 29), date(2000, 2, 29))


def test_future_date_is_not_rejected_here() -> None:
    """
    GIVEN a date after today
    WHEN it is parsed
    THEN it is returned (whether it is allowed is a rule checked elsewhere)
    """
    assert parse_date("2099-12-31", today=TODAY) == date(2099, 12, 31)


def test_today_defaults_to_the_real_date() -> None:
    """
    GIVEN no today argument
    WHEN a date with a four-digit year is parsed
    THEN it is read
    """
    assert parse_date("2026-03-14") == PI_DAY


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param("2026-02-29", values.NO_SUCH_DATE, id="29-feb-not-leap"),
        pytest.param("1900-02-29", values.NO_SUCH_DATE, id="29-feb-1900"),
        pytest.param("2026-02-30", values.NO_SUCH_DATE, id="30-feb"),
        pytest.param("31/4 2026", values.NO_SUCH_DATE, id="31-april"),
        pytest.param("2026-13-01", values.NO_SUCH_DATE, id="month-13"),
        pytest.param("2026-00-10", values.NO_SUCH_DATE, id="month-00"),
        pytest.param("2026-03-00", values.NO_SUCH_DATE, id="day-00"),
        pytest.param("32 mars 2026", values.NO_SUCH_DATE, id="32-mars"),
        pytest.param("20260230", values.NO_SUCH_DATE, id="compact-30-feb"),
        pytest.param("261332", values.NO_SUCH_DATE, id="short-month-13"),
        pytest.param("1899-12-31", values.YEAR_OUT_OF_RANGE, id="year-1899"),
        pytest.param("2101-01-01", values.YEAR_OUT_OF_RANGE, id="year-2101"),
        pytest.param("14 marz 2026", values.UNKNOWN_MONTH, id="misspelt-month"),
        pytest.param("14 march 2026", values.UNKNOWN_MONTH, id="english-month"),
        pytest.param("", values.UNREADABLE_DATE, id="empty"),
        pytest.param("hej", values.UNREADABLE_DATE, id="word"),
        pytest.param("14/3", values.UNREADABLE_DATE, id="no-year"),
        pytest.param("8 augusti 26", values.UNREADABLE_DATE, id="month-name-bare-two-digits"),
        pytest.param("2026-03", values.UNREADABLE_DATE, id="no-day"),
        pytest.param("2026-03-14-15", values.UNREADABLE_DATE, id="extra-part"),
        pytest.param("2026314", values.UNREADABLE_DATE, id="seven-digits"),
        pytest.param("２０２６-03-14", values.UNREADABLE_DATE, id="fullwidth-digits"),
    ],
)
def test_impossible_or_unreadable_date_is_rejected(written: str, message: str) -> None:
    """
    GIVEN a date that does not exist, is out of range or cannot be read
    WHEN it is parsed
    THEN ParseError says in Swedish what is wrong
    """
    with pytest.raises(ParseError, match=message):
        parse_date(written, today=TODAY)


def test_format_date_variants_names_the_styles() -> None:
    """
    GIVEN 14 March 2026
    WHEN its written variants are asked
    THEN each style is written as on paper
    """
    assert format_date_variants(PI_DAY) == {
        "iso": "2026-03-14",
        "compact": "20260314",
        "slash": "14/3 2026",
        "words": "14 mars 2026",
    }


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_date_variant_round_trips(d: date) -> None:
    """
    GIVEN any date in 1900–2100
    WHEN each of its written variants is parsed
    THEN the same date comes back
    """
    for style, written in format_date_variants(d).items():
        assert parse_date(written, today=TODAY) == d, style


@given(text=st.text(max_size=20))
def test_parse_date_raises_only_parse_error(text: str) -> None:
    """
    GIVEN any text at all
    WHEN it is parsed as a date
    THEN a date in 1900–2100 or a ParseError comes back, never another exception
    """
    try:
        parsed = parse_date(text, today=TODAY)
    except ParseError:
        return
    assert date(1900, 1, 1) <= parsed <= date(2100, 12, 31)


# --- percent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("50", 50),
        ("50 %", 50),
        ("50%", 50),
        (" 100", 100),
        ("100%", 100),
        ("0", 0),
        ("0 %", 0),
        (" 25 % ", 25),
        ("050", 50),
    ],
)
def test_percent_is_read(written: str, expected: int) -> None:
    """
    GIVEN a percentage written with or without % and spaces
    WHEN it is parsed
    THEN it is the integer
    """
    assert parse_percent(written) == expected


@pytest.mark.parametrize(
    "written",
    ["", " ", "%", "101", "1000", "-5", "50,5", "50.5", "femtio", "50 %%", "% 50", "5 0", "１０"],
)
def test_bad_percent_is_rejected(written: str) -> None:
    """
    GIVEN a percentage that is out of 0–100 or not a plain integer
    WHEN it is parsed
    THEN ParseError says it must be an integer 0–100
    """
    with pytest.raises(ParseError, match=values.BAD_PERCENT):
        parse_percent(written)


@given(n=st.integers(0, 100), spaced=st.booleans(), sign=st.booleans())
def test_every_percent_0_to_100_round_trips(n: int, spaced: bool, sign: bool) -> None:
    """
    GIVEN any integer 0–100 written with or without % and a space
    WHEN it is parsed
    THEN it comes back
    """
    written = f"{n}{' ' if spaced else ''}{'%' if sign else ''}"

    assert parse_percent(written) == n


# --- code ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [("1", 1), ("9", 9), (" 5 ", 5), ("6.", 6), (" 7. ", 7), ("8 .", 8)],
)
def test_code_is_read(written: str, expected: int) -> None:
    """
    GIVEN a single digit 1–9, with spaces or a trailing full stop
    WHEN it is parsed as a code
    THEN it is that integer
    """
    assert parse_code(written) == expected


@pytest.mark.parametrize(
    "written", ["", " ", "0", "10", "1 2", "-1", "a", "5..", ".5", "5,", "٣", "3 st"]
)
def test_bad_code_is_rejected(written: str) -> None:
    """
    GIVEN something other than one digit 1–9
    WHEN it is parsed as a code
    THEN ParseError says it must be a digit 1–9
    """
    with pytest.raises(ParseError, match=values.BAD_CODE):
        parse_code(written)
