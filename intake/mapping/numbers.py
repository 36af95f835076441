"""Dates, percents and codes: the k most probable strings of a read are parsed and must
give a real date in a plausible range, 0–100, or 1–9; the confidence is the probability
mass of the chosen value among them (:func:`~intake.mapping.base.vote`). A date, a
percent or a code has no check digit, so a value corrected from the alternatives is
never trusted without review."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Sequence
from datetime import date, timedelta
from typing import NamedTuple, TypeVar

import numpy as np

from intake.errors import ParseError
from intake.learned import Priors
from intake.learned.digits import CLASSES, OTHER
from intake.learned.months import named_month
from intake.mapping.base import (
    CONTRADICTS,
    LOOKALIKE_DIGITS,
    Context,
    FieldValue,
    Vote,
    empty,
    valued,
    vote,
)
from intake.mapping.lexicon import edit_distance
from intake.reads import Cut, TextRead
from intake.settings import REVIEW_BELOW
from intake.sus.values import (
    BAD_CODE,
    BAD_PERCENT,
    MONTH_NAMES,
    MONTHS,
    parse_code,
    parse_date,
    parse_percent,
)

FIRST_FORM_DATE = date(2000, 1, 1)

DATE_UNSURE = "Datumet är svårläst; kontrollera"
DATE_CORRECTED = "Datumet är rättat efter OCR-alternativen; kontrollera"
DATE_OUT_OF_RANGE = "Datumet ligger utanför rimligt intervall; kontrollera"
VALUE_UNSURE = "Värdet är svårläst; kontrollera"
VALUE_CORRECTED = "Värdet är rättat efter OCR-alternativen; kontrollera"
DIGIT_CONTESTED = "En siffra kan läsas som en annan, som ger ett annat giltigt värde; kontrollera"
DATE_READERS_DISAGREE = "Datumet läses olika av textläsaren och sifferläsaren; kontrollera"
VALUE_READERS_DISAGREE = "Värdet läses olika av textläsaren och sifferläsaren; kontrollera"
#: The classes a glyph of a date may be (digits, then the slash) and how many are kept.
_CUT_CLASSES = "0123456789/"
_CUT_CHOICES = 4
_LETTER = CLASSES.index(OTHER)  # the classifier's class for a letter
_SLASH = CLASSES.index("/")
#: A slash the classifier saw may be a one written as one stroke: its share as a one.
_SLASH_AS_ONE = 0.5
#: A cut that reads no real date counts this much against the dates other cuts read: a
#: date box holds a date, and cuts differ mostly by where a glyph was split. Chosen on
#: the calibration forms (``intake.training.calibrate_review``): at 0.25 a right date
#: among many cuts that split a glyph wrongly read as unsure as a misread one.
_INVALID_CUT = 0.03
#: A date no cut's likeliest glyphs read, only their lesser choices (a "3" at 0.59 taken
#: for the "2" it gave 0.10 to make day "35" real), is this much less sure: those choices
#: are the classifier's least calibrated part on a hand it never saw. Calibration forms
#: (hand-calib300 seeds 77, 81, 91): of 10 such dates above the review line one was
#: wrong (2025-02-25 for 2025-02-05, 0.71); at 0.8 it is reviewed, with 4 right ones.
GUESSED_GLYPHS = 0.8
#: A percent or a code the classifier's cuts give at least this share of their
#: probability stands against the engine's other reading (Tesseract reads a hand's
#: single digits confidently wrong: a 9 as "4" at 0.95, "75" as "5", "100" as "10").
#: Calibration forms (hand-calib300 seed 77, fax-calib200 seed 78): 8 percents and codes
#: read so, the classifier's value right in all (its posterior 0.93-0.997); where the
#: engine was right, the classifier's posterior was at most 0.49.
CLASSIFIER_OUTVOTES = 0.9
#: An engine's value corrected from its alternatives, not read as written.
_CORRECTIONS = (DATE_CORRECTED, VALUE_CORRECTED)
#: How the engine's month name was read (:func:`_written_month`).
_READ, _SNAPPED, _GUESSED = "read", "snapped", "guessed"
#: A word this long whose first three letters are a long month's may be that month.
_HEADED_MONTH = 5
#: A word of five letters or more is a month's name misread when one month is clearly
#: nearest and within this many edits per letter read ("nevenber" 2.0 from november;
#: the runner-up at least one edit farther). Calibration forms (hand-calib300 seeds 77,
#: 81; fax-calib200 seed 78): "20 nevejuber 2 024" (3.0 from november, 4.0 from
#: december) read right for review; no month snapped wrong.
MONTH_MISREAD_SHARE = 0.4
#: How many of a date's reads (the first and its rereads) must name a month for it to
#: stand as read (one of them letter-perfect) or as snapped; fewer, or another month
#: named by any read, and the month is a guess for a person (:func:`_month_vote`).
#: Calibration forms (hand-real300 seeds 77, 81, 91, 95, fax-real200 78, phone-real 79,
#: typed-office300 80, 30-60 forms each; four reads a date): no month the vote took as
#: read or snapped was wrong (63 right), where the first read alone took "jun" for a
#: "jan" letter-perfect (no reread named jun clearly: now a guess, reviewed).
MONTH_READ_SHARE = 0.75
MONTH_SNAP_SHARE = 0.5
#: A year written in full, in glyphs; and the fewest glyphs a month's name written
#: between a day and a year is taken to be when told by place (:func:`_placed_read`).
_YEAR_GLYPHS = 4
_PLACED_LETTERS = 2
#: ... snapped so, but more edits off than this, the month is a guess for a person (the
#: old limit of a snap: within it a month read so stays as sure as a correction).
_NEAR_MONTH = 2.0

T = TypeVar("T", bound=Hashable)

_LOOKALIKE_TRANS = str.maketrans({k: str(v) for k, v in LOOKALIKE_DIGITS.items()})
_NUMERIC_TOKEN = re.compile(r"[\d\-/.%" + re.escape("".join(LOOKALIKE_DIGITS)) + r"]+")


def digits_for_lookalikes(text: str) -> str:
    """Letters that look like digits, in tokens of digits and such letters only."""
    return re.sub(r"\S+", _numeric_token, text)


def _numeric_token(match: re.Match[str]) -> str:
    token = match.group()
    return token.translate(_LOOKALIKE_TRANS) if _NUMERIC_TOKEN.fullmatch(token) else token


def interpret_date(read: TextRead, context: Context) -> FieldValue:
    """A real date, written in any usual Swedish way, in 2000 … a year from today: as
    the engine read it and, for hand-printed digits, from the whole field as the digit
    classifier cut it (:func:`whole_date`); where both are fairly sure and differ, a
    person decides."""
    if not read.text.strip() and not read.cuts:
        return empty(read, context)
    as_read = _engine_date(read, context) if read.text.strip() else None
    whole = whole_date(read.cuts, context, written=read.text, rereads=read.rereads,
                       month_word=read.month_word)
    if whole is None:
        return as_read or FieldValue(value=None, confidence=0.0, problem=DATE_UNSURE)
    return _with_contest(_two_readers(as_read, whole, DATE_UNSURE, DATE_READERS_DISAGREE,
                                      context), whole, context)


def _with_contest(value: FieldValue, whole: Whole, context: Context) -> FieldValue:
    """``value`` told how contested the classifier's reading is, when it is that one;
    contested at or past the fitted line (``ReviewLines.contested``), it goes to a
    person however sure the field is, and is no surer than such values were on the
    calibration forms: one glyph decides between two real values, and the classifier's
    runner-up at a glyph of a hand it never saw is often the digit written (hand-real300
    seed 77: a code's 7 read 4, its 7 at 0.26, both readers agreeing at 0.92; a year's 6
    read 4 at 0.61; a percent's 75 read 95 at 0.49)."""
    if value.value != whole.value or not whole.contested:
        return value
    value = value.model_copy(update={"contested": whole.contested})
    lines = context.review_lines
    if lines.contested is None or whole.contested < lines.contested \
            or value.problem is not None:
        return value
    return value.model_copy(update={
        "confidence": min(value.confidence, lines.contested_right),
        "problem": DIGIT_CONTESTED})


def _two_readers(as_read: FieldValue | None, whole: Whole, unsure: str,
                 disagree: str, context: Context, *, outvotes: float = 1.0) -> FieldValue:
    """The engine's reading of a field and the whole-field decoding of the classifier's
    cuts (value, posterior) as one: agreeing, as sure as the surer; both fairly sure of
    different values, the likelier one for a person to decide -- unless the classifier
    is at least ``outvotes`` sure; else the surer."""
    value, posterior = whole.value, whole.posterior
    if as_read is not None and as_read.value == value and whole.borrowed:
        # the engine alone read a part (the day): as sure as any field must be to pass
        # without a fitted line, or it is a guess (a typed "25 januari" at 0.95 passes;
        # a hand's "4 oktober" at 0.72, a 9 written, does not)
        sure = as_read.confidence >= REVIEW_BELOW
        return valued(value, min(as_read.confidence, context.priors.correction_cap)
                      if sure else posterior, unsure, context)
    if as_read is not None and as_read.value == value:
        return valued(value, max(as_read.confidence, posterior), unsure, context)
    if posterior >= outvotes:
        return valued(value, posterior, unsure, context)
    if as_read is not None and as_read.value is not None \
            and min(as_read.confidence, posterior) >= CONTRADICTS:
        chosen = value if posterior > as_read.confidence else as_read.value
        return FieldValue(value=chosen, confidence=context.priors.invalid_cap, problem=disagree)
    if as_read is not None and as_read.value is not None and as_read.confidence >= posterior \
            and as_read.problem not in _CORRECTIONS:
        return as_read
    # (a value the engine's alternatives were corrected to is a guess; the classifier
    # read the other one from the writing: "26 augusti 2029" made 2023, cuts 2024-08-26)
    return valued(value, posterior, unsure, context)


class Whole(NamedTuple):
    """A field decoded from the classifier's cuts: the value, its posterior, and how
    contested it is (:attr:`~intake.mapping.base.Vote.contested`)."""

    value: object
    posterior: float
    contested: float = 0.0
    #: a part of the value (a date's day) is the engine's reading, not the classifier's:
    #: the engine agreeing with it is no second reader
    borrowed: bool = False


def whole_date(cuts: Sequence[Cut], context: Context, *, written: str = "",
               rereads: Sequence[str] = (), month_word: Sequence[float] = ()) -> Whole | None:
    """Segmentations × glyph probabilities: each cut of the line (weighted by how likely
    its glyphs are whole characters) read as the k likeliest strings, which must be a
    real date in the form's range; the date with the most probability over all cuts,
    and that share (a cut reading no date weighs :data:`_INVALID_CUT` of its own).
    Letters the classifier saw between the digits ("14 mars 2026") are the month the
    engine read in ``written``, when it read one (snapped to a month's name: then no
    surer than a correction)."""
    if not cuts:
        return None
    latest = context.today + timedelta(days=366)
    month, sureness = _written_month(written, rereads, month_word)
    lead = _written_day(written, month)
    used_month = used_day = by_place = False

    def date_of(cut: Cut) -> tuple[str, float, bool, float] | None:
        nonlocal used_month, used_day
        misread = False  # a century glyph the classifier saw as another digit
        if month is None:
            cut = _after_words(cut)
        if by_place:
            assert month is not None
            placed = _placed_read(cut, context.priors, month)
            read, named = (placed, True) if placed is not None else \
                (TextRead(text="", confidence=0.0), False)
        else:
            forced = _century(cut, latest) if month is None else {}
            read, named = _cut_read(cut, context.priors, month, lead, forced=forced)
            misread |= any(CLASSES[int(np.argmax(cut.glyphs[i]))] != digit
                           for i, digit in forced.items())
        used_day |= named and len(_groups(cut)) == 1 and not by_place
        chosen = _vote_date(read, context, latest)
        if chosen is None:
            return None
        assert isinstance(chosen.value, date)
        used_month |= named
        if not named and _letter_in_day_or_month(cut):
            # a glyph the classifier took for a letter, where no month's name is
            # written, read as its likeliest digit or a slash: not a digit it saw
            return (chosen.value.isoformat(),
                    min(chosen.confidence, context.priors.invalid_cap), False,
                    chosen.contested)
        return (chosen.value.isoformat(), chosen.confidence,
                not chosen.corrected and not misread, chosen.contested)

    found = _decode_cuts(cuts, date_of)
    if found is None and month is not None:
        # no cut reads a date as its groups stand: the month's letters taken for digits
        # and run into the year with no gap seen ("15 1111712026": "15 juni 2026") --
        # each cut read by place, the day, the month's name, the year's last four glyphs
        by_place = True
        found = _decode_cuts(cuts, date_of)
    if found is None:
        return None
    best, posterior, as_seen, contested = found
    if not as_seen:
        # no cut's likeliest glyphs read this date: the glyphs' lesser choices made it
        # real, and on a hand the classifier never saw they are its least sure part
        posterior *= GUESSED_GLYPHS
    if used_day:
        # the day as the engine read it, and no glyph of the classifier's: one reader's
        # digit, unchecked, where any other day makes a date as real (hand-real300 seed
        # 77: "9 oktober" read "4 oktober" at 0.51, the cut holding only the year)
        posterior = min(posterior, context.priors.invalid_cap)
    elif used_month and sureness != _READ:
        # the month as the engine read it, not the classifier: snapped or guessed
        posterior = min(posterior, context.priors.correction_cap
                        if sureness == _SNAPPED else context.priors.invalid_cap)
    if by_place:
        # where the month's letters end and the year begins was told by counting the
        # year's glyphs, not seen: a person confirms it
        posterior = min(posterior, context.priors.invalid_cap)
    return Whole(str(best), posterior, contested, borrowed=used_day)


def _vote_date(read: TextRead, context: Context, latest: date) -> Vote | None:
    return vote(read, lambda text: _cut_date(text, context, latest),
                context.priors, prior=lambda value, text: _style_factor(text, value, context))


def _cut_date(text: str, context: Context, latest: date) -> date | None:
    """The date a cut's read of digits makes in the form's range, each gap in it a space
    or a dot (the classifier cannot tell which separator it saw: "14.3.26" is cut
    "14 3 26", "08.08.26" "08 08 26", which as written with spaces is 2008-08-26 or no
    date): of the two readings, the one a form's date more likely is
    (:func:`_age_factor`), the first when as likely."""
    found = [_plausible_date(candidate, today=context.today, latest=latest)
             for candidate in dict.fromkeys((text, _dotted(text)))]
    dates = [value for value in found if value is not None]
    return max(dates, key=lambda value: _age_factor(value, context)) if dates else None


def _dotted(text: str) -> str:
    """A read of digits with its gaps written as dots ("14 3 26": "14.3.26"); one with
    letters (a month's name) as it is."""
    return text if re.search(r"[^\W\d_]", text) else re.sub(r"(?<=\d) (?=\d)", ".", text)


def _placed_read(cut: Cut, priors: Priors, month: str) -> TextRead | None:
    """A cut of a date whose month the engine read as a word, read by place: its short
    first groups the day (one or two glyphs in all: "1 1" a day written with a gap), its
    last four glyphs the year, the glyphs between them the month's letters (at least
    :data:`_PLACED_LETTERS`), whatever the classifier took them for and wherever it saw
    gaps; None when the cut opens with no such day (a word before it: "den 4")."""
    groups = _groups(cut)
    head = 0
    while head < len(groups) - 1 and len(groups[head]) < _PLACED_LETTERS + 1:
        head += 1
    day = [index for group in groups[:head] for index in group]
    between = len(cut.glyphs) - len(day) - _YEAR_GLYPHS
    if not day or len(day) > 2 or between < _PLACED_LETTERS:
        return None
    year = len(cut.glyphs) - _YEAR_GLYPHS
    placed = [day, list(range(len(day), year)), list(range(year, len(cut.glyphs)))]
    return _cut_read(cut, priors, month, groups=placed)[0]


def whole_number(cuts: Sequence[Cut], parse: Callable[[str], int | None],
                 context: Context) -> Whole | None:
    """A percent or a code decoded from the classifier's cuts as :func:`whole_date`
    decodes a date: the value ``parse`` accepts with the most probability over all
    cuts, and that share."""
    if not cuts:
        return None
    # A glyph read as no valid number ("0" for a code) is more often a misread glyph
    # than a writer's slip: it weighs as much against the valid reading as a cut does.
    priors = context.priors.model_copy(update={"rho_unparseable": _INVALID_CUT})

    def number_of(cut: Cut) -> tuple[int, float, bool, float] | None:
        chosen = vote(_cut_read(cut, priors, None)[0], parse, priors)
        if chosen is None:
            return None
        assert isinstance(chosen.value, int)
        # (no lesser choice doubted here)
        return chosen.value, chosen.confidence, True, chosen.contested

    found = _decode_cuts(cuts, number_of)
    return None if found is None else Whole(int(found[0]), found[1], found[3])


def _decode_cuts(cuts: Sequence[Cut],
                 value_of: Callable[[Cut], tuple[T, float, bool, float] | None]
                 ) -> tuple[T, float, bool, float] | None:
    """Each cut (weighted by how likely its glyphs are whole characters) read by
    ``value_of`` as a value, its share, whether the cut's likeliest glyphs read it and
    how contested it is (:attr:`~intake.mapping.base.Vote.contested`); the value with
    the most weight over all cuts, that part of the whole (a cut reading no valid value
    weighs :data:`_INVALID_CUT` of its own), whether some cut's likeliest glyphs read
    it, and how contested it is on the heaviest cut that reads it."""
    top = max(cut.log_weight for cut in cuts)
    mass: dict[T, float] = {}
    seen: set[T] = set()
    contested: dict[T, tuple[float, float]] = {}  # value -> (heaviest weight, contested)
    total = 0.0
    for cut in cuts:
        weight = math.exp(cut.log_weight - top)
        found = value_of(cut)
        if found is not None:
            value, share, as_seen, doubt = found
            mass[value] = mass.get(value, 0.0) + weight * share
            if as_seen:
                seen.add(value)
            if weight > contested.get(value, (-1.0, 0.0))[0]:
                contested[value] = (weight, doubt)
        total += weight if found is not None else weight * _INVALID_CUT
    if not mass:
        return None
    best = max(sorted(mass, key=str), key=mass.__getitem__)
    return best, min(1.0, mass[best] / total), best in seen, contested[best][1]


def _written_month(text: str, rereads: Sequence[str] = (),
                   month_word: Sequence[float] = ()) -> tuple[str | None, str]:
    """The month's name written in a date, as the engine read it in ``text``
    (:func:`_month_in`) and, with ``rereads`` (the line read again otherwise), as most of
    the reads name it (:func:`_month_vote`); weighed with the month classifier's
    reading of the word (``month_word``, :func:`_with_classifier`)."""
    if not rereads:
        voted = _month_in(text)
    else:
        voted = _month_vote([_month_in(read) for read in (text, *rereads)])
    return _with_classifier(voted, month_word)


def _month_vote(named: Sequence[tuple[str | None, str]]) -> tuple[str | None, str]:
    """The month most reads name and how surely: its share of the reads that name it
    clearly (a read that only guesses it, "eb" for feb, is no vote) at least
    :data:`MONTH_READ_SHARE` with one read letter-perfect, read; at least
    :data:`MONTH_SNAP_SHARE`, snapped; less, or another month named by a read, a guess
    for a person. None when no read names a month."""
    votes: dict[int, list[tuple[str, str]]] = {}
    for month, how in named:
        if month is not None:
            votes.setdefault(MONTHS[month], []).append((month, how))
    if not votes:
        return None, _READ
    number = max(sorted(votes), key=lambda n: len(votes[n]))
    share = month_share(named, number)
    ways = votes[number]
    name = next((m for m, how in ways if how == _READ), ways[0][0])
    if len(votes) > 1 or share < MONTH_SNAP_SHARE:
        return name, _GUESSED
    perfect = any(how == _READ for _, how in ways)
    return name, _READ if perfect and share >= MONTH_READ_SHARE else _SNAPPED


def _with_classifier(voted: tuple[str | None, str],
                     month_word: Sequence[float]) -> tuple[str | None, str]:
    """The engine's month (``voted``: name, how) and the month classifier's reading of
    the word (:func:`~intake.learned.months.named_month`: the month it names, if it is
    sure) as one. Where no read of the engine named a month, the classifier's is the
    month, a guess (a person confirms it). Where both name one and they differ, a person
    decides, shown the engine's month: on fax-calib200 seed 78 a "16 oktober" the
    engine's reads snapped right was read december at 0.80 by the classifier.
    Agreeing, the engine's month stands as it was voted."""
    named = named_month(month_word)
    if named is None:
        return voted
    number, _ = named
    name, _ = voted
    if name is None:
        # a guess for a person, shown filled in: on a font it never saw the classifier
        # names the right month for only about half the words (SteveHand: 57 %, ECE 0.09)
        return MONTH_NAMES[number - 1], _GUESSED
    return voted if MONTHS[name] == number else (name, _GUESSED)


def month_share(named: Sequence[tuple[str | None, str]], number: int) -> float:
    """The share of the reads of a month's name that name month ``number`` clearly (a
    read that only guesses it, "eb" for feb, is no vote): the probability that the word
    is that month, as the reads agree."""
    return sum(m is not None and how != _GUESSED and MONTHS[m] == number
               for m, how in named) / max(len(named), 1)


def _month_in(text: str) -> tuple[str | None, str]:
    """The one month name the engine read in ``text`` and how: letter-perfect
    (:data:`_READ`), snapped to the nearest name when that is clear (:data:`_SNAPPED`),
    or a guess a person decides (:data:`_GUESSED`): a two-letter word one letter off
    one name only ("aj"), or a longer one more than :data:`_NEAR_MONTH` edits off
    ("aktaber"); None when it read none or several."""
    found = []
    for word in re.findall(r"[^\W\d_]{2,}", text):
        nearest = _nearest_month(word).casefold().rstrip(".")
        if nearest in MONTHS and nearest != "den":
            how = _READ if nearest == word.casefold().rstrip(".") else \
                _SNAPPED if len(word) > 2 and not _far_month(word) else _GUESSED
            found.append((nearest, how))
    return found[0] if len(found) == 1 else (None, _READ)


def _written_day(text: str, month: str | None) -> str | None:
    """The day the engine read just before the month's name ("26 Februari FÖRS": 26),
    for a cut that holds only what follows it (the year); None without one."""
    if month is None:
        return None
    for found in re.finditer(r"(?<!\d)(\d{1,2})\s*\.?\s*([^\W\d_]{2,})", text):
        if MONTHS.get(_nearest_month(found.group(2)).casefold().rstrip(".")) == MONTHS[month]:
            return found.group(1)
    return None


def _cut_read(cut: Cut, priors: Priors, month: str | None, day: str | None = None, *,
              groups: list[list[int]] | None = None, forced: dict[int, str] | None = None,
              ) -> tuple[TextRead, bool]:
    """A cut as a read: each glyph its likeliest digits or a slash (flattened as an
    engine's alternatives are; a slash may be a one written as a stroke), a space where
    a gap (or a dash) stands. Where ``month`` was read and one group of glyphs between
    others holds letters, that group is the month and the digits before and after it
    the day and the year; where the cut is one group only and the engine read ``day``
    before the month, it is the year after them. Also whether the month was put in.
    Given ``groups`` (day, month, year), they are the cut's, the month the middle one.
    A glyph ``forced`` (by index) is the digit given: the only one its place allows."""
    forced = forced or {}
    if groups is not None:
        named: range | None = range(1, 2)
    else:
        groups = _groups(cut) if month is None else _year_off_month(cut, _groups(cut))
        named = _month_groups(cut, groups) if month is not None else None
    text: list[str] = []
    alternatives: list[list[tuple[str, float]]] = []
    if named is None and month is not None and day is not None and len(groups) == 1:
        text.append(f"{day} {month} ")
        alternatives.extend([(char, 1.0)] for char in day + month)
        named = range(0)
    for number, group in enumerate(groups):
        if named is not None and number in named:
            assert month is not None
            if number == named.start:
                text.append(f" {month} ")
                alternatives.extend([(char, 1.0)] for char in month)
            continue
        if number and named is None:
            text.append(" ")  # (around a month, its own spaces; day and year run together)
        for index in group:
            if index in forced:
                text.append(forced[index])
                alternatives.append([(forced[index], 1.0)])
                continue
            every = np.array(cut.glyphs[index]) ** priors.temper  # a letter: unlisted doubt
            row = every[:11] / max(float(every.sum()), 1e-12)
            order = np.argsort(-row)[:_CUT_CHOICES]
            choices = [(_CUT_CLASSES[i], float(row[i])) for i in order]
            if choices[0][0] == "/":
                slash = choices[0][1]
                # a separator stands between digits; a stroke opening a group is a one
                opens = index == group[0] and len(group) > 1
                one = [("1", slash)] if opens else [("1", slash * _SLASH_AS_ONE)]
                choices = one + [("/", slash * _SLASH_AS_ONE)] + choices[1:] if opens \
                    else choices[:1] + one + choices[1:]
            text.append(choices[0][0])
            alternatives.append(choices)
    read = TextRead(text="".join(text).strip(), confidence=1.0, alternatives=alternatives)
    return read, named is not None


def _century(cut: Cut, latest: date) -> dict[int, str]:
    """The glyphs of a cut that are its year's century, by index, and the digit each
    must be in the form's range of dates (2000 ... a year from today: "20"): the first
    two of a year that opens a cut of eight ("2025 08 08", "20250808"; not "2025 0602",
    which may be "1712 2024") or of four after a day and a month ("8/8 2025", "8 8
    2025"). The classifier's
    reading of them tells nothing a real date does not ("7025 08 08" read so, its day
    sure, is 2025-08-08); empty where the range's years differ there or no group is
    clearly the year."""
    years = range(FIRST_FORM_DATE.year, latest.year + 1)
    digits = [{str(year)[i] for year in years} for i in range(2)]
    if any(len(allowed) != 1 for allowed in digits):
        return {}
    groups = _groups(cut)
    slash = any(int(np.argmax(glyph)) == _SLASH for glyph in cut.glyphs)
    day_month = [len(group) for group in groups[:-1]]
    if [len(group) for group in groups] in ([8], [4, 2, 2]) and not slash:
        year = groups[0]  # "20250808", "2025 08 08" (not "1712 2024": 17/12 or 2024)
    elif len(groups[-1]) == 4 and (
            (slash and len(day_month) == 1 and 3 <= day_month[0] <= 5)
            or (not slash and len(day_month) == 2 and max(day_month) <= 2)):
        year = groups[-1]  # "8/8 2025", "14/10 2025", "8 8 2025"
    else:
        return {}
    return {year[0]: next(iter(digits[0])), year[1]: next(iter(digits[1]))}


def _after_words(cut: Cut) -> Cut:
    """The cut without the groups of letters it opens with: where no month's name is
    written, they are the end of the words before the date ("Vinsiker den 25/5 2024"
    cut "x 25/5 2024"), not a digit of it."""
    groups = _groups(cut)
    words = 0
    while words < len(groups) - 1 and all(
            int(np.argmax(cut.glyphs[i])) == _LETTER for i in groups[words]):
        words += 1
    if not words:
        return cut
    start = groups[words][0]
    return Cut(glyphs=cut.glyphs[start:], gaps=[False, *cut.gaps[start + 1:]],
               log_weight=cut.log_weight)


def _letter_in_day_or_month(cut: Cut) -> bool:
    """Whether a glyph the classifier took for a letter stands where a day or a month
    is written: outside the first four glyphs of a group of four or eight with no slash
    (a year: "2024", "20240706"). In a year, the form's range of years settles a glyph;
    in a day, several digits may each make a real date."""
    for group in _groups(cut):
        classes = [int(np.argmax(cut.glyphs[i])) for i in group]
        year = 0 if _SLASH in classes else 4 if len(group) in (4, 8) else 0
        if _LETTER in classes[year:]:
            return True
    return False


def _groups(cut: Cut) -> list[list[int]]:
    """The cut's glyphs grouped between gaps; a group "2/62026" (the gap before the year
    too narrow to see) is two, its last four glyphs the year."""
    groups: list[list[int]] = []
    for index, gap in enumerate(cut.gaps):
        if gap or not groups:
            groups.append([])
        groups[-1].append(index)
    split: list[list[int]] = []
    for group in groups:
        slashes = [n for n, i in enumerate(group) if int(np.argmax(cut.glyphs[i])) == _SLASH]
        if slashes and len(group) - slashes[-1] - 1 >= 5:
            split.extend([group[:-4], group[-4:]])
        else:
            split.append(group)
    return split


def _year_off_month(cut: Cut, groups: list[list[int]]) -> list[list[int]]:
    """The groups split where digits run into the letters of the month's name, the gap
    too narrow to see: the last group before its last four glyphs when letters stand
    before four digits or more in it ("5xx2025": "sept2025"), and the first group after
    its first one or two glyphs when letters follow them ("10xxxxxxxx 2025":
    "10februari")."""
    split: list[list[int]] = []
    for number, group in enumerate(groups):
        letters = [n for n, i in enumerate(group) if int(np.argmax(cut.glyphs[i])) == _LETTER]
        day = letters[0] if letters and number == 0 and letters[0] <= 2 else 0
        last = number == len(groups) - 1 and (day or number)
        year = len(group) - letters[-1] - 1 if letters and last else 0
        cuts = [0, *([day] if day else []), *([len(group) - year] if year >= 4 else []),
                len(group)]
        split.extend(group[a:b] for a, b in zip(cuts, cuts[1:], strict=False))
    if len(split) > 2 and _has_letter(cut, split[-2]) and len(split[-1]) > 4 \
            and not _has_letter(cut, split[-1]):
        # a year is four digits: what stands before them is the month's last letter
        # ("21x 52026": "21mars 2026", its "s" seen as a 5)
        extra = len(split[-1]) - 4
        split[-2:] = [split[-2] + split[-1][:extra], split[-1][extra:]]
    return split


def _has_letter(cut: Cut, group: list[int]) -> bool:
    return any(int(np.argmax(cut.glyphs[i])) == _LETTER for i in group)


def _month_groups(cut: Cut, groups: list[list[int]]) -> range | None:
    """The groups, neither first nor last, that the engine's month name stands for:
    from the first to the last holding a glyph the classifier sees as a letter (a
    written word may show a gap: "no vember"), else the only one, else the longest;
    None when that is not clear."""
    middle = list(range(1, len(groups) - 1))
    lettered = [n for n in middle
                if any(int(np.argmax(cut.glyphs[i])) == _LETTER for i in groups[n])]
    if lettered:
        return range(lettered[0], lettered[-1] + 1)
    if not middle:
        return None
    if len(middle) == 1:
        return range(middle[0], middle[0] + 1)
    longest = sorted(middle, key=lambda n: -len(groups[n]))
    if len(groups[longest[0]]) > len(groups[longest[1]]):
        return range(longest[0], longest[0] + 1)
    return None


def _engine_date(read: TextRead, context: Context) -> FieldValue:
    today, priors = context.today, context.priors
    latest = today + timedelta(days=366)
    chosen = vote(read, lambda text: _plausible_date(text, today=today, latest=latest), priors)
    if chosen is None:
        return _implausible_date(read.text, today=today)
    assert isinstance(chosen.value, date)
    factor = _style_factor(chosen.text, chosen.value, context)
    confidence = min(chosen.confidence, read.confidence) * factor
    if chosen.corrected or _fix_month_name(chosen.text) != chosen.text:
        # (a month's name snapped from a misread word is a correction too; one far
        # from the word read, a guess)
        far = any(_far_month(word) for word in re.findall(r"[^\W\d_]{3,}", chosen.text))
        confidence = min(confidence, priors.invalid_cap if far else priors.correction_cap)
    if read.rereads and any(word.casefold() != "den"
                            for word in re.findall(r"[^\W\d_]{3,}", chosen.text)):
        # a month's name: as sure as the reads of the line agree on it
        month, how = _written_month(read.text, read.rereads, read.month_word)
        doubt = month is None or MONTHS[month] != chosen.value.month or how == _GUESSED
        confidence = min(confidence, priors.invalid_cap if doubt else
                         priors.correction_cap if how == _SNAPPED else 1.0)
    if chosen.corrected:  # reviewed however sure: a date has no check digit
        return FieldValue(value=chosen.value.isoformat(), confidence=confidence,
                          problem=DATE_CORRECTED)
    return valued(chosen.value.isoformat(), confidence, DATE_UNSURE, context)


def _parse_date_text(text: str, *, today: date) -> date | None:
    try:
        return parse_date(_fix_month_name(digits_for_lookalikes(text)), today=today)
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


def _style_factor(text: str, value: date, context: Context) -> float:
    """Less sure when the century or the order of day and month is a guess, and for a
    date unlike a form's: in the future, or older than a few years (:func:`_age_factor`)."""
    digits = re.sub(r"\D", "", digits_for_lookalikes(text))
    factor = _age_factor(value, context)
    if str(value.year) not in digits:
        factor *= context.priors.two_digit_year
    if _day_month_ambiguous(text, value):
        factor *= context.priors.day_month_order
    return factor


def _age_factor(value: date, context: Context) -> float:
    """How likely ``value`` is as the date on a form read ``context.today``, against a
    recent one: a date in the future (SUS rule 2) is seldom meant, and one older than
    ``recent_years`` ever less likely ("2010" read for a "2026" written)."""
    priors = context.priors
    if value > context.today:
        return priors.future_date
    years = (context.today - value).days / 365.25
    return float(priors.older_per_year ** max(0.0, years - priors.recent_years))


def _day_month_ambiguous(text: str, value: date) -> bool:
    """Day first (Swedish 14/3) but both numbers could be a month."""
    year_first = re.match(r"\s*\d{4}", text) is not None
    named = re.search(r"[^\W\d_]{3,}", text) is not None
    return not year_first and not named and value.day <= 12 and value.day != value.month


def _fix_month_name(text: str) -> str:
    """A misread month name snapped to the nearest one when that is clear."""
    return re.sub(r"[^\W\d_]{3,}", lambda m: _nearest_month(m.group()), text)


def _far_month(word: str) -> bool:
    """Whether ``word`` is snapped to a month's name more than :data:`_NEAR_MONTH`
    edits from it (for five letters or more; one edit for fewer)."""
    lowered = word.casefold().rstrip(".")
    nearest = _nearest_month(word).casefold().rstrip(".")
    if nearest == lowered or nearest not in MONTHS:
        return False
    return edit_distance(lowered, nearest) > (1.0 if len(lowered) <= 4 else _NEAR_MONTH)


def _nearest_month(word: str) -> str:
    """The month's name ``word`` is most like, when one month is clearly nearest (its
    name or its abbreviation: "aprl" is April either way) by the look-alike weighted
    edit distance, within a share of the word's length (:data:`MONTH_MISREAD_SHARE`:
    a hand-written month is seldom read letter-perfect, "nevenber", "aktaber"); else
    ``word`` -- two months about as near ("revenber": november or december) are no
    reading of either."""
    lowered = word.casefold().rstrip(".")
    if lowered in MONTHS or lowered == "den":
        return word
    by_month: dict[int, tuple[float, str]] = {}
    for name, number in MONTHS.items():
        by_month[number] = min(by_month.get(number, (math.inf, name)),
                               (edit_distance(lowered, name), name))
    (d1, best), (d2, _) = sorted(by_month.values())[:2]
    if edit_distance(lowered, "den") <= d1:
        return word  # "der", "dem": the word written before a date
    allowed = 1.0 if len(lowered) <= 4 else MONTH_MISREAD_SHARE * len(lowered)
    if d1 <= allowed and d2 - d1 >= 1.0:
        return best
    # a long month's first three letters read right, the rest garbled ("febrvn")
    headed = [name for name in MONTH_NAMES if len(name) >= _HEADED_MONTH
              and lowered[:3] == name[:3] and abs(len(lowered) - len(name)) <= 2]
    return headed[0] if len(lowered) >= _HEADED_MONTH and len(headed) == 1 else word


def interpret_percent(read: TextRead, context: Context) -> FieldValue:
    """An integer 0–100; ``%`` and spaces are ignored, a lone 0 is a value."""
    return _small_number(read, _parse_percent_text, BAD_PERCENT, context)


def interpret_code(read: TextRead, context: Context) -> FieldValue:
    """A single written digit 1–9."""
    return _small_number(read, _parse_code_text, BAD_CODE, context)


def _parse_percent_text(text: str) -> int | None:
    try:
        return parse_percent(digits_for_lookalikes(text).replace(" ", ""))
    except ParseError:
        return None


def _parse_code_text(text: str) -> int | None:
    try:
        return parse_code(digits_for_lookalikes(text))
    except ParseError:
        return None


def _small_number(
    read: TextRead, parse: Callable[[str], int | None], bad: str, context: Context
) -> FieldValue:
    """A percent or a code as the engine read it and, for hand-printed digits, from
    the classifier's cuts (:func:`whole_number`), reconciled as a date's readings are."""
    if not read.text.strip() and not read.cuts:
        return empty(read, context)
    as_read = _engine_number(read, parse, bad, context) if read.text.strip() else None
    whole = whole_number(read.cuts, parse, context)
    if whole is None:
        return as_read or FieldValue(value=None, confidence=0.0, problem=bad)
    return _with_contest(_two_readers(as_read, whole, VALUE_UNSURE, VALUE_READERS_DISAGREE,
                                      context, outvotes=CLASSIFIER_OUTVOTES), whole, context)


def _engine_number(
    read: TextRead, parse: Callable[[str], int | None], bad: str, context: Context
) -> FieldValue:
    chosen = vote(read, parse, context.priors)
    if chosen is None:
        return FieldValue(value=None, confidence=0.0, problem=bad)
    # The vote's share is relative to the engine's own alternatives; when the engine
    # offers none, only its overall confidence says how sure the read is.
    confidence = min(chosen.confidence, read.confidence)
    if chosen.corrected:
        confidence = min(confidence, context.priors.correction_cap)
    if chosen.corrected:  # reviewed however sure: a percent or code has no check digit
        return FieldValue(value=chosen.value, confidence=confidence, problem=VALUE_CORRECTED)
    return valued(chosen.value, confidence, VALUE_UNSURE, context)
