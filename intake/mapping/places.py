"""Places: a kommun written by hand or typed, snapped to one of Sweden's 290 kommuner
by a weighted edit distance (case, diacritics and OCR look-alikes cost little),
accepted only with a margin over the runner-up; and FK 9443's one "Ort och datum"
line split into its ort and its date."""

from __future__ import annotations

import math
import re
from functools import cache

from intake.mapping.base import (
    Context,
    FieldValue,
    clean_text,
    edit_cost,
    sliced,
    valued,
)
from intake.mapping.lexicon import Lexicon, fold_case, read_list
from intake.mapping.numbers import interpret_date
from intake.reads import TextRead
from intake.sus.values import MONTHS

#: FK 9443's one widget for both the ort and the date of signing.
ORT_OCH_DATUM = "ort_och_datum"

DATE_MISSING = "Datum saknas"
KOMMUN_UNKNOWN = "Ingen kommun med det namnet; kontrollera"
KOMMUN_AMBIGUOUS = "Kommunens namn liknar flera kommuner; kontrollera"
KOMMUN_NEAREST = "Ingen kommun läses säkert; närmaste kommun föreslås, kontrollera"
ORT_NOT_KOMMUN = "Orten är inte en kommun; kontrollera stavningen"

_NOT_KOMMUN_CAP = 0.3
#: A kommun a read names clearly (:func:`snap_kommun`, and at least
#: :data:`_SNAPPED_MARGIN` edits nearer than the next kommun) was that kommun on every
#: calibration form, however unsure the engine was of its letters: 114 of 114 kommun and
#: ort fields so read on hand-calib300 seeds 77, 81, 91 and fax-calib200 seed 78 (60
#: forms each) and phone-calib seed 79 (30); this is (114 + 1) / (114 + 2). The posterior
#: from the engine's word confidence (:func:`kommun_posterior`) sent many of them to
#: review though right (issue 12). At a margin of one edit, 1 of 4 such kommun fields
#: was another kommun ('Mark' read 'Nack', one letter from Nacka, two from Mark). An ort
#: (SPEC §2.1: where the form was signed, often a tätort) takes it only when read as the
#: kommun is spelt but for case and diacritics: a tätort two letters from a kommun
#: ('Bålsta', 'Båstad') must not become it.
SNAPPED_KOMMUN = 0.99
#: How far (``_kommun_distances``) an ort's read may be from the kommun it names to take
#: :data:`SNAPPED_KOMMUN`: case and diacritics only.
_ORT_AS_SPELT = 0.5
_SNAPPED_MARGIN = 1.5
_ORT_NOT_KOMMUN_CAP = 0.8
_KOMMUN_MIN_MARGIN = 1.0
_NEAREST_KOMMUN_SHARE = 0.6


@cache
def kommuner() -> tuple[str, ...]:
    """Sweden's 290 kommuner (``intake/mapping/data/kommuner.txt``)."""
    return read_list("kommuner.txt")


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
    alpha = edit_cost(confidence, len(text))
    weights = [math.exp(-alpha * d) for d, _ in scored]
    other = math.exp(-alpha * max(2.5, 0.3 * len(text)))
    return scored[0][1], weights[0] / (sum(weights) + other)


def kommun_value(text: str, confidence: float, context: Context) -> FieldValue:
    snapped, margin = snap_kommun(text)
    best, posterior = kommun_posterior(text, confidence)
    if snapped is None:
        nearest = _nearest_kommun(text)
        if nearest is not None:  # a suggestion to check beats a name that is no kommun
            return FieldValue(value=nearest, confidence=min(confidence, _NOT_KOMMUN_CAP),
                              problem=KOMMUN_NEAREST)
        ambiguous = best is not None and posterior >= 0.2
        problem = KOMMUN_AMBIGUOUS if ambiguous else KOMMUN_UNKNOWN
        return FieldValue(value=text, confidence=min(confidence, _NOT_KOMMUN_CAP), problem=problem)
    if margin >= _SNAPPED_MARGIN:
        posterior = max(posterior, SNAPPED_KOMMUN)
    return valued(snapped, posterior, KOMMUN_AMBIGUOUS, context)


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
_DIGIT = re.compile(r"\d")


