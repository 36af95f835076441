"""What every interpreter of a read shares: the value it produces
(:class:`FieldValue`), what it knows besides the read (:class:`Context`), the read's
characters as probability distributions (:func:`char_dists`), the most probable
strings over them (:func:`kbest_strings`) and the vote of the values they parse to
(:func:`vote`).

Confidence model: ``read.confidence`` is taken as the probability that the whole text
is right, so without alternatives each of its *n* characters is right with
``confidence ** (1 / n)`` — or, the cautious reading of an engine's word confidence
(its least sure character), with ``confidence`` itself. Listed alternatives are
per-character probabilities. Everything doubtful gets a confidence below
``Context.review_below`` and a Swedish ``problem``; nothing here logs, and no message
contains the value read.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import getitem
from typing import Any, TypeVar

from pydantic import Field

from intake.learned import Priors, ReviewLines, TextCalibration
from intake.learned.text import load_text_calibration
from intake.reads import Model, TextRead
from intake.settings import REVIEW_BELOW

EMPTY_UNSURE = "Rutan verkar tom men läsningen är osäker; kontrollera"
_KBEST = 64
#: Two readers of one field (the engine and the digit classifier's whole-field decoding)
#: each this sure of a different value: a person decides. (0.5 let a percent through
#: silently: the engine's "25" at 0.75 over the classifier's "75", whose glyphs were
#: 0.99 sure but whose whole-field posterior was 0.49, shared with a three-glyph cut.)
CONTRADICTS = 0.4

Dist = dict[str, float]
"""Candidate characters of one written position → probability; the rest is unlisted."""

T = TypeVar("T", bound=Hashable)


class FieldValue(Model):
    """A field's value typed as SPEC §2 says, with a confidence and why it is doubtful."""

    value: Any
    confidence: float
    problem: str | None = None
    #: how close the digit classifier came to reading another valid value by one
    #: glyph (:attr:`Vote.contested`), where the value is the classifier's reading;
    #: for calibration, never in what is written out
    contested: float = Field(default=0.0, exclude=True)


@dataclass(frozen=True)
class Context:
    """What interpreting a page's reads knows besides them: the day rules are checked
    against, where review begins, and what was learned (the free-text calibration and
    the decoding priors, the review lines per field type, from ``intake.learned``)."""

    today: date
    calibration: TextCalibration
    priors: Priors = field(default_factory=Priors)
    review_below: float = REVIEW_BELOW
    #: where review begins for a field type, fitted on calibration forms; a type
    #: without a line keeps ``review_below``
    review_lines: ReviewLines = field(default_factory=ReviewLines)

    def for_type(self, field_type: str, field: str | None = None) -> Context:
        """This context with review beginning where it does for ``field_type`` (for
        ``field`` of that type, when it has a line of its own)."""
        line = self.review_lines.line(field_type, self.review_below, field)
        return self if line == self.review_below else replace(self, review_below=line)

    @classmethod
    def shipped(cls, today: date, *, review_below: float = REVIEW_BELOW,
                priors: Priors | None = None) -> Context:
        """A context with the shipped calibration, loaded now (for tools and tests; the
        pipeline builds its own from the models it loaded once)."""
        return cls(today=today, calibration=load_text_calibration(),
                   priors=priors or Priors(), review_below=review_below)


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
    aligned = aligned_alternatives(read)
    n = 1 if every_char_as_unsure else count_visible(read.text)
    p_char = per_char(read.confidence, n)
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


def aligned_alternatives(read: TextRead) -> list[list[tuple[str, float]]] | None:
    """The read's alternatives, one list per character of its text (spaces get an empty
    one); None when it has none or they do not line up with the text."""
    alternatives, text = read.alternatives, read.text
    if not alternatives:
        return None
    if len(alternatives) == len(text):
        return alternatives
    if len(alternatives) != count_visible(text):
        return None
    visible = iter(alternatives)
    return [[] if char.isspace() else next(visible) for char in text]


def count_visible(text: str) -> int:
    return sum(not char.isspace() for char in text)


def per_char(confidence: float, n: int) -> float:
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


def sliced(read: TextRead, pieces: list[tuple[int, int]]) -> TextRead:
    """The characters of ``read`` in the (start, end) ``pieces``, with their
    alternatives and their share of its confidence."""
    aligned = aligned_alternatives(read)
    text = "".join(read.text[a:b] for a, b in pieces)
    alternatives = [alt for a, b in pieces for alt in aligned[a:b]] if aligned else []
    share = count_visible(text) / max(count_visible(read.text), 1)
    confidence = min(max(read.confidence, 1e-6), 1.0) ** share
    return TextRead(text=text, confidence=confidence, alternatives=alternatives)


# --- digits and what looks like them -----------------------------------------------------

