"""A read personnummer → the most probable personnummer that can exist (SPEC §4).

Exact constrained decoding over the per-character alternatives. Every 12-digit string
factors into year × month-day × serial, tied together only by the Luhn residue mod
10, so the most probable string that has a Luhn digit, a real (or samordning) date
and a century giving an age of 15–100 years, *and* the total probability of all such
strings, come out of sums and maxima over three small tables. The confidence is the
posterior of the chosen string against every other valid string and against "the
person wrote an invalid number" (the priors are ``Context.priors``).

A wrong digit can hide behind a passing Luhn digit, so each digit is taken to be as
unsure as the whole read (the cautious reading of an engine's word confidence, its
least sure character); the engine's alternatives are flattened and given an unlisted
share that grows with the engine's doubt, and a changed digit under the Luhn digit is
always left for review (measured in ``scripts/measure_interpret.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import numpy as np

from intake.learned import Priors
from intake.learned.digits import CLASSES, OTHER
from intake.mapping.base import (
    CONTRADICTS,
    Context,
    Dist,
    FieldValue,
    as_digit,
    char_dists,
    empty,
    valued,
)
from intake.reads import Cut, TextRead
from intake.sus import personnummer as pnr

MIN_AGE, MAX_AGE = 15, 100

# Messages a reviewer reads (Swedish, never containing the value itself).
PNR_CORRECTED = "Personnumret är rättat med hjälp av kontrollsiffran och datumet; kontrollera"
PNR_UNSURE = "Personnumret är svårläst; kontrollera"
PNR_TEN_DIGITS = "Personnumret har tio siffror och är svårläst; kontrollera"
PNR_PLUS = "Plustecken i personnumret betyder 100 år eller äldre; kontrollera"
PNR_IMPLAUSIBLE_AGE = f"Åldern är inte rimlig ({MIN_AGE}–{MAX_AGE} år); kontrollera århundradet"
PNR_GUESSED_LENGTH = "Personnumret lästes med fel antal siffror; en siffra är gissad"
PNR_READERS_DISAGREE = "Personnumret läses olika av textläsaren och sifferläsaren; kontrollera"
#: Probability every digit keeps in a classifier's glyph row (it may be wrong).
_CUT_FLOOR = 1e-3
#: The classifier's class for a glyph that is no digit (a letter).
LETTER = CLASSES.index(OTHER)
#: A number the classifier's cuts give less than this share of their probability, while
#: giving another at least ``UNSUPPORTED_BESIDE``, is one it contradicts.
UNSUPPORTED = 0.01
UNSUPPORTED_BESIDE = 0.1
#: The positions of the century (of the 12): no check digit covers them, and between
#: :data:`MIN_AGE` and :data:`MAX_AGE` the year's last two digits decide them alone.
CENTURY = frozenset({0, 1})

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


def interpret_personnummer(read: TextRead, context: Context) -> FieldValue:
    """The 12-digit personnummer: the most probable number that can exist (SPEC §4),
    from the engine's read and, for hand-printed digits, from the whole field as the
    digit classifier cut it (:func:`whole_field`); where both are fairly sure and
    differ, a person decides."""
    if not read.text.strip() and not read.cuts:
        return empty(read, context)
    as_read = _as_read_by_engine(read, context) if read.text.strip() else None
    whole = whole_field(read.cuts, context)
    if as_read is not None and whole is not None and as_read.value != whole.value \
            and as_read.confidence < whole.posterior \
            and (_engine_guessed(as_read, read, context.today)
                 or _engine_slipped(as_read, read, whole)):
        as_read = None  # a less sure guess from digits no one writes: no second opinion
    return _disputed(_reconcile(as_read, whole, context, _written_digits(read)), read,
                     whole, context)


def _disputed(value: FieldValue, read: TextRead, whole: WholeField | None,
              context: Context) -> FieldValue:
    """A value left unflagged that one reader contradicts is flagged after all: the
    classifier's cuts find it next to impossible (:data:`UNSUPPORTED`) while they
    read another number fairly well, or the engine read ten or twelve other digits
    fairly surely. (Either reader alone reads a hand it never saw wrong and sure.)"""
    if whole is None or value.value is None or value.confidence < context.review_below:
        return value
    against_whole = whole.posterior >= UNSUPPORTED_BESIDE \
        and whole.share(value.value) < UNSUPPORTED
    written = _written_digits(read)
    against_engine = read.confidence >= CONTRADICTS and len(written) in (10, 12) \
        and not value.value.endswith(written) \
        and _could_be_written(written, value.value, whole, context.today)
    if not (against_whole or against_engine):
        return value
    return FieldValue(value=value.value, confidence=context.priors.invalid_cap,
                      problem=PNR_READERS_DISAGREE)


def _could_be_written(digits: str, value: str, whole: WholeField, today: date) -> bool:
    """Whether the engine's ``digits`` (10 or 12) are a number someone may have written
    instead of ``value``, and so speak against it: one that can exist, or one only its
    check digit keeps from existing (a writer's slip) -- unless it is ``value`` with one
    digit misread (which Luhn always catches) and the classifier saw ``value``'s digit
    there (:func:`_seen_where_misread`). Digits with no real date or an impossible
    century are a misreading, not a number anyone wrote. (hand-calib300 seed 77: of 4
    right personnummer sent to a person as read differently, 2 were such reads, and 1
    the engine's guess from digits with no real date: :func:`_engine_guessed`.)"""
    kinds = _kinds(digits, today)
    if "valid" in kinds:
        return True
    return "luhn_wrong" in kinds and not _seen_where_misread(digits, value, whole.seen)


def _seen_where_misread(digits: str, value: str, seen: str) -> bool:
    """Whether the engine's ``digits`` are ``value`` with one digit misread, and the
    classifier saw ``value``'s digit in that place: each digit of ``value`` then has a
    reader that saw it, and the engine's other digit fails Luhn, so it is a misreading
    and no number the writer may have written. (hand-calib300 seed 77: a number the
    classifier read at 0.90, one year digit seen wrong, the engine every digit right
    but a 3 read as an 8, went to a person as read differently.)"""
    places = [i for i in range(1, len(digits) + 1) if digits[-i] != value[-i]]
    return len(places) == 1 and seen[-places[0]] == value[-places[0]]


def _kinds(digits: str, today: date) -> set[str]:
    """What kind of number 12 digits are, or 10 under either century (:func:`_kind`)."""
    if len(digits) == 10:
        return {_kind(century + digits, today) for century in ("19", "20")}
    return {_kind(digits, today)}


def _engine_guessed(as_read: FieldValue, read: TextRead, today: date) -> bool:
    """The engine's value is not what it read but a valid number its alternatives were
    corrected to, from digits that cannot be a personnummer at all."""
    written = _written_digits(read)
    if as_read.value is None or len(written) not in (10, 12) \
            or as_read.value.endswith(written):
        return False
    return _kinds(written, today) == {"impossible"}


def _engine_slipped(as_read: FieldValue, read: TextRead, whole: WholeField) -> bool:
    """What the engine read is the classifier's number with one digit misread where the
    classifier saw that number's digit (:func:`_seen_where_misread`): its value, that
    read (its check digit failing) or a correction of it, rests on the engine's
    misreading, not on the ink. (phone-calib seed 79: a number the classifier read at
    0.99, every glyph as written, went to a person as read differently because the
    engine misread its check digit and corrected another digit to make it pass;
    hand-real300 seed 77: one at 0.998 because the engine misread a 9 as a 1.)"""
    written = _written_digits(read)
    if as_read.value is None or len(written) not in (10, 12):
        return False
    return _seen_where_misread(written, whole.value, whole.seen)


def _written_digits(read: TextRead) -> str:
    """The digits of the engine's text, as it read them (separators dropped)."""
    return "".join(c for c in read.text if c.isdigit())


def _as_read_by_engine(read: TextRead, context: Context) -> FieldValue:
    read_digits, rows, plus = _pnr_rows(read, context.priors)
    if len(rows) == 12:
        decoding = _decode(np.array(rows), context, read_digits)
        value = _decide(decoding, read_digits, context)
    elif len(rows) == 10:
        value = _ten_digits(read_digits, rows, context)
    elif len(rows) in (11, 13):
        value = _salvage(rows, context)
    else:
        problem = f"{pnr.WRONG_LENGTH} (här finns {len(rows)})"
        value = FieldValue(value=None, confidence=0.0, problem=problem)
    return _plus_checked(value, context.priors) if plus else value


@dataclass(frozen=True)
class WholeField:
    """The likeliest valid personnummer over every cut of the line, its posterior, and
    whether the cut it rests on has ten digits (no century written)."""

    value: str
    posterior: float
    ten_digits: bool
    #: each glyph's likeliest digit on the likeliest cut: what the classifier saw written
    seen: str
    #: the share of the probability over all cuts that a given 12-digit number has
    share: Callable[[str], float]
    #: positions (of the 12) where the likeliest cut has a glyph the classifier took for
    #: no digit at all (a letter: a digit written oddly, or two run together)
    unread: frozenset[int] = frozenset()


def whole_field(cuts: Sequence[Cut], context: Context) -> WholeField | None:
    """Segmentations × glyph probabilities under the constraints: each cut (weighted by
    how likely its glyphs are whole digits) decoded exactly under Luhn, a real date and
    a plausible age; the string with the most probability over all cuts, and its share
    of all the valid (and, at their priors, invalid) strings."""
    weighted = [(cut, _rows_of(cut, context.priors)) for cut in cuts
                if len(cut.glyphs) in (10, 12)]
    if not weighted:
        return None
    top = max(cut.log_weight for cut, _ in weighted)
    decodings = []
    for cut, rows in weighted:
        full = np.array(rows if len(rows) == 12 else _century_rows() + rows)
        decodings.append((math.exp(cut.log_weight - top), full, _decode(full, context),
                          len(rows) == 10))
    candidates = {d.best for _, _, d, _ in decodings if d.best}
    if not candidates:
        return None

    def mass(number: str) -> float:
        return sum(w * float(np.prod(full[np.arange(12), [int(c) for c in number]]))
                   for w, full, _, _ in decodings)

    best = max(sorted(candidates), key=mass)
    denominator = max(sum(w * d.denominator() for w, _, d, _ in decodings), 1e-300)
    heaviest = max(range(len(decodings)), key=lambda i: decodings[i][0])
    _, top_rows, _, ten = decodings[heaviest]
    seen = "".join(str(int(i)) for i in top_rows.argmax(axis=1))
    if ten:
        seen = _aged(seen[2:], context.today)
    glyphs = weighted[heaviest][0].glyphs
    unread = frozenset(12 - len(glyphs) + i for i, glyph in enumerate(glyphs)
                       if max(glyph[:11]) < glyph[LETTER])

    def share(number: str) -> float:
        return min(1.0, mass(number) / denominator) if re.fullmatch(r"\d{12}", number) else 0.0

    return WholeField(best, share(best), ten, seen, share, unread)


def _aged(digits: str, today: date) -> str:
    """Ten digits with the century that gives a plausible age (the hyphen's "under
    100"), or 19 where none does: no glyph of a ten-digit cut shows the century, so
    what the classifier saw is the ten digits under the age's century."""
    return next((c + digits for c in ("19", "20") if _plausible_age(c + digits, today)),
                "19" + digits)


def _rows_of(cut: Cut, priors: Priors) -> list[np.ndarray]:
    """Each glyph's ten digit probabilities (a slash is a one written as a stroke),
    flattened as the engine's are: the classifier was calibrated on glyphs scanned as
    it was trained, and a real scan may be worse."""
    rows = []
    for glyph in cut.glyphs:
        row = np.array(glyph[:10])
        row[1] += glyph[10]
        row = (row / max(float(row.sum()), 1e-12)) ** priors.temper + _CUT_FLOOR
        rows.append(row / row.sum())
    return rows


def _reconcile(as_read: FieldValue | None, whole: WholeField | None,
               context: Context, written: str = "") -> FieldValue:
    """The engine's value and the whole-field one, made one: agreeing, the surer
    confidence, or both together where each reader saw the number as it is
    (:func:`_both_saw`); differing, the better one — for review when both were fairly
    sure (:data:`~intake.mapping.base.CONTRADICTS`)."""
    if whole is None:
        return as_read or FieldValue(value=None, confidence=0.0, problem=pnr.WRONG_LENGTH)
    unsure = PNR_TEN_DIGITS if whole.ten_digits else PNR_UNSURE
    if as_read is not None and as_read.value == whole.seen != whole.value:
        if whole.posterior < context.review_below:
            return as_read  # both readers see this number: it was written so (and is invalid)
        # ... unless the one valid number near it is far likelier: shown, for review
        return FieldValue(value=whole.value, confidence=context.priors.correction_cap,
                          problem=PNR_CORRECTED)
    if as_read is not None and as_read.value == whole.value:
        confidence = max(as_read.confidence, whole.posterior)
        if whole.value.endswith(written) and len(written) in (10, 12) \
                and whole.seen == whole.value:
            confidence = _both_saw(as_read.confidence, whole.posterior)
        if as_read.problem in (None, PNR_UNSURE, PNR_CORRECTED, PNR_TEN_DIGITS):
            return valued(whole.value, confidence, unsure, context)
        return as_read.model_copy(update={"confidence": confidence})
    if as_read is not None and as_read.value is not None \
            and min(as_read.confidence, whole.posterior) >= CONTRADICTS:
        chosen = as_read.value if as_read.confidence >= whole.posterior else whole.value
        return FieldValue(value=chosen, confidence=context.priors.invalid_cap,
                          problem=PNR_READERS_DISAGREE)
    if as_read is not None and as_read.value is not None \
            and as_read.confidence >= whole.posterior:
        return as_read
    if whole.unread - CENTURY:
        # a digit the check digit chose where the classifier saw none: reviewed however
        # sure, or a writer's wrong check digit is made right unseen (hand-calib300 seed
        # 81: "...2398" with the 2 seen as a letter became a valid "...8398" at 0.97).
        # A century seen as no digit is the age's to decide, as when none is written.
        return FieldValue(value=whole.value, confidence=min(
            whole.posterior, context.priors.correction_cap), problem=PNR_CORRECTED)
    return valued(whole.value, whole.posterior, unsure, context)


def _both_saw(engine: float, classifier: float) -> float:
    """The probability of a number two readers each read digit by digit as it is, from
    their own: two looks at the ink, each ruling out what the other leaves open. Their
    doubt may all rest on one and the same other number, so it is taken so: ``e·c /
    (e·c + (1-e)(1-c))``, the least any split of the two doubts gives; and never less
    than the surer reader alone. (hand-calib300 seed 77: a number both read exactly,
    at 0.81 and 0.78, went to a person as hard to read.)"""
    both = engine * classifier
    return max(engine, classifier, both / max(both + (1 - engine) * (1 - classifier), 1e-12))


def _pnr_rows(read: TextRead, priors: Priors) -> tuple[str, list[np.ndarray], bool]:
    """The digits read, one probability row per digit position, and whether a ``+``
    was written; separators and stray marks are dropped."""
    digits, rows, plus = [], [], False
    for char, dist in zip(
        read.text,
        char_dists(
            read, temper=priors.temper, floor=priors.floor, unsure=priors.floor_unsure,
            every_char_as_unsure=True,
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
    priors: Priors
    p_read: float = 0.0
    read_kind: str = "impossible"  # "valid", "luhn_wrong" or "impossible"

    def denominator(self) -> float:
        luhn_wrong = max(self.z_dateok - self.z_valid, 0.0)
        impossible = max(1.0 - self.z_dateok, 0.0)
        return (self.z_valid + self.priors.rho_written_wrong * luhn_wrong
                + self.priors.rho_impossible * impossible)

    def posterior_best(self) -> float:
        return min(1.0, self.p_best / self.denominator()) if self.best else 0.0

    def posterior_read(self) -> float:
        prior = {"valid": 1.0, "luhn_wrong": self.priors.rho_written_wrong}.get(self.read_kind)
        return min(1.0, (prior or self.priors.rho_impossible) * self.p_read / self.denominator())


@dataclass(frozen=True)
class _Part:
    """Strings for consecutive positions, their digits and Luhn residue mod 10."""

    offset: int
    texts: tuple[str, ...]
    digits: np.ndarray  # (k, width)
    residue: np.ndarray  # (k,)
    by_residue: tuple[np.ndarray, ...]  # per residue 0-9, the indices of its strings


def _part(offset: int, texts: Sequence[str]) -> _Part:
    digits = np.array([[int(c) for c in t] for t in texts], dtype=np.intp)
    positions = offset + np.arange(digits.shape[1])
    weights = np.where((positions >= 2) & (positions <= 10) & (positions % 2 == 0), 2, 1)
    contribution = digits * weights[np.newaxis, :]
    contribution = contribution // 10 + contribution % 10
    residue = np.where(positions <= 1, 0, contribution).sum(axis=1) % 10
    by_residue = tuple(np.flatnonzero(residue == r) for r in range(10))
    return _Part(offset, tuple(texts), digits, residue, by_residue)


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
    for residue, members in enumerate(part.by_residue):
        if len(members):  # the likeliest string, the last listed of equally likely ones
            index = members[len(members) - 1 - int(np.argmax(scores[members][::-1]))]
            best_p[residue], best[residue] = scores[index], part.texts[index]
    return _Table(total, best_p, best, float(scores.sum()))


def _decode(rows: np.ndarray, context: Context, read: str | None = None) -> _Decoding:
    """Exact max- and sum-product over valid numbers: year × month-day × serial, joined
    by the Luhn residue (the total over YYMMDDNNNC must be 0 mod 10)."""
    first, last = context.today.year - MAX_AGE, context.today.year - MIN_AGE
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
    decoding = _Decoding(best, p_best, z_valid, z_dateok, context.priors)
    return decoding if read is None else _with_read(decoding, rows, read, context.today)


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


def _decide(decoding: _Decoding, read_digits: str, context: Context) -> FieldValue:
    """The best valid number when it is what was read or clearly better; else what was
    read, with the reason and a low confidence."""
    priors = context.priors
    posterior = decoding.posterior_best()
    if decoding.best == read_digits or (decoding.best and posterior >= priors.accept_correction):
        problem = PNR_UNSURE if decoding.best == read_digits else PNR_CORRECTED
        factor = _correction_factor(decoding.best, read_digits, priors)
        return valued(decoding.best, posterior * factor, problem, context)
    if decoding.read_kind == "valid":
        return valued(read_digits, decoding.posterior_read(), PNR_UNSURE, context)
    if decoding.read_kind == "impossible" and decoding.best:
        # no such number can exist (no real date, or an impossible century): the
        # likeliest one that can is the better guess to show, flagged all the same
        return valued(decoding.best, min(posterior, priors.invalid_cap), PNR_CORRECTED, context)
    return _as_read(read_digits, decoding.posterior_read(), context)


def _correction_factor(best: str, read_digits: str, priors: Priors) -> float:
    """A changed digit under the Luhn digit rests on the engine's alternatives, which
    are not calibrated well enough to skip review; a century fixed by the age is not."""
    return 1.0 if best[2:] == read_digits[2:] else priors.pnr_correction_factor


def _as_read(read_digits: str, confidence: float, context: Context) -> FieldValue:
    """What was read, flagged: it is not a personnummer that can exist."""
    parsed = pnr.parse_personnummer_lenient(read_digits, today=context.today)
    digits = parsed.digits or read_digits
    problem = parsed.problem or PNR_IMPLAUSIBLE_AGE
    confidence = min(confidence, context.priors.invalid_cap)
    return FieldValue(value=digits, confidence=confidence, problem=problem)


def _century_rows() -> list[np.ndarray]:
    """No century written: 19 and 20 are equally likely before the age decides."""
    first, second = np.zeros(10), np.zeros(10)
    first[[1, 2]] = 0.5
    second[[9, 0]] = 0.5
    return [first, second]


def _ten_digits(read_digits: str, rows: list[np.ndarray], context: Context) -> FieldValue:
    """No century written: decoded with both centuries open, the age decides (between
    :data:`MIN_AGE` and :data:`MAX_AGE` only one century ever gives a plausible age, as the
    hyphen says: under 100), so a number read surely is not flagged for it. Calibration
    forms (hand-calib300 seeds 77, 81, 91, fax-calib200 seed 78): 6 ten-digit numbers,
    all right, all sent to review for the missing century; 5 of them read at 0.987-0.995."""
    today = context.today
    full = np.array(_century_rows() + rows)
    decoding = _decode(full, context)
    if decoding.best is not None and decoding.best[2:] == read_digits:
        as_read = decoding.best
    else:
        parsed = pnr.parse_personnummer_lenient(read_digits, today=today)
        as_read = parsed.digits or f"19{read_digits}"
    value = _decide(_with_read(decoding, full, as_read, today), as_read, context)
    if value.problem in (None, PNR_UNSURE) and value.value == as_read:
        return valued(value.value, value.confidence, PNR_TEN_DIGITS, context)
    return value


def _salvage(rows: list[np.ndarray], context: Context) -> FieldValue:
    """11 or 13 digits: one was added or lost. Try each deletion (and for 11 each
    insertion of an unknown digit); the best valid number, always for review."""
    uniform = np.full(10, 0.1)
    variants = [rows[:i] + rows[i + 1 :] for i in range(len(rows))]
    if len(rows) == 11:
        variants += [rows[:i] + [uniform] + rows[i:] for i in range(12)]
    found = [_decode_any_length(v, context) for v in variants]
    total = sum(d.z_valid for d in found)
    best = max(found, key=lambda d: d.p_best)
    if best.best is None or total <= 0:
        return FieldValue(value=None, confidence=0.0, problem=PNR_GUESSED_LENGTH)
    confidence = min(context.priors.salvage_cap, best.p_best / total)
    return FieldValue(value=best.best, confidence=confidence, problem=PNR_GUESSED_LENGTH)


def _decode_any_length(rows: list[np.ndarray], context: Context) -> _Decoding:
    prefix = _century_rows() if len(rows) == 10 else []
    return _decode(np.array(prefix + rows), context)


def _plus_checked(value: FieldValue, priors: Priors) -> FieldValue:
    confidence = min(value.confidence, priors.invalid_cap)
    return FieldValue(value=value.value, confidence=confidence, problem=value.problem or PNR_PLUS)