def split_ort_och_datum(read: TextRead, context: Context) -> tuple[FieldValue, FieldValue]:
    """FK 9443's "Ort och datum" line as (ort, datum): the date is the longest run of
    date-like tokens ("2026-03-14", "14/3 2026", "14 mars 2026"), wherever it stands;
    the ort is the rest without "den" and commas. The digit classifier's cuts of the
    line's end (hand-printed dates) are the date's too."""
    span = date_span(read.text)
    dated = context.for_type("date")
    if span is None:
        ort_read = read
        datum = FieldValue(value=None, confidence=0.0, problem=DATE_MISSING) if not read.cuts \
            else interpret_date(TextRead(text="", confidence=0.0, cuts=read.cuts,
                                         month_word=read.month_word), dated)
    else:
        ort_read = outside(read, *span)
        # the rereads of the whole line vote on the date's month from its first digit
        # on: the words before it are the ort's ("Mardy 2025-07-28" is no vote for mars)
        rereads = [reread[found.start():] for reread in read.rereads
                   if (found := _DIGIT.search(reread))]
        inside = _inside(read, *span).model_copy(update={"cuts": read.cuts,
                                                         "rereads": rereads,
                                                         "month_word": read.month_word})
        datum = interpret_date(inside, dated)
    return _ort_value(ort_read, context.for_type("text")), datum


def date_span(text: str) -> tuple[int, int] | None:
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


def _inside(read: TextRead, start: int, end: int) -> TextRead:
    return sliced(read, [(start, end)])


def outside(read: TextRead, start: int, end: int) -> TextRead:
    return sliced(read, [(0, start), (end, len(read.text))])


def _ort_value(read: TextRead, context: Context) -> FieldValue:
    """The ort: a kommun when it clearly is one; else, read surely, the place as written
    (SPEC §2.1: the ort is text, where the form was signed -- often a tätort, not a
    kommun); else (for review) as written or the kommun its first words clearly name or
    the one nearest. Only the words before a comma or "den" are the ort."""
    words = _place_words(read.text)
    while words and (words[-1].casefold().strip(",.") == "den" or _garble(words[-1])):
        words.pop()
    text = " ".join(words).strip(",.:;- ")
    if not text:
        return FieldValue(value=None, confidence=0.0, problem="Ort saknas")
    snapped, margin = snap_kommun(text)
    if snapped is not None:
        posterior = kommun_posterior(text, read.confidence)[1]
        if margin >= _SNAPPED_MARGIN and _kommun_distances(text)[0][0] <= _ORT_AS_SPELT:
            posterior = max(posterior, SNAPPED_KOMMUN)
        return valued(snapped, posterior, KOMMUN_AMBIGUOUS, context)
    if read.confidence >= context.review_below:
        return FieldValue(value=text, confidence=read.confidence)
    # a doubtful read: the ort may be its first words, the rest a garbled date
    confidence = min(read.confidence, _ORT_NOT_KOMMUN_CAP)
    for count in range(len(words) - 1, 0, -1):
        prefix, _ = snap_kommun(" ".join(words[:count]).strip(",.:;- "))
        if prefix is not None:
            return FieldValue(value=prefix, confidence=confidence, problem=ORT_NOT_KOMMUN)
    nearest = _nearest_kommun(text)
    if nearest is not None:
        return FieldValue(value=nearest, confidence=confidence, problem=KOMMUN_NEAREST)
    return FieldValue(value=text, confidence=confidence, problem=ORT_NOT_KOMMUN)


def _place_words(text: str) -> list[str]:
    """The words of the ort: up to a comma or "den", as "Ort och datum" is written
    ("Tranemo, 3 februari 2026", "Orust den 5 maj"): what follows is the date's, however
    garbled its read ("Tranemo, I” LU" is Tranemo)."""
    words = clean_text(text, letters_only=True)[0].split()
    for i, word in enumerate(words):
        if i and word.casefold() == "den":
            return words[:i]
        if word.endswith(","):
            return words[: i + 1]
    return words


def _garble(word: str) -> bool:
    """A word no place name ends with: digits, or a capital after a letter
    ("VUL4-U8-O9": a hand-printed date read as letters; "Malung-Sälen" is a name)."""
    return any(c.isdigit() for c in word) or any(
        a.isalpha() and b.isupper() for a, b in zip(word, word[1:], strict=False)
    )