LOOKALIKE_DIGITS = {
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


def as_digit(char: str) -> int | None:
    """The digit a character stands for, letters that look like digits included."""
    if char in "0123456789":
        return int(char)
    return LOOKALIKE_DIGITS.get(char)


# --- strings by probability ----------------------------------------------------------------


def kbest_strings(dists: Sequence[Dist | None], limit: int = _KBEST) -> Iterator[tuple[str, float]]:
    """The ``limit`` most probable strings over the positions, best first (lazy
    best-first search over the product of the per-position candidates)."""
    options = [sorted(d.items(), key=lambda item: -item[1]) if d else [(" ", 1.0)] for d in dists]
    chars = [[char for char, _ in listed] for listed in options]
    probabilities = [[p for _, p in listed] for listed in options]
    start = (0,) * len(options)
    heap = [(-_product(probabilities, start), start)]
    seen = {start}
    for _ in range(limit):
        if not heap:
            return
        neg_p, index = heapq.heappop(heap)
        yield "".join(map(getitem, chars, index)), -neg_p
        for i, k in enumerate(index):
            if k + 1 < len(chars[i]):
                successor = (*index[:i], k + 1, *index[i + 1 :])
                if successor not in seen:
                    seen.add(successor)
                    heapq.heappush(heap, (-_product(probabilities, successor), successor))


def _product(probabilities: list[list[float]], index: tuple[int, ...]) -> float:
    """The string's probability: each position's chosen option's, multiplied in order."""
    return math.prod(map(getitem, probabilities, index))


@dataclass(frozen=True)
class Vote:
    """The value chosen among the k best strings and its share of the probability."""

    value: object
    confidence: float
    corrected: bool
    text: str
    #: how close another valid value came by one character: the largest probability,
    #: against the chosen value's string, of a string one character from it that makes
    #: a different valid value (a day "21" whose 2 could be the 3 of "31": 0 when no
    #: single character's runner-up makes another value)
    contested: float = 0.0


def vote(read: TextRead, parse: Callable[[str], T | None], priors: Priors, *,
         prior: Callable[[T, str], float] | None = None) -> Vote | None:
    """Parse the k best strings; the top string's value if it parses, else the most
    probable value. Confidence: its mass against all valid values, the unexplored
    rest, and (weighted low) the strings that make no sense. With a ``prior`` (how
    likely a value is, as written in that string, against the likeliest kind) each
    string's probability is weighed by it and the value with the most mass is chosen."""
    mass: dict[T, float] = {}
    weighed: dict[T, float] = {}
    source: dict[T, str] = {}
    valid: list[tuple[str, float, T]] = []
    seen = nonsense = 0.0
    first: T | None = None
    for rank, (text, p) in enumerate(kbest_strings(char_dists(read))):
        seen += p
        value = parse(text)
        if rank == 0:
            first = value
        if value is None:
            nonsense += p
            continue
        likely = p * (1.0 if prior is None else prior(value, text))
        valid.append((text, likely, value))
        mass[value] = mass.get(value, 0.0) + p
        weighed[value] = weighed.get(value, 0.0) + likely
        source.setdefault(value, text)
    if not mass:
        return None
    likeliest = max(weighed, key=weighed.__getitem__)
    chosen = first if prior is None and first is not None else likeliest
    denominator = sum(mass.values()) + max(0.0, 1.0 - seen) + priors.rho_unparseable * nonsense
    share = min(1.0, weighed[chosen] / denominator)
    return Vote(chosen, share, chosen != first, source[chosen],
                _contested(valid, chosen, source[chosen]))


def _contested(valid: list[tuple[str, float, T]], chosen: T, text: str) -> float:
    """:attr:`Vote.contested`: of the valid strings (text, probability, value), the
    likeliest one character from ``text`` that makes another value, as a share of
    ``text``'s probability."""
    own = next(p for t, p, _ in valid if t == text)
    return max((min(p / own, 1.0) for t, p, value in valid
                if value != chosen and len(t) == len(text)
                and sum(a != b for a, b in zip(t, text, strict=True)) == 1), default=0.0)


# --- words ------------------------------------------------------------------------------

LETTERS_ONLY = frozenset({"namn", "namnfortydligande", "ort", "kommun", "stadsdel"})
_BOX_REMNANTS = "|_[]{}~`"  # bits of the printed box read as characters
_DIGIT_LETTERS = str.maketrans({"0": "o", "1": "l", "5": "s"})


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


def edit_cost(confidence: float, n: int) -> float:
    """log-odds of one character being right: the price of one edit."""
    p = min(per_char(confidence, n), 0.9975)
    return min(max(math.log(p / (1.0 - p)), 1.5), 6.0)


# --- values ---------------------------------------------------------------------------------


def valued(value: object, confidence: float, problem_if_low: str, context: Context) -> FieldValue:
    """``value`` with its confidence clipped to [0, 1]; the problem only below review."""
    confidence = min(max(confidence, 0.0), 1.0)
    problem = problem_if_low if confidence < context.review_below else None
    return FieldValue(value=value, confidence=confidence, problem=problem)


def empty(read: TextRead, context: Context) -> FieldValue:
    """Nothing written: None, as sure as the reader is that the box is empty."""
    confidence = min(max(read.confidence, 0.0), 1.0)
    problem = EMPTY_UNSURE if confidence < context.review_below else None
    return FieldValue(value=None, confidence=confidence, problem=problem)
