"""From what the OCR engine read to typed values whose confidence tells the truth.

:func:`interpret` turns one text widget's :class:`~intake.ocr.model.TextRead` into the
field's SPEC §2 value; :func:`split_ort_och_datum` splits FK 9443's one line into ort
and datum; :func:`snap_kommun` snaps a written name to one of the 290 kommuner.

What is known is used *while* decoding, not only afterwards:

- **personnummer**: exact constrained decoding over the per-character alternatives.
  Every 12-digit string factors into year × month-day × serial, tied together only by
  the Luhn residue mod 10, so the most probable string that has a Luhn digit, a real
  (or samordning) date and a century giving an age of 15–100 years, *and* the total
  probability of all such strings, come out of sums and maxima over three small
  tables. The confidence is the posterior of the chosen string against every other
  valid string and against "the person wrote an invalid number".
- **date, percent, code**: the k most probable strings are parsed and must give a
  real date in a plausible range, 0–100, or 1–9; the confidence is the probability
  mass of the chosen value among them.
- **kommun**: a weighted edit distance (case, diacritics and OCR look-alikes cost
  little) to the 290 names, accepted only with a margin over the runner-up.
- **free text** (names, organisations): nothing to decode against, so an engine's
  confident read is checked against *signals* learned per kind of field from
  generated corpora (``intake/mapping/data/text_calibration.json``, written by
  ``scripts/calibrate_text.py``): a small first letter where the field is
  capitalised, a lone letter, a runner-up the engine also saw, … A read that sets
  one off goes to review with that signal's measured share of right reads as its
  confidence and a problem saying why; every other read keeps the engine's
  confidence.

Confidence model: ``read.confidence`` is taken as the probability that the whole text
is right, so without alternatives each of its *n* characters is right with
``confidence ** (1 / n)`` — except for the personnummer, where a wrong digit can hide
behind a passing Luhn digit and each digit is taken to be as unsure as the whole
(the cautious reading of an engine's word confidence, its least sure character).
Listed alternatives are per-character probabilities; for the personnummer they are
flattened and given an unlisted share that grows with the engine's doubt, and a
changed digit under the Luhn digit is always left for review (measured in
``scripts/measure_interpret.py``). Everything doubtful gets a confidence below
:data:`REVIEW_BELOW` and a Swedish ``problem``; a confident value may still carry a
``problem`` as a note (a ten-digit number's derived century). Nothing here logs, and
no message contains the personnummer.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, Self, TypeVar

import numpy as np
from pydantic import BaseModel, Field, model_validator

from intake.errors import ConfigurationError, ParseError
from intake.forms.model import FieldDef, FieldType
from intake.mapping import personnummer as pnr
from intake.mapping.lexicon import (
    POSITIONAL,
    Lexicon,
    WordSnap,
    edit_distance,
    fold,
    fold_case,
    join_compounds,
    join_split_words,
    read_list,
    restore_marks,
    snap_words,
)
from intake.mapping.lexicon import lexicon as word_list
from intake.mapping.values import (
    BAD_CODE,
    BAD_PERCENT,
    MONTHS,
    parse_code,
    parse_date,
    parse_percent,
)
from intake.ocr.model import FieldValue, TextRead

REVIEW_BELOW = 0.9
"""Fields whose confidence is under this go to a person (CONTRACT §2 ``needs_review``)."""

ORT_OCH_DATUM = "ort_och_datum"
MIN_AGE, MAX_AGE = 15, 100
FIRST_FORM_DATE = date(2000, 1, 1)

# Messages a reviewer reads (Swedish, never containing the value itself).
PNR_CORRECTED = "Personnumret är rättat med hjälp av kontrollsiffran och datumet; kontrollera"
PNR_UNSURE = "Personnumret är svårläst; kontrollera"
PNR_TEN_DIGITS = "Personnumret har tio siffror; århundradet är härlett från åldern"
PNR_PLUS = "Plustecken i personnumret betyder 100 år eller äldre; kontrollera"
PNR_IMPLAUSIBLE_AGE = f"Åldern är inte rimlig ({MIN_AGE}–{MAX_AGE} år); kontrollera århundradet"
PNR_GUESSED_LENGTH = "Personnumret lästes med fel antal siffror; en siffra är gissad"
DATE_UNSURE = "Datumet är svårläst; kontrollera"
DATE_CORRECTED = "Datumet är rättat efter OCR-alternativen; kontrollera"
DATE_OUT_OF_RANGE = "Datumet ligger utanför rimligt intervall; kontrollera"
DATE_MISSING = "Datum saknas"
VALUE_UNSURE = "Värdet är svårläst; kontrollera"
VALUE_CORRECTED = "Värdet är rättat efter OCR-alternativen; kontrollera"
TEXT_UNSURE = "Texten är svårläst; kontrollera"
TEXT_FIXED = "Siffror inne i ord är ändrade till bokstäver; kontrollera"
KOMMUN_UNKNOWN = "Ingen kommun med det namnet; kontrollera"
KOMMUN_AMBIGUOUS = "Kommunens namn liknar flera kommuner; kontrollera"
KOMMUN_NEAREST = "Ingen kommun läses säkert; närmaste kommun föreslås, kontrollera"
ORT_NOT_KOMMUN = "Orten är inte en kommun; kontrollera stavningen"
EMPTY_UNSURE = "Rutan verkar tom men läsningen är osäker; kontrollera"
TEXT_CASE = "Stora och små bokstäver ser felaktiga ut; kontrollera"
TEXT_SPACING = "En ensam bokstav: mellanrummen kan vara fel; kontrollera"
TEXT_FROM_LIST = "Ord är ändrade till närmaste ord i ordlistan; kontrollera"
TEXT_CONTESTED = "Läsningen tvekade mellan två tecken; kontrollera"
TEXT_ODD_CHARACTERS = "Texten har ovanliga tecken; kontrollera"

# Search and model parameters (see the module docstring; measured in
# scripts/measure_interpret.py).
_TEMPER = 0.75  # engine alternatives are flattened p**T: engines are overconfident
_FLOOR = 0.01  # per-character mass for digits the engine did not list ...
_FLOOR_UNSURE = 0.5  # ... plus this share of the engine's doubt about its top choice
_PNR_CORRECTION_FACTOR = 0.85  # a changed Luhn-covered digit is always reviewed
_RHO_WRITTEN_WRONG = 0.005  # prior of a specific well-formed but invalid number vs a valid one
_RHO_IMPOSSIBLE = 1e-4  # ... of a number with no real date or an implausible century
_ACCEPT_CORRECTION = 0.3  # below this posterior, what was read is shown instead
_INVALID_CAP = 0.5  # an invalid value always goes to review
_SALVAGE_CAP = 0.5
_RHO_UNPARSEABLE = 0.01  # prior that a written date/percent/code is nonsense
_KBEST = 64
_CORRECTION_CAP = 0.85  # a date/percent/code has no check digit: a correction is a guess
_TWO_DIGIT_YEAR = 0.9
_DAY_MONTH_ORDER = 0.97
_NOT_KOMMUN_CAP = 0.3
_ORT_NOT_KOMMUN_CAP = 0.8
_DIGITS_IN_WORDS = 0.8
_KOMMUN_MIN_MARGIN = 1.0
_NEAREST_KOMMUN_SHARE = 0.6
_SNAP_BELOW = 0.8  # a read this sure is an unlisted name rather than a garbled one
_SNAP_READINGS = 8  # the engine's most probable readings a word list may explain
#: keeping an unlisted word of n letters costs a + b·n (log-odds; an edit costs ``_edit_cost``)
_KEEP_COST = (2.5, 0.6)

Dist = dict[str, float]
"""Candidate characters of one written position → probability; the rest is unlisted."""

T = TypeVar("T", bound=Hashable)


# --- public API -------------------------------------------------------------------------


def interpret(field: FieldDef, read: TextRead, *, today: date) -> FieldValue:
    """The typed value of ``field`` from what the engine read in its widget."""
    if field.widget == ORT_OCH_DATUM:
        ort, datum = split_ort_och_datum(read, today=today)
        return datum if field.type is FieldType.DATE else ort
    if field.type is FieldType.PERSONNUMMER:
        return interpret_personnummer(read, today=today)
    if field.type is FieldType.DATE:
        return interpret_date(read, today=today)
    if field.type is FieldType.PERCENT:
        return interpret_percent(read)
    if field.type is FieldType.CODE:
        return interpret_code(read)
    if field.type is FieldType.TEXT:
        return interpret_text(field.name, read, lexicon=field.lexicon)
    raise ValueError(f"{field.type} is not read from text")


@cache
def kommuner() -> tuple[str, ...]:
    """Sweden's 290 kommuner (``intake/mapping/data/kommuner.txt``)."""
    return read_list("kommuner.txt")


