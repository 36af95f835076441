"""Personnummer and samordningsnummer as people write them on paper (SPEC §4).

A number is accepted with 12 or 10 digits, with ``-`` or ``+`` before the last four
digits (``+`` = aged 100 or more, only meaningful with 10 digits) and spaces anywhere.
It is stored as 12 digits ``YYYYMMDDNNNC``. C is the Luhn (mod 10) check digit over
``YYMMDDNNN``; a samordningsnummer has the day plus 60, and Skatteverket writes an
unknown birth month as ``00`` and an unknown birth day as ``60``.

Nothing here logs, and nothing here puts the number itself in a message or a repr:
a personnummer must never appear in a log in clear text.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from intake.errors import ParseError
from intake.sus.codes import Kon

MISSING = "Personnummer saknas"
BAD_CHARACTERS = "Personnumret får bara innehålla siffror och bindestreck eller plustecken"
LETTER = (
    "Personnumret har en bokstav i stället för en siffra; interimsnummer kan inte registreras i SUS"
)
BAD_SEPARATOR = "Bindestrecket eller plustecknet ska stå före de fyra sista siffrorna"
WRONG_LENGTH = "Personnumret ska ha 10 eller 12 siffror"
ORGANISATION_NUMBER = "Det här är ett organisationsnummer, inte ett personnummer"
NO_SUCH_DATE = "Datumet finns inte i personnumret"
NO_SUCH_SERIAL = "Födelsenumret 000 finns inte; någon siffra är fel"
WRONG_CHECK_DIGIT = "Kontrollsiffran stämmer inte; någon siffra är fel"
IMPLAUSIBLE_YEAR = "Födelseåret är inte rimligt"
FUTURE_BIRTH = "Födelsedatumet ligger i framtiden"

_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset("-+")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_SAMORDNING_OFFSET = 60
_EARLIEST_YEAR = 1800


class Personnummer(BaseModel):
    """A checked personnummer or samordningsnummer, always held as 12 digits."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    value: str = Field(pattern=r"^[0-9]{12}$", repr=False)

    @field_validator("value")
    @classmethod
    def _check_structure(cls, value: str) -> str:
        problem = _structural_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def kon(self) -> Kon:
        """Kön from the 11th digit: odd for men, even for women."""
        return Kon.MAN if int(self.value[10]) % 2 else Kon.KVINNA

    @property
    def is_samordningsnummer(self) -> bool:
        return int(self.value[6:8]) >= _SAMORDNING_OFFSET

    @property
    def birth_date(self) -> date | None:
        """The birth date; None when a samordningsnummer has no real date (``00``, 30 Feb)."""
        return _real_date(*_date_parts(self.value))

    def formatted(self) -> str:
        """``YYYYMMDD-NNNC``."""
        return f"{self.value[:8]}-{self.value[8:]}"

    def masked(self) -> str:
        """``YYYYMMDD-****``: the only form that may appear in logs."""
        return mask_personnummer(self.value)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"Personnummer({self.masked()})"


class ParsedPnr(BaseModel):
    """What was written, kept even when it is not a valid personnummer.

    ``digits`` is the 12-digit form (century inferred for 10 digits), None when the
    text does not hold 10 or 12 digits; ``problem`` is a Swedish message or None.
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    digits: str | None = Field(default=None, repr=False)
    century_inferred: bool = False
    problem: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.problem is None


def mask_personnummer(text: str) -> str:
    """The birth date shown, the last four digits hidden (``19850312-****``), of a valid
    number or of what a reader read; fewer than ten digits show nothing but ``****``."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return f"{digits[:-4]}-****" if len(digits) >= 10 else "****"


def luhn_digit(nine_digits: str) -> int:
    """The Luhn (mod 10) check digit for ``YYMMDDNNN``."""
    if len(nine_digits) != 9 or not set(nine_digits) <= _DIGITS:
        raise ValueError("luhn_digit needs exactly nine digits")
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse_personnummer(text: str, *, today: date | None = None) -> Personnummer:
    """The personnummer written in ``text``; ParseError says what is wrong with it."""
    parsed = parse_personnummer_lenient(text, today=today)
    if parsed.problem is not None or parsed.digits is None:
        raise ParseError(parsed.problem or WRONG_LENGTH)
    return Personnummer(value=parsed.digits)


