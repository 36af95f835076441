"""Parsing of the other written values: dates, percentages and codes (SPEC §2).

Each parser takes the text as read from the form and returns the typed value or
raises :class:`~intake.errors.ParseError` with a Swedish message a reviewer
understands. Whether a value is *allowed* (a date in the future, a percentage that
contradicts a ticked box) is a rule, checked elsewhere.
"""

from __future__ import annotations

import re
from datetime import date

from intake.errors import ParseError

MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
_MONTH_ABBREVIATIONS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
MONTHS.update(_MONTH_ABBREVIATIONS)

FIRST_YEAR = 1900
LAST_YEAR = 2100
_YEARS_AHEAD_FOR_TWO_DIGITS = 20

UNREADABLE_DATE = "Datumet går inte att tolka; skriv till exempel 2026-03-14"
NO_SUCH_DATE = "Datumet finns inte"
YEAR_OUT_OF_RANGE = f"Året ska vara mellan {FIRST_YEAR} och {LAST_YEAR}"
UNKNOWN_MONTH = "Månadens namn går inte att tolka"
BAD_PERCENT = "Procent ska vara ett heltal mellan 0 och 100"
BAD_CODE = "Koden ska vara en siffra mellan 1 och 9"

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_SEP = r" ?[-./ ] ?"
_DAY_MONTH = r"(?P<d>[0-9]{1,2}) ?[./] ?(?P<m>[0-9]{1,2})"
_DATE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?P<y>[0-9]{{4}}){_SEP}(?P<m>[0-9]{{1,2}}){_SEP}(?P<d>[0-9]{{1,2}})",
        r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})",
        r"(?P<yy>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})",
        r"(?P<yy>[0-9]{2}) ?- ?(?P<m>[0-9]{1,2}) ?- ?(?P<d>[0-9]{1,2})",
        rf"(?P<d>[0-9]{{1,2}}){_SEP}(?P<m>[0-9]{{1,2}}){_SEP}(?P<y>[0-9]{{4}})",
        rf"{_DAY_MONTH}{_SEP}(?P<yy>[0-9]{{2}})",
        r"(?P<d>[0-9]{1,2})\.? ?(?P<name>[a-zåäö]+)\.?,? ?(?P<y>[0-9]{4})",
        # "8 augusti -26", "8 aug '26": a short year after a month's name is marked so
        r"(?P<d>[0-9]{1,2})\.? ?(?P<name>[a-zåäö]+)\.?,? ?[-'’](?P<yy>[0-9]{2})",
    )
)
_PERCENT = re.compile(r"\s*([0-9]{1,3})\s*%?\s*")
_CODE = re.compile(r"\s*([1-9])\s*\.?\s*")


def parse_date(text: str, *, today: date | None = None) -> date:
    """The date written in ``text`` in any of the usual Swedish ways.

    A two-digit year is put in the century that places it at most 20 years after
    ``today`` (default: the real date), e.g. ``260314`` is 2026-03-14.
    """
    normalized = _normalize_date_text(text)
    for candidate in (normalized, normalized.replace(" ", "")):
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(candidate)
            if match:
                return _build_date(match, today or date.today())
    raise ParseError(UNREADABLE_DATE)


def format_date_variants(d: date) -> dict[str, str]:
    """The styles a date is written in on paper, by name."""
    return {
        "iso": d.isoformat(),
        "compact": f"{d.year:04d}{d.month:02d}{d.day:02d}",
        "slash": f"{d.day}/{d.month} {d.year}",
        "words": f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}",
    }


def parse_percent(text: str) -> int:
    """``"50"``, ``"50 %"``, ``"50%"`` → 50; an integer 0–100."""
    match = _PERCENT.fullmatch(text)
    if match is None or int(match.group(1)) > 100:
        raise ParseError(BAD_PERCENT)
    return int(match.group(1))


def parse_code(text: str) -> int:
    """A single written digit 1–9, optionally followed by a full stop."""
    match = _CODE.fullmatch(text)
    if match is None:
        raise ParseError(BAD_CODE)
    return int(match.group(1))


def _normalize_date_text(text: str) -> str:
    collapsed = " ".join(text.translate(_DASHES).lower().split())
    collapsed = collapsed.removeprefix("den ").rstrip(". ")
    return collapsed


def _build_date(match: re.Match[str], today: date) -> date:
    parts = match.groupdict()
    year = int(parts["y"]) if parts.get("y") else _expand_year(int(parts["yy"]), today)
    month = _month_number(parts["name"]) if parts.get("name") else int(parts["m"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParseError(YEAR_OUT_OF_RANGE)
    return _checked_date(year, month, int(parts["d"]))


def _expand_year(two_digits: int, today: date) -> int:
    year = today.year - today.year % 100 + two_digits
    if year > today.year + _YEARS_AHEAD_FOR_TWO_DIGITS:
        year -= 100
    return year


def _month_number(name: str) -> int:
    number = MONTHS.get(name)
    if number is None:
        raise ParseError(UNKNOWN_MONTH)
    return number


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(NO_SUCH_DATE) from None