# --- characters as the engine saw them ---------------------------------------------------


def char_dists(
    read: TextRead,
    *,
    temper: float = 1.0,
    floor: float = 0.0,
    unsure: float = 0.0,
    every_char_as_unsure: bool = False,
) -> list[Dist | None]:
    """One distribution per character of ``read.text``; None for white space.

    Alternatives are aligned with the characters of the text, or with its non-space
    characters (engines list symbols, not spaces); otherwise they are ignored. Without
    alternatives a character is right with ``confidence ** (1/n)``, or, the cautious
    reading of an engine's word confidence (its least sure character), with
    ``confidence`` itself.
    """
    aligned = _aligned_alternatives(read)
    n = 1 if every_char_as_unsure else _count_visible(read.text)
    p_char = _per_char(read.confidence, n)
    dists: list[Dist | None] = []
    for index, char in enumerate(read.text):
        listed = aligned[index] if aligned else None
        if char.isspace():
            dists.append(None)
        elif listed:
            dists.append(_engine_dist(char, listed, temper=temper, floor=floor, unsure=unsure))
        else:
            dists.append({char: p_char})
    return dists


def _aligned_alternatives(read: TextRead) -> list[list[tuple[str, float]]] | None:
    alternatives, text = read.alternatives, read.text
    if not alternatives:
        return None
    if len(alternatives) == len(text):
        return alternatives
    if len(alternatives) != _count_visible(text):
        return None
    visible = iter(alternatives)
    return [[] if char.isspace() else next(visible) for char in text]


def _count_visible(text: str) -> int:
    return sum(not char.isspace() for char in text)


def _per_char(confidence: float, n: int) -> float:
    return float(min(max(confidence, 1e-6), 1.0) ** (1.0 / max(n, 1)))


def _engine_dist(
    char: str, listed: list[tuple[str, float]], *, temper: float, floor: float, unsure: float
) -> Dist:
    """Listed candidates, tempered and normalised; ``floor`` plus ``unsure`` times the
    doubt about the top choice is left unlisted (the truth may be something else)."""
    merged: Dist = {}
    for candidate, p in listed:
        if len(candidate) == 1 and p > 0:
            merged[candidate] = merged.get(candidate, 0.0) + p
    merged.setdefault(char, max(merged.values(), default=1.0))
    doubt = 1.0 - merged[char] / max(sum(merged.values()), merged[char])
    tempered = {c: p**temper for c, p in merged.items()}
    total = sum(tempered.values())
    kept = 1.0 - min(floor + unsure * doubt, 0.5)
    return {c: kept * p / total for c, p in tempered.items()}


# --- digits ---------------------------------------------------------------------------

_LOOKALIKE_DIGITS = {
    **dict.fromkeys("OoDQ", 0),
    **dict.fromkeys("lIi|!", 1),
    **dict.fromkeys("Zz", 2),
    **dict.fromkeys("Ss", 5),
    "G": 6,
    "b": 6,
    "T": 7,
    "B": 8,
    **dict.fromkeys("gq", 9),
}
_CONFUSABLE = {
    frozenset(pair): weight
    for pair, weight in (
        ("17", 4),
        ("38", 4),
        ("56", 4),
        ("08", 4),
        ("49", 4),
        ("06", 3),
        ("68", 3),
        ("27", 3),
        ("35", 2),
        ("09", 2),
        ("89", 2),
        ("14", 2),
        ("79", 2),
        ("23", 2),
        ("58", 2),
    )
}


def as_digit(char: str) -> int | None:
    """The digit a character stands for, letters that look like digits included."""
    if char in "0123456789":
        return int(char)
    return _LOOKALIKE_DIGITS.get(char)


def confusion_weight(a: int, b: int) -> float:
    """How readily digit ``a`` is misread as ``b`` (1 = no better than any other)."""
    return float(_CONFUSABLE.get(frozenset(f"{a}{b}"), 1))


def _digit_row(dist: Dist, top: int) -> np.ndarray:
    """The 10 digit probabilities of one position; unlisted mass goes to look-alikes of
    ``top``."""
    row = np.zeros(10)
    for char, p in dist.items():
        digit = as_digit(char)
        if digit is not None:
            row[digit] += p
    spare = max(0.0, 1.0 - float(row.sum()))
    weights = np.array([0.0 if d == top else confusion_weight(top, d) for d in range(10)])
    row += spare * weights / weights.sum()
    return row / row.sum()