def is_valid_personnummer(text: str, *, today: date | None = None) -> bool:
    return parse_personnummer_lenient(text, today=today).problem is None


def parse_personnummer_lenient(text: str, *, today: date | None = None) -> ParsedPnr:
    """Read ``text`` as far as possible and report the first problem instead of raising."""
    today = today or date.today()
    written = _split_written(text)
    if isinstance(written, str):
        return ParsedPnr(problem=written)
    body, separator = written
    short = len(body) == 10
    digits = _with_century(body, plus=separator == "+", today=today) if short else body
    problem = _problem(digits, short=short, today=today)
    return ParsedPnr(digits=digits, century_inferred=short, problem=problem)


def _split_written(text: str) -> tuple[str, str | None] | str:
    """The digits and the separator written, or a problem message."""
    compact = "".join(text.translate(_DASHES).split())
    if not compact:
        return MISSING
    separators = [char for char in compact if char in _SEPARATORS]
    body = "".join(char for char in compact if char not in _SEPARATORS)
    if not set(body) <= _DIGITS:
        return _character_problem(body)
    if len(body) not in (10, 12):
        return f"{WRONG_LENGTH} (här finns {len(body)})"
    if len(separators) > 1 or (separators and compact[-5] not in _SEPARATORS):
        return BAD_SEPARATOR
    return body, separators[0] if separators else None


def _character_problem(body: str) -> str:
    letters_or_digits = all(char in _DIGITS or (char.isascii() and char.isalpha()) for char in body)
    if letters_or_digits and len(body) in (10, 12):
        return LETTER
    return BAD_CHARACTERS


def _with_century(body: str, *, plus: bool, today: date) -> str:
    """12 digits for a 10-digit number: the latest century not in the future, 100 years
    earlier with ``+``."""
    year = today.year - today.year % 100 + int(body[:2])
    _, month, day = _date_parts(f"00{body}")
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    if plus:
        year -= 100
    return f"{year:04d}{body[2:]}"


def _problem(digits: str, *, short: bool, today: date) -> str | None:
    year, month, day = _date_parts(digits)
    if int(digits[4:6]) >= 20 and (short or digits.startswith("16")):
        return ORGANISATION_NUMBER
    problem = _structural_problem(digits)
    if problem is not None:
        return problem
    if (year, month, day) > (today.year, today.month, today.day):
        return FUTURE_BIRTH
    return None


def _structural_problem(digits: str) -> str | None:
    """What is wrong with 12 digits regardless of today's date, or None."""
    year, month, day = _date_parts(digits)
    if not _date_exists(year, month, day, samordning=_is_samordning(digits)):
        return NO_SUCH_DATE
    if digits[8:11] == "000":
        return NO_SUCH_SERIAL
    if luhn_digit(digits[2:11]) != int(digits[11]):
        return WRONG_CHECK_DIGIT
    if year < _EARLIEST_YEAR:
        return IMPLAUSIBLE_YEAR
    return None


def _date_parts(digits: str) -> tuple[int, int, int]:
    """Year, month and day of 12 digits, the samordning offset removed (0 = unknown)."""
    day = int(digits[6:8])
    if day >= _SAMORDNING_OFFSET:
        day -= _SAMORDNING_OFFSET
    return int(digits[:4]), int(digits[4:6]), day


def _is_samordning(digits: str) -> bool:
    return int(digits[6:8]) >= _SAMORDNING_OFFSET


def _date_exists(year: int, month: int, day: int, *, samordning: bool) -> bool:
    """A real date; a samordningsnummer only needs month 0–12 and day 0–31.

    Skatteverket issues samordningsnummer whose date is unknown (``00``) or does not
    exist in that month (30 February, 31 April); its official test numbers include both.
    """
    if samordning:
        return month <= 12 and day <= 31
    return _real_date(year, month, day) is not None


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