# --- personnummer -----------------------------------------------------------------------


def interpret_personnummer(read: TextRead, *, today: date) -> FieldValue:
    """The 12-digit personnummer: the most probable number that can exist (SPEC §4)."""
    if not read.text.strip():
        return _empty(read)
    read_digits, rows, plus = _pnr_rows(read)
    if len(rows) == 12:
        decoding = _decode(np.array(rows), today, read_digits)
        value = _decide(decoding, read_digits, today=today)
    elif len(rows) == 10:
        value = _ten_digits(read_digits, rows, today=today)
    elif len(rows) in (11, 13):
        value = _salvage(rows, today=today)
    else:
        problem = f"{pnr.WRONG_LENGTH} (här finns {len(rows)})"
        value = FieldValue(value=None, confidence=0.0, problem=problem)
    return _plus_checked(value) if plus else value


def _pnr_rows(read: TextRead) -> tuple[str, list[np.ndarray], bool]:
    """The digits read, one probability row per digit position, and whether a ``+``
    was written; separators and stray marks are dropped."""
    digits, rows, plus = [], [], False
    for char, dist in zip(
        read.text,
        char_dists(
            read, temper=_TEMPER, floor=_FLOOR, unsure=_FLOOR_UNSURE, every_char_as_unsure=True
        ),
        strict=True,
    ):
        digit = as_digit(char)
        if dist is None or digit is None:
            plus = plus or char == "+"
            continue
        digits.append(str(digit))
        rows.append(_digit_row(dist, digit))
    return "".join(digits), rows, plus


@dataclass(frozen=True)
class _Decoding:
    """The best valid number and its probability; the total probability of all valid
    numbers and of all with a real date and plausible century (whatever the Luhn
    digit); and the probability of the number as read and what kind it is."""

    best: str | None
    p_best: float
    z_valid: float
    z_dateok: float
    p_read: float = 0.0
    read_kind: str = "impossible"  # "valid", "luhn_wrong" or "impossible"

    def denominator(self) -> float:
        luhn_wrong = max(self.z_dateok - self.z_valid, 0.0)
        impossible = max(1.0 - self.z_dateok, 0.0)
        return self.z_valid + _RHO_WRITTEN_WRONG * luhn_wrong + _RHO_IMPOSSIBLE * impossible

    def posterior_best(self) -> float:
        return min(1.0, self.p_best / self.denominator()) if self.best else 0.0

    def posterior_read(self) -> float:
        prior = {"valid": 1.0, "luhn_wrong": _RHO_WRITTEN_WRONG}.get(self.read_kind)
        return min(1.0, (prior or _RHO_IMPOSSIBLE) * self.p_read / self.denominator())


@dataclass(frozen=True)
class _Part:
    """Strings for consecutive positions, their digits and Luhn residue mod 10."""

    offset: int
    texts: tuple[str, ...]
    digits: np.ndarray  # (k, width)
    residue: np.ndarray  # (k,)


def _part(offset: int, texts: Sequence[str]) -> _Part:
    digits = np.array([[int(c) for c in t] for t in texts], dtype=np.intp)
    positions = offset + np.arange(digits.shape[1])
    weights = np.where((positions >= 2) & (positions <= 10) & (positions % 2 == 0), 2, 1)
    contribution = digits * weights[np.newaxis, :]
    contribution = contribution // 10 + contribution % 10
    residue = np.where(positions <= 1, 0, contribution).sum(axis=1) % 10
    return _Part(offset, tuple(texts), digits, residue)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@cache
def _years(first: int, last: int, leap: bool) -> _Part:
    return _part(0, [f"{y:04d}" for y in range(first, last + 1) if _is_leap(y) == leap])


@cache
def _month_days(leap: bool) -> _Part:
    """Real dates, and samordningsnummer (day + 60; month and day may be 00, SPEC §4)."""
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    real = [f"{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, days[m - 1] + 1)]
    samordning = [f"{m:02d}{d + 60:02d}" for m in range(13) for d in range(32)]
    return _part(4, real + samordning)


@cache
def _serials() -> _Part:
    return _part(8, [f"{n:04d}" for n in range(10, 10000)])  # serial 000 does not exist


def _scores(rows: np.ndarray, part: _Part) -> np.ndarray:
    positions = part.offset + np.arange(part.digits.shape[1])
    return np.asarray(np.prod(rows[positions, part.digits], axis=1))


@dataclass(frozen=True)
class _Table:
    """Per Luhn residue: the summed probability and the best string."""

    total: np.ndarray
    best_p: np.ndarray
    best: list[str]
    all_total: float


def _table(rows: np.ndarray, part: _Part) -> _Table:
    scores = _scores(rows, part)
    total = np.bincount(part.residue, weights=scores, minlength=10)
    best_p, best = np.zeros(10), [""] * 10
    if len(scores):
        order = np.lexsort((scores, part.residue))
        last = np.r_[part.residue[order][1:] != part.residue[order][:-1], True]
        for index in order[last]:
            best_p[part.residue[index]] = scores[index]
            best[part.residue[index]] = part.texts[index]
    return _Table(total, best_p, best, float(scores.sum()))


def _decode(rows: np.ndarray, today: date, read: str | None = None) -> _Decoding:
    """Exact max- and sum-product over valid numbers: year × month-day × serial, joined
    by the Luhn residue (the total over YYMMDDNNNC must be 0 mod 10)."""
    first, last = today.year - MAX_AGE, today.year - MIN_AGE
    serial = _table(rows, _serials())
    best, p_best, z_valid, z_dateok = None, 0.0, 0.0, 0.0
    for leap in (False, True):
        year, md = _table(rows, _years(first, last, leap)), _table(rows, _month_days(leap))
        z_dateok += year.all_total * md.all_total * serial.all_total
        for ry in range(10):
            for rm in range(10):
                rs = (-ry - rm) % 10
                z_valid += year.total[ry] * md.total[rm] * serial.total[rs]
                p = year.best_p[ry] * md.best_p[rm] * serial.best_p[rs]
                if p > p_best:
                    best, p_best = year.best[ry] + md.best[rm] + serial.best[rs], float(p)
    decoding = _Decoding(best, p_best, z_valid, z_dateok)
    return decoding if read is None else _with_read(decoding, rows, read, today)


def _with_read(decoding: _Decoding, rows: np.ndarray, read: str, today: date) -> _Decoding:
    """The decoding, told the probability and kind of the number as read."""
    p_read = float(np.prod([row[int(c)] for row, c in zip(rows, read, strict=True)]))
    return replace(decoding, p_read=p_read, read_kind=_kind(read, today))


def _kind(digits: str, today: date) -> str:
    """ "valid", "luhn_wrong" (a real date and plausible century) or "impossible"."""
    problem = pnr.parse_personnummer_lenient(digits, today=today).problem
    if not _plausible_age(digits, today) or problem not in (None, pnr.WRONG_CHECK_DIGIT):
        return "impossible"
    return "valid" if problem is None else "luhn_wrong"


def _plausible_age(digits: str, today: date) -> bool:
    return MIN_AGE <= today.year - int(digits[:4]) <= MAX_AGE


def _decide(decoding: _Decoding, read_digits: str, *, today: date) -> FieldValue:
    """The best valid number when it is what was read or clearly better; else what was
    read, with the reason and a low confidence."""
    posterior = decoding.posterior_best()
    if decoding.best == read_digits or (decoding.best and posterior >= _ACCEPT_CORRECTION):
        problem = PNR_UNSURE if decoding.best == read_digits else PNR_CORRECTED
        return _valued(
            decoding.best, posterior * _correction_factor(decoding.best, read_digits), problem
        )
    if decoding.read_kind == "valid":
        return _valued(read_digits, decoding.posterior_read(), PNR_UNSURE)
    if decoding.read_kind == "impossible" and decoding.best:
        # no such number can exist (no real date, or an impossible century): the
        # likeliest one that can is the better guess to show, flagged all the same
        return _valued(decoding.best, min(posterior, _INVALID_CAP), PNR_CORRECTED)
    return _as_read(read_digits, decoding.posterior_read(), today=today)


def _correction_factor(best: str, read_digits: str) -> float:
    """A changed digit under the Luhn digit rests on the engine's alternatives, which
    are not calibrated well enough to skip review; a century fixed by the age is not."""
    return 1.0 if best[2:] == read_digits[2:] else _PNR_CORRECTION_FACTOR


def _as_read(read_digits: str, confidence: float, *, today: date) -> FieldValue:
    """What was read, flagged: it is not a personnummer that can exist."""
    parsed = pnr.parse_personnummer_lenient(read_digits, today=today)
    digits = parsed.digits or read_digits
    problem = parsed.problem or PNR_IMPLAUSIBLE_AGE
    return FieldValue(value=digits, confidence=min(confidence, _INVALID_CAP), problem=problem)


def _century_rows() -> list[np.ndarray]:
    """No century written: 19 and 20 are equally likely before the age decides."""
    first, second = np.zeros(10), np.zeros(10)
    first[[1, 2]] = 0.5
    second[[9, 0]] = 0.5
    return [first, second]


def _ten_digits(read_digits: str, rows: list[np.ndarray], *, today: date) -> FieldValue:
    """No century written: decoded with both centuries open, the age decides; flagged."""
    full = np.array(_century_rows() + rows)
    decoding = _decode(full, today)
    if decoding.best is not None and decoding.best[2:] == read_digits:
        as_read = decoding.best
    else:
        parsed = pnr.parse_personnummer_lenient(read_digits, today=today)
        as_read = parsed.digits or f"19{read_digits}"
    value = _decide(_with_read(decoding, full, as_read, today), as_read, today=today)
    if value.problem in (None, PNR_UNSURE) and value.value == as_read:
        return FieldValue(value=value.value, confidence=value.confidence, problem=PNR_TEN_DIGITS)
    return value


def _salvage(rows: list[np.ndarray], *, today: date) -> FieldValue:
    """11 or 13 digits: one was added or lost. Try each deletion (and for 11 each
    insertion of an unknown digit); the best valid number, always for review."""
    uniform = np.full(10, 0.1)
    variants = [rows[:i] + rows[i + 1 :] for i in range(len(rows))]
    if len(rows) == 11:
        variants += [rows[:i] + [uniform] + rows[i:] for i in range(12)]
    found = [_decode_any_length(v, today) for v in variants]
    total = sum(d.z_valid for d in found)
    best = max(found, key=lambda d: d.p_best)
    if best.best is None or total <= 0:
        return FieldValue(value=None, confidence=0.0, problem=PNR_GUESSED_LENGTH)
    confidence = min(_SALVAGE_CAP, best.p_best / total)
    return FieldValue(value=best.best, confidence=confidence, problem=PNR_GUESSED_LENGTH)


def _decode_any_length(rows: list[np.ndarray], today: date) -> _Decoding:
    prefix = _century_rows() if len(rows) == 10 else []
    return _decode(np.array(prefix + rows), today)


def _plus_checked(value: FieldValue) -> FieldValue:
    confidence = min(value.confidence, _INVALID_CAP)
    return FieldValue(value=value.value, confidence=confidence, problem=value.problem or PNR_PLUS)


# --- strings by probability ----------------------------------------------------------------


def kbest_strings(dists: Sequence[Dist | None], limit: int = _KBEST) -> Iterator[tuple[str, float]]:
    """The ``limit`` most probable strings over the positions, best first (lazy
    best-first search over the product of the per-position candidates)."""
    options = [sorted(d.items(), key=lambda item: -item[1]) if d else [(" ", 1.0)] for d in dists]
    start = (0,) * len(options)
    heap = [(-_product(options, start), start)]
    seen = {start}
    for _ in range(limit):
        if not heap:
            return
        neg_p, index = heapq.heappop(heap)
        yield "".join(options[i][k][0] for i, k in enumerate(index)), -neg_p
        for i, k in enumerate(index):
            successor = (*index[:i], k + 1, *index[i + 1 :])
            if k + 1 < len(options[i]) and successor not in seen:
                seen.add(successor)
                heapq.heappush(heap, (-_product(options, successor), successor))


def _product(options: list[list[tuple[str, float]]], index: tuple[int, ...]) -> float:
    return math.prod(options[i][k][1] for i, k in enumerate(index))


@dataclass(frozen=True)
class _Vote:
    """The value chosen among the k best strings and its share of the probability."""

    value: object
    confidence: float
    corrected: bool
    text: str


def _vote(read: TextRead, parse: Callable[[str], T | None]) -> _Vote | None:
    """Parse the k best strings; the top string's value if it parses, else the most
    probable value. Confidence: its mass against all valid values, the unexplored
    rest, and (weighted low) the strings that make no sense."""
    mass: dict[T, float] = {}
    source: dict[T, str] = {}
    seen = nonsense = 0.0
    top: T | None = None
    for rank, (text, p) in enumerate(kbest_strings(char_dists(read))):
        seen += p
        value = parse(text)
        if rank == 0:
            top = value
        if value is None:
            nonsense += p
            continue
        mass[value] = mass.get(value, 0.0) + p
        source.setdefault(value, text)
    if not mass:
        return None
    chosen = top if top is not None else max(mass, key=mass.__getitem__)
    denominator = sum(mass.values()) + max(0.0, 1.0 - seen) + _RHO_UNPARSEABLE * nonsense
    share = min(1.0, mass[chosen] / denominator)
    return _Vote(chosen, share, top is None, source[chosen])


# --- dates ----------------------------------------------------------------------------------

_LOOKALIKE_TRANS = str.maketrans({k: str(v) for k, v in _LOOKALIKE_DIGITS.items()})


_NUMERIC_TOKEN = re.compile(r"[\d\-/.%" + re.escape("".join(_LOOKALIKE_DIGITS)) + r"]+")


def _digits_for_lookalikes(text: str) -> str:
    """Letters that look like digits, in tokens of digits and such letters only."""
    return re.sub(r"\S+", _numeric_token, text)


def _numeric_token(match: re.Match[str]) -> str:
    token = match.group()
    return token.translate(_LOOKALIKE_TRANS) if _NUMERIC_TOKEN.fullmatch(token) else token


def interpret_date(read: TextRead, *, today: date) -> FieldValue:
    """A real date, written in any usual Swedish way, in 2000 … a year from ``today``."""
    if not read.text.strip():
        return _empty(read)
    latest = today + timedelta(days=366)
    vote = _vote(read, lambda text: _plausible_date(text, today=today, latest=latest))
    if vote is None:
        return _implausible_date(read.text, today=today)
    assert isinstance(vote.value, date)
    confidence = min(vote.confidence, read.confidence) * _style_factor(vote.text, vote.value)
    if vote.corrected:
        confidence = min(confidence, _CORRECTION_CAP)
    problem = DATE_CORRECTED if vote.corrected else DATE_UNSURE
    return _valued(vote.value.isoformat(), confidence, problem)


def _parse_date_text(text: str, *, today: date) -> date | None:
    try:
        return parse_date(_fix_month_name(_digits_for_lookalikes(text)), today=today)
    except ParseError:
        return None


def _plausible_date(text: str, *, today: date, latest: date) -> date | None:
    parsed = _parse_date_text(text, today=today)
    return parsed if parsed is not None and FIRST_FORM_DATE <= parsed <= latest else None


def _implausible_date(text: str, *, today: date) -> FieldValue:
    parsed = _parse_date_text(text, today=today)
    if parsed is None:
        return FieldValue(value=None, confidence=0.0, problem=_date_problem(text, today=today))
    return FieldValue(value=parsed.isoformat(), confidence=0.2, problem=DATE_OUT_OF_RANGE)


def _date_problem(text: str, *, today: date) -> str:
    try:
        parse_date(text, today=today)
    except ParseError as exc:
        return exc.message
    return DATE_UNSURE


def _style_factor(text: str, value: date) -> float:
    """Less sure when the century or the order of day and month is a guess."""
    digits = re.sub(r"\D", "", _digits_for_lookalikes(text))
    factor = 1.0
    if str(value.year) not in digits:
        factor *= _TWO_DIGIT_YEAR
    if _day_month_ambiguous(text, value):
        factor *= _DAY_MONTH_ORDER
    return factor


def _day_month_ambiguous(text: str, value: date) -> bool:
    """Day first (Swedish 14/3) but both numbers could be a month."""
    year_first = re.match(r"\s*\d{4}", text) is not None
    named = re.search(r"[^\W\d_]{3,}", text) is not None
    return not year_first and not named and value.day <= 12 and value.day != value.month


def _fix_month_name(text: str) -> str:
    """A misread month name snapped to the nearest one when that is clear."""
    return re.sub(r"[^\W\d_]{3,}", lambda m: _nearest_month(m.group()), text)


def _nearest_month(word: str) -> str:
    lowered = word.casefold().rstrip(".")
    if lowered in MONTHS or lowered == "den":
        return word
    scored = sorted((edit_distance(lowered, name), name) for name in MONTHS)
    (d1, best), (d2, _) = scored[0], scored[1]
    allowed = 1.0 if len(lowered) <= 4 else 2.0
    return best if d1 <= allowed and d2 - d1 >= 1.0 else word


# --- percent and code -------------------------------------------------------------------


def interpret_percent(read: TextRead) -> FieldValue:
    """An integer 0–100; ``%`` and spaces are ignored, a lone 0 is a value."""
    return _small_number(read, _parse_percent_text, BAD_PERCENT)


def interpret_code(read: TextRead) -> FieldValue:
    """A single written digit 1–9."""
    return _small_number(read, _parse_code_text, BAD_CODE)


def _parse_percent_text(text: str) -> int | None:
    try:
        return parse_percent(_digits_for_lookalikes(text).replace(" ", ""))
    except ParseError:
        return None


def _parse_code_text(text: str) -> int | None:
    try:
        return parse_code(_digits_for_lookalikes(text))
    except ParseError:
        return None


def _small_number(read: TextRead, parse: Callable[[str], int | None], bad: str) -> FieldValue:
    if not read.text.strip():
        return _empty(read)
    vote = _vote(read, parse)
    if vote is None:
        return FieldValue(value=None, confidence=0.0, problem=bad)
    # The vote's share is relative to the engine's own alternatives; when the engine
    # offers none, only its overall confidence says how sure the read is.
    confidence = min(vote.confidence, read.confidence)
    if vote.corrected:
        confidence = min(confidence, _CORRECTION_CAP)
    return _valued(vote.value, confidence, VALUE_CORRECTED if vote.corrected else VALUE_UNSURE)


# --- text and kommun --------------------------------------------------------------------

_LETTERS_ONLY = frozenset({"namn", "namnfortydligande", "ort", "kommun", "stadsdel"})
_BOX_REMNANTS = "|_[]{}~`"  # bits of the printed box read as characters
_DIGIT_LETTERS = str.maketrans({"0": "o", "1": "l", "5": "s"})


def interpret_text(name: str, read: TextRead, *, lexicon: str | None = None) -> FieldValue:
    """NFC text with collapsed white space; ``kommun`` snapped to the 290 kommuner; a
    doubtful read of a field with a word list (``lexicon``) has its words compared with
    the list, and what the list clearly names replaces what was read."""
    text, fixed = clean_text(read.text, letters_only=name in _LETTERS_ONLY)
    if not text:
        return _empty(read)
    confidence, doubt = text_doubt(name, read, text)
    confidence *= _DIGITS_IN_WORDS if fixed else 1.0
    if name == "kommun":
        return _kommun_value(text, confidence)
    if lexicon is not None and confidence < _SNAP_BELOW:
        snapped = snap_text(text, lexicon, confidence, read)
        if snapped.changed:
            return FieldValue(value=snapped.text, confidence=min(max(confidence, 0.0), 1.0),
                              problem=doubt or TEXT_FROM_LIST)
    elif lexicon is not None:
        text = join_split_words(text, word_list(lexicon))
        text, marked = restore_marks(text, word_list(lexicon))
        doubt = doubt or (TEXT_FROM_LIST if marked else None)
    if doubt is not None:
        return FieldValue(value=text, confidence=min(max(confidence, 0.0), 1.0), problem=doubt)
    return _valued(text, confidence, TEXT_FIXED if fixed else TEXT_UNSURE)


def snap_text(
    text: str, lexicon_name: str, confidence: float, read: TextRead | None = None
) -> WordSnap:
    """``text`` with what the word list clearly names in place of doubtful words. With
    the engine's ``read``, its few most probable readings are snapped too and the one
    the list explains best (its improbability plus the cost of its words) wins."""
    edit = _edit_cost(confidence, len(text))
    first, last = POSITIONAL.get(lexicon_name, (lexicon_name, None))
    words, last_words = word_list(first), None if last is None else word_list(last)

    def snap(line: str, compounds: bool = True) -> WordSnap:
        return snap_words(line, words, edit_cost=edit, keep=_KEEP_COST, last=last_words,
                          compounds=compounds)

    best = snap(text)
    if read is None or _aligned_alternatives(read) is None:
        return best
    best_score = best.cost
    readings = kbest_strings(char_dists(read, temper=_TEMPER), limit=_SNAP_READINGS)
    top_p = None
    for variant, p in readings:
        top_p = top_p or p
        if math.log(top_p / max(p, 1e-12)) >= best_score:
            break  # readings come most probable first: none after this can win
        cleaned = clean_text(variant, letters_only=True)[0]
        if not cleaned or cleaned == text:
            continue
        snapped = snap(cleaned, compounds=False)  # compounds only for the winner: dear
        score = snapped.cost + math.log(top_p / max(p, 1e-12))
        if score < best_score:
            changed = max(snapped.changed, int(snapped.text != text))
            best, best_score = replace(snapped, changed=changed), score
    if best.text != text:
        joined, (count, _) = join_compounds(best.text, words, edit)
        best = replace(best, text=joined, changed=best.changed + count)
    return best


def clean_text(text: str, *, letters_only: bool = False) -> tuple[str, bool]:
    """NFC, one space between words, box-line remnants off the ends; in fields that
    never hold digits, 0/1/5 inside words become o/l/s. Returns the text and whether
    such a fix was made."""
    collapsed = " ".join(unicodedata.normalize("NFC", text).split()).strip(_BOX_REMNANTS + " ")
    if not letters_only:
        return collapsed, False
    # a token with neither letter nor digit ("[&/") is a remnant, not part of a name
    collapsed = " ".join(w for w in collapsed.split() if any(c.isalnum() for c in w))
    fixed = re.sub(r"(?<=[^\W\d_])[015]+|[015]+(?=[^\W\d_])", _letters_for, collapsed)
    return fixed, fixed != collapsed


def _letters_for(match: re.Match[str]) -> str:
    return match.group().translate(_DIGIT_LETTERS)


def snap_kommun(text: str) -> tuple[str | None, float]:
    """The kommun ``text`` names and the margin (edit distance of the runner-up minus
    the best's); None unless the best is close and clearly better than the runner-up
    (an exact match ignoring case is always taken; one differing only in diacritics
    or separators needs half the margin)."""
    scored = _kommun_distances(text)
    if not scored:
        return None, 0.0
    (d1, best), d2 = scored[0], scored[1][0] if len(scored) > 1 else math.inf
    margin = d2 - d1
    only_diacritics = d1 <= 0.5 and margin >= 0.5
    if d1 <= _max_distance(best) and (d1 == 0 or only_diacritics or margin >= _KOMMUN_MIN_MARGIN):
        return best, margin
    return None, margin


def kommun_posterior(text: str, confidence: float) -> tuple[str | None, float]:
    """The best kommun and its posterior: each edit is as likely as a character error
    at ``confidence``; "not a kommun" competes at a distance of a few edits."""
    scored = _kommun_distances(text)
    if not scored:
        return None, 0.0
    alpha = _edit_cost(confidence, len(text))
    weights = [math.exp(-alpha * d) for d, _ in scored]
    other = math.exp(-alpha * max(2.5, 0.3 * len(text)))
    return scored[0][1], weights[0] / (sum(weights) + other)


def _kommun_value(text: str, confidence: float) -> FieldValue:
    snapped, _ = snap_kommun(text)
    best, posterior = kommun_posterior(text, confidence)
    if snapped is None:
        nearest = _nearest_kommun(text)
        if nearest is not None:  # a suggestion to check beats a name that is no kommun
            return FieldValue(value=nearest, confidence=min(confidence, _NOT_KOMMUN_CAP),
                              problem=KOMMUN_NEAREST)
        ambiguous = best is not None and posterior >= 0.2
        problem = KOMMUN_AMBIGUOUS if ambiguous else KOMMUN_UNKNOWN
        return FieldValue(value=text, confidence=min(confidence, _NOT_KOMMUN_CAP), problem=problem)
    return _valued(snapped, posterior, KOMMUN_AMBIGUOUS)


def _nearest_kommun(text: str) -> str | None:
    """The kommun nearest ``text`` when no other is as near and it is within
    :data:`_NEAREST_KOMMUN_SHARE` edits per letter (a kommun field names a kommun: on
    generated hand-printing the nearest was right 13 times in 19 where no kommun was
    clearly meant)."""
    scored = _kommun_distances(text)
    if not scored or (len(scored) > 1 and scored[1][0] <= scored[0][0]):
        return None
    distance, name = scored[0]
    return name if distance <= _NEAREST_KOMMUN_SHARE * len(name) else None


def _edit_cost(confidence: float, n: int) -> float:
    """log-odds of one character being right: the price of one edit."""
    p = min(_per_char(confidence, n), 0.9975)
    return min(max(math.log(p / (1.0 - p)), 1.5), 6.0)


def _max_distance(name: str) -> float:
    return max(1.0, 0.34 * len(name))


@cache
def _kommun_distances(text: str) -> list[tuple[float, str]]:
    best: dict[str, float] = {}
    for variant in _kommun_variants(text):
        for distance, name in _kommun_lexicon().scored(variant):
            best[name] = min(distance, best.get(name, math.inf))
    return sorted((d, name) for name, d in best.items())


@cache
def _kommun_lexicon() -> Lexicon:
    return Lexicon(kommuner())


def _kommun_variants(text: str) -> list[str]:
    """The name as written, and without "kommun"/"stad" and a genitive s before it."""
    key = fold_case(text)
    stripped = re.sub(r"\s*\b(kommun|stad)$", "", key)
    variants = {key, stripped}
    if stripped != key and stripped.endswith("s"):
        variants.add(stripped[:-1])
    return sorted(v for v in variants if v)


# --- ort och datum (FK 9443) --------------------------------------------------------------

_TOKEN = re.compile(r"\d+|[^\W\d_]+|\S")


def split_ort_och_datum(read: TextRead, *, today: date) -> tuple[FieldValue, FieldValue]:
    """FK 9443's "Ort och datum" line as (ort, datum): the date is the longest run of
    date-like tokens ("2026-03-14", "14/3 2026", "14 mars 2026"), wherever it stands;
    the ort is the rest without "den" and commas."""
    span = _date_span(read.text)
    if span is None:
        ort_read, datum = read, FieldValue(value=None, confidence=0.0, problem=DATE_MISSING)
    else:
        ort_read = _outside(read, *span)
        datum = interpret_date(_inside(read, *span), today=today)
    return _ort_value(ort_read), datum


def _date_span(text: str) -> tuple[int, int] | None:
    """Start and end of the longest run that starts and ends with digits and holds only
    digits, month names, separators, or one unknown word between two numbers."""
    tokens = list(_TOKEN.finditer(text))
    kinds = [_token_kind(t.group()) for t in tokens]
    best: tuple[int, int] | None = None
    for i, kind in enumerate(kinds):
        if kind != "date":
            continue
        j = _run_end(kinds, i)
        start, end = tokens[i].start(), tokens[j].end()
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return best


def _token_kind(token: str) -> str:
    if token.isdigit() or token.casefold().rstrip(".") in MONTHS:
        return "date"
    if token in "-/.":
        return "separator"
    return "word"


def _run_end(kinds: list[str], start: int) -> int:
    """Index of the last date token of the run beginning at ``start``."""
    last, k = start, start + 1
    while k < len(kinds):
        if kinds[k] == "date":
            last = k
        elif kinds[k] == "word" and not _between_numbers(kinds, k):
            break
        k += 1
    return last


def _between_numbers(kinds: list[str], k: int) -> bool:
    return 0 < k < len(kinds) - 1 and kinds[k - 1] == "date" and kinds[k + 1] == "date"


def _sliced(read: TextRead, pieces: list[tuple[int, int]]) -> TextRead:
    aligned = _aligned_alternatives(read)
    text = "".join(read.text[a:b] for a, b in pieces)
    alternatives = [alt for a, b in pieces for alt in aligned[a:b]] if aligned else []
    share = _count_visible(text) / max(_count_visible(read.text), 1)
    confidence = min(max(read.confidence, 1e-6), 1.0) ** share
    return TextRead(text=text, confidence=confidence, alternatives=alternatives)


def _inside(read: TextRead, start: int, end: int) -> TextRead:
    return _sliced(read, [(start, end)])


def _outside(read: TextRead, start: int, end: int) -> TextRead:
    return _sliced(read, [(0, start), (end, len(read.text))])


def _ort_value(read: TextRead) -> FieldValue:
    """The ort: a kommun when it clearly is one, else (for review) as written or, when
    the read is doubtful, the kommun its first words clearly name or the one nearest."""
    words = clean_text(read.text, letters_only=True)[0].split()
    while words and (words[-1].casefold().strip(",.") == "den" or _garble(words[-1])):
        words.pop()
    text = " ".join(words).strip(",.:;- ")
    if not text:
        return FieldValue(value=None, confidence=0.0, problem="Ort saknas")
    snapped, _ = snap_kommun(text)
    if snapped is not None:
        return _valued(snapped, kommun_posterior(text, read.confidence)[1], KOMMUN_AMBIGUOUS)
    confidence = min(read.confidence, _ORT_NOT_KOMMUN_CAP)
    if read.confidence < REVIEW_BELOW:
        # a doubtful read: the ort may be its first words, the rest a garbled date
        for count in range(len(words) - 1, 0, -1):
            prefix, _ = snap_kommun(" ".join(words[:count]).strip(",.:;- "))
            if prefix is not None:
                return FieldValue(value=prefix, confidence=confidence, problem=ORT_NOT_KOMMUN)
        nearest = _nearest_kommun(text)
        if nearest is not None:
            return FieldValue(value=nearest, confidence=confidence, problem=KOMMUN_NEAREST)
    return FieldValue(value=text, confidence=confidence, problem=ORT_NOT_KOMMUN)


def _garble(word: str) -> bool:
    """A word no place name ends with: digits, or a capital after a letter
    ("VUL4-U8-O9": a hand-printed date read as letters; "Malung-Sälen" is a name)."""
    return any(c.isdigit() for c in word) or any(
        a.isalpha() and b.isupper() for a, b in zip(word, word[1:], strict=False)
    )


# --- shared -------------------------------------------------------------------------------


def _valued(value: object, confidence: float, problem_if_low: str) -> FieldValue:
    confidence = min(max(confidence, 0.0), 1.0)
    problem = problem_if_low if confidence < REVIEW_BELOW else None
    return FieldValue(value=value, confidence=confidence, problem=problem)


def _empty(read: TextRead) -> FieldValue:
    """Nothing written: None, as sure as the reader is that the box is empty."""
    confidence = min(max(read.confidence, 0.0), 1.0)
    problem = EMPTY_UNSURE if confidence < REVIEW_BELOW else None
    return FieldValue(value=None, confidence=confidence, problem=problem)


# --- how far a free-text read can be trusted -------------------------------------------------

TEXT_CALIBRATION_FILE = "text_calibration.json"
#: What :func:`text_evidence` measures; every one is "more = worse".
TEXT_EVIDENCE = (
    "word_doubt", "char_doubt", "weak_chars", "runner_up", "variant_contested",
    "lower_start", "inner_capital", "lone_letter", "odd_chars",
)
_NAME_PARTICLES = frozenset({"af", "av", "von", "van", "de", "der", "den", "la", "le", "di", "da"})
_SMALL_WORDS = frozenset({"i", "å", "ö", "&"})
_NAME_MARKS = frozenset(" -'.")
_CONTESTED = 0.01  # a runner-up this likely: the engine saw two characters there
_WEAK = 0.9  # a top choice less likely than this is a weak character
_SIGNAL_PROBLEMS = {
    "lower_start": TEXT_CASE,
    "inner_capital": TEXT_CASE,
    "lone_letter": TEXT_SPACING,
    "runner_up": TEXT_CONTESTED,
    "variant_contested": TEXT_CONTESTED,
    "odd_chars": TEXT_ODD_CHARACTERS,
}



def text_evidence(read: TextRead, text: str, *, capitals: str) -> dict[str, float]:
    """What a free-text read shows about its own trustworthiness: the engine's doubt
    (about the word, its weakest character, how many characters are weak, how likely
    a runner-up is, how many runner-ups are the same letter in another case or with
    another diacritic) and the shape of the cleaned ``text`` against how the field is
    written (``capitals``: "words" when every word starts with a capital, as a name
    does; "first" when the first does): small first letters, a capital inside a word,
    lone letters, characters that are neither letters nor name punctuation."""
    tops, seconds, variants = _choice_strengths(read)
    words = text.split()
    evidence = {
        "word_doubt": 1.0 - min(max(read.confidence, 0.0), 1.0),
        "char_doubt": 1.0 - min(tops, default=1.0),
        "weak_chars": float(sum(p < _WEAK for p in tops)),
        "runner_up": max(seconds, default=0.0),
        "variant_contested": float(sum(variants)),
        "lower_start": float(_lower_starts(words, capitals)),
        "inner_capital": float(sum(_inner_capital(w) for w in words)),
        "lone_letter": float(sum(_lone_letter(w) for w in words)),
        "odd_chars": float(sum(not (c.isalpha() or c in _NAME_MARKS) for c in text)),
    }
    return {name: evidence[name] for name in TEXT_EVIDENCE}


def _choice_strengths(read: TextRead) -> tuple[list[float], list[float], list[bool]]:
    """Per visible character: the top choice's probability, the runner-up's, and
    whether a contested runner-up is the same letter in another case or with another
    diacritic (the misreads a reader does not notice)."""
    aligned = _aligned_alternatives(read)
    tops: list[float] = []
    seconds: list[float] = []
    variants: list[bool] = []
    for char, listed in zip(read.text, aligned or [], strict=False):
        if char.isspace() or not listed:
            continue
        ranked = sorted(listed, key=lambda choice: -choice[1])
        tops.append(float(ranked[0][1]))
        second, p = ranked[1] if len(ranked) > 1 else ("", 0.0)
        seconds.append(float(p))
        variants.append(p > _CONTESTED and _same_letter(second, ranked[0][0]))
    return tops, seconds, variants


def _same_letter(a: str, b: str) -> bool:
    return a != b and fold(a.casefold()) == fold(b.casefold())


def _lower_starts(words: list[str], capitals: str) -> int:
    if capitals == "words":
        return sum(w[:1].islower() and w.casefold() not in _NAME_PARTICLES for w in words)
    if capitals == "first":
        return int(bool(words) and words[0][:1].islower())
    return 0


def _inner_capital(word: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False))


def _lone_letter(word: str) -> bool:
    return len(word) == 1 and word.isalpha() and word not in _SMALL_WORDS


def evidence_of(field: FieldDef, read: TextRead, *, today: date) -> dict[str, float] | None:
    """The evidence :func:`text_evidence` finds for a free-text field (FK 9443's ort:
    its part of the line), None for other fields and for reads with no text."""
    kind = text_kind(field.name)
    if kind is None:
        return None
    if field.widget == ORT_OCH_DATUM:
        span = _date_span(read.text)
        read = read if span is None else _outside(read, *span)
    text = clean_text(read.text, letters_only=field.name in _LETTERS_ONLY)[0]
    return text_evidence(read, text, capitals=kind.capitals) if text else None


class Signal(BaseModel, frozen=True):
    """Learned evidence that a read is wrong: of the reads the engine was sure of whose
    ``evidence`` was at least ``at``, only ``p_right`` were right."""

    evidence: str
    at: float
    p_right: float = Field(ge=0.0, le=1.0)


class TextKind(BaseModel, frozen=True):
    """A kind of free-text field: how its text is capitalised, and the signals learned
    for it (none until ``scripts/calibrate_text.py`` has learned them)."""

    fields: tuple[str, ...]
    capitals: Literal["words", "first", "none"] = "none"
    signals: tuple[Signal, ...] = ()

    def fired(self, evidence: dict[str, float]) -> Signal | None:
        """The least trusting signal the evidence sets off, if any."""
        found = [s for s in self.signals if evidence[s.evidence] >= s.at]
        return min(found, key=lambda s: s.p_right, default=None)


class TextCalibration(BaseModel, frozen=True):
    """The kinds of free-text field (``intake/mapping/data/text_calibration.json``,
    learned by ``scripts/calibrate_text.py``)."""

    kinds: dict[str, TextKind]

    def kind_of(self, name: str) -> TextKind | None:
        return next((k for k in self.kinds.values() if name in k.fields), None)

    @model_validator(mode="after")
    def _known_evidence(self) -> Self:
        unknown = {s.evidence for k in self.kinds.values() for s in k.signals}
        unknown -= set(TEXT_EVIDENCE)
        if unknown:
            raise ValueError(f"unknown evidence {sorted(unknown)}")
        return self


@cache
def text_calibration() -> TextCalibration:
    """The shipped calibration (cached)."""
    source = resources.files("intake.mapping") / "data" / TEXT_CALIBRATION_FILE
    try:
        return TextCalibration.model_validate_json(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"intake/mapping/data/{TEXT_CALIBRATION_FILE} is missing or broken ({exc}); "
            "run scripts/calibrate_text.py calibrate"
        ) from exc


def text_kind(name: str) -> TextKind | None:
    return text_calibration().kind_of(name)


def text_doubt(name: str, read: TextRead, text: str) -> tuple[float, str | None]:
    """The confidence of the read ``text`` of field ``name`` and, when a learned signal
    says the read is often wrong, that signal's problem. Only an engine's read (one
    with per-character alternatives) is weighed; others keep their confidence (a
    digital form's exact text, say)."""
    kind = text_kind(name)
    if kind is None or not kind.signals or _aligned_alternatives(read) is None:
        return read.confidence, None
    signal = kind.fired(text_evidence(read, text, capitals=kind.capitals))
    if signal is None:
        return read.confidence, None
    problem = _SIGNAL_PROBLEMS.get(signal.evidence, TEXT_UNSURE)
    return min(read.confidence, signal.p_right), problem
