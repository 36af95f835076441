"""Every plausible way to cut a line of hand-printed digits, each scored: the field is
then decoded as a whole (``intake.mapping``: segmentations × glyph probabilities under
the field's constraints) rather than from one cut.

The line's marks are grouped into clusters (``intake.ocr.glyphs``). A cluster may hold
one glyph, or two or three touching ones cut where the ink is thinnest; two neighbouring
clusters may be one glyph broken in two. A beam over the clusters keeps, for each number
of digits read so far, the best partial cuts, scored by how likely each glyph is a whole
digit (or, where a field writes them, a separator) to the classifier — which learned
that two touching digits are no digit. The cuts with a digit count the field has come
out, likeliest first (:class:`~intake.reads.Cut`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from intake.learned.digits import CLASSES, DIGITS, OTHER, SLASH, DigitModel
from intake.ocr.glyphs import (
    DIGIT_WIDTH,
    MAX_PIECES,
    TOUCHING_WIDTH,
    Cluster,
    Glyph,
    clusters,
    images_of,
    punctuation,
    usual_glyphs,
)
from intake.reads import Cut

#: Partial cuts kept per digit count at each cluster, and whole cuts given out.
BEAM = 6
CUTS = 6
#: Two clusters are one broken glyph at most this many line heights wide.
MERGE_WIDTH = 1.2
#: A piece of a cut cluster is at least this many line heights wide.
MIN_PIECE_WIDTH = 0.25
#: A gap wider than this many line heights is a space (or a dash) between groups.
SPACE_GAP = 0.45
_SLASH = CLASSES.index(SLASH)
_OTHER = CLASSES.index(OTHER)
#: How far a glyph's "letter" probability is believed in a date (touching digits too
#: look like no digit).
LETTER_SHARE = 0.1
#: A word of this many marks may hold one the classifier takes for a letter and still
#: be digits (:func:`date_tail`).
BLOTTED_WORD = 4
#: A trailing date is at least this many digit-like marks ("8/8-26" has four digits).
TAIL_MARKS = 4
#: The words before a month's name that are its day: the first, and more only while
#: they hold at most this many marks together (two digits, one of them perhaps seen as
#: two: "1 4", a 14 written with a gap, its 4 seen as "x1").
DAY_MARKS = 3
_FLOOR = 1e-6
#: How much likelier two neighbouring clusters are two glyphs than one glyph broken in
#: two: without it a narrow "1" beside a digit merged into it ("19" read "9", "/1" read
#: "/") whenever the union looked as much like a digit. Chosen on hand-calib300 seeds
#: 501 and 502 (0.3: 3 dates of 120 better; 0.1: 5; 0.03: the same 5; none worse).
MERGE_PRIOR = 0.1
_MERGE_PENALTY = math.log(MERGE_PRIOR)


@dataclass(frozen=True)
class _Option:
    """One reading of one or two clusters: its glyphs and their probabilities."""

    first: int  # the first cluster it reads
    span: int  # how many clusters it reads (1, or 2 when merged)
    glyphs: tuple[Glyph, ...]
    probabilities: np.ndarray


@dataclass(frozen=True)
class _Partial:
    score: float
    options: tuple[_Option, ...]
    digits: int


def cut_line(line: np.ndarray, model: DigitModel, *, lengths: tuple[int, ...],
             slashes: bool) -> list[Cut]:
    """The likeliest cuts of a prepared line into a digit count of ``lengths`` (a
    separator counts no digit where the field writes ``slashes``); empty when the line
    holds no marks or none can be cut so."""
    found = clusters(line)
    if found is None or not lengths:
        return []
    parts, height = found
    options = _options(line, parts, height, model)
    ends = _beam(parts, options, slashes, max(lengths))
    whole = sorted((p for p in ends if p.digits in lengths), key=lambda p: -p.score)
    marks = punctuation(line, parts, height)
    return [_cut(p, height, marks) for p in whole[:CUTS]]


def _options(line: np.ndarray, parts: list[Cluster], height: float,
             model: DigitModel) -> dict[int, list[_Option]]:
    """By first cluster: each cluster as 1 … MAX_PIECES glyphs, and each pair of
    neighbouring clusters narrow enough to be one glyph; classified in one batch."""
    wanted: list[tuple[int, int, list[Glyph]]] = []
    for i, cluster in enumerate(parts):
        width = cluster.right - cluster.left
        for count in range(1, MAX_PIECES + 1):
            if count > 1 and width / count < MIN_PIECE_WIDTH * height:
                break
            wanted.append((i, 1, cluster.pieces(count, height)))
        if i + 1 < len(parts) and parts[i + 1].right - cluster.left <= MERGE_WIDTH * height:
            after = parts[i + 1]
            merged = Glyph(cluster.left, after.right, cluster.ink | after.ink)
            wanted.append((i, 2, [merged]))
    images: list[np.ndarray] = []
    kept: list[tuple[int, int, list[Glyph]]] = []
    for first, span, glyphs in wanted:
        found = images_of(line, glyphs)
        if found is not None:
            images.extend(found)
            kept.append((first, span, glyphs))
    if not images:
        return {}
    probabilities = model.probabilities(np.stack(images))
    options: dict[int, list[_Option]] = {}
    at = 0
    for first, span, glyphs in kept:
        rows = probabilities[at : at + len(glyphs)]
        at += len(glyphs)
        options.setdefault(first, []).append(_Option(first, span, tuple(glyphs), rows))
    return options


def _beam(parts: list[Cluster], options: dict[int, list[_Option]], slashes: bool,
          most: int) -> list[_Partial]:
    """Partial cuts by the cluster they reach, at most BEAM per digit count."""
    reached: dict[int, list[_Partial]] = {0: [_Partial(0.0, (), 0)]}
    for i in range(len(parts)):
        scored = [(option, *_option_score(option, slashes)) for option in options.get(i, [])]
        for partial in _best(reached.pop(i, [])):
            for option, digits, score in scored:
                if partial.digits + digits > most:
                    continue
                step = _Partial(partial.score + score, (*partial.options, option),
                                partial.digits + digits)
                reached.setdefault(i + option.span, []).append(step)
    return _best(reached.get(len(parts), []))


def _option_score(option: _Option, slashes: bool) -> tuple[int, float]:
    """:func:`_digits_and_score` of an option (the same for every partial cut it may
    extend), with :data:`MERGE_PRIOR` where it merges two clusters."""
    digits, score = _digits_and_score(option.probabilities, slashes)
    return digits, (score + _MERGE_PENALTY if option.span > 1 else score)


def _best(partials: list[_Partial]) -> list[_Partial]:
    by_count: dict[int, list[_Partial]] = {}
    for partial in sorted(partials, key=lambda p: -p.score):
        kept = by_count.setdefault(partial.digits, [])
        if len(kept) < BEAM:
            kept.append(partial)
    return [p for kept in by_count.values() for p in kept]


def _digits_and_score(rows: np.ndarray, slashes: bool) -> tuple[int, float]:
    """How many digits the glyphs read and the log-probability that each is whole: a
    digit, or (where slashes are written: dates) a separator or a letter of a month's
    name — which the classifier also calls two touching digits, so a letter is
    believed only at :data:`LETTER_SHARE` of its probability."""
    digit_mass = rows[:, : len(DIGITS)].sum(axis=1)
    slash_mass = rows[:, _SLASH]
    if not slashes:
        digit_mass = digit_mass + slash_mass  # a one written as a single stroke
        return len(rows), float(np.log(np.maximum(digit_mass, _FLOOR)).sum())
    letter_mass = rows[:, _OTHER] * LETTER_SHARE
    best = np.maximum(digit_mass, np.maximum(slash_mass, letter_mass))
    digits = int((digit_mass >= best).sum())  # a separator or a letter counts no digit
    return digits, float(np.log(np.maximum(best, _FLOOR)).sum())


def _cut(partial: _Partial, height: float, marks: list[float]) -> Cut:
    """A partial cut as a :class:`Cut`: a gap before a glyph where the space before it
    is wide (:data:`SPACE_GAP`) or holds a dot or a dash (``marks``, their middle
    columns: "8.8.2026" is cut "8 8 2026", not "882026")."""
    glyphs = [g for option in partial.options for g in option.glyphs]
    rows = np.concatenate([option.probabilities for option in partial.options])
    gaps = [bool(i) and (g.left - glyphs[i - 1].right > SPACE_GAP * height
                         or any(glyphs[i - 1].right <= m <= g.left for m in marks))
            for i, g in enumerate(glyphs)]
    return Cut(glyphs=[[round(float(p), 6) for p in row] for row in rows], gaps=gaps,
               log_weight=round(partial.score, 4))




def date_tail(line: np.ndarray, model: DigitModel, *, month_named: bool = False
              ) -> np.ndarray | None:
    """The part of a prepared line that a date written after words takes (FK 9443's
    "Ort och datum": "Stockholm 14/3 2026"): the trailing runs of marks the classifier
    sees as digits or slashes, not letters — and, when the engine read a month's name
    (``month_named``), one run of letters between two of them ("3 mars 2024") — to the
    end; None when they hold fewer than :data:`TAIL_MARKS` digit marks. A run is a word
    (marks between spaces) or, where a writer ran the month's name and the year
    together ("Habo, 24 december2024"), the name's letters or the year (:func:`date_runs`);
    before the day of a month's name (:data:`DAY_MARKS`) stands the ort."""
    found = clusters(line)
    if found is None:
        return None
    parts, height = found
    taken: list[tuple[list[Cluster], int]] = []  # (run, its digit marks), right to left
    letters_left = 1 if month_named else 0
    day: int | None = None  # digit marks taken before the month's name
    for run, marks in reversed(date_runs(line, parts, height, model,
                                             month_named=month_named)):
        if marks is None and letters_left and taken:
            letters_left -= 1
            taken.append((run, 0))
            day = 0
            continue
        if marks is None or (day and day + marks > DAY_MARKS):
            break  # (before the day of a month's name stands the ort, however it looks)
        taken.append((run, marks))
        day = None if day is None else day + marks
    while taken and taken[-1][1] == 0:  # a run of letters only stands between digits
        taken.pop()
    if sum(marks for _, marks in taken) < TAIL_MARKS:
        return None
    return line[:, max(taken[-1][0][0].left - 4, 0):]


def date_runs(line: np.ndarray, parts: list[Cluster], height: float, model: DigitModel, *,
              month_named: bool) -> list[tuple[list[Cluster], int | None]]:
    """The line's words, each with its digit marks (None: a word of letters); where a
    month is named, a last word of letters ending in digits split before them (the
    year run into the month's name). A word of digits may hold one mark the
    classifier takes for a letter (:func:`_digit_marks`)."""
    words = words_of(parts, height)
    runs: list[tuple[list[Cluster], int | None]] = [
        (word, _digit_marks(line, word, height, model, blotted=bool(number)))
        for number, word in enumerate(words)]
    if month_named and runs[-1][1] is None and len(words[-1]) > 1:
        runs[-1:] = [(run, _digit_marks(line, run, height, model))
                     for run in _split_at_letters(line, words[-1], height, model)]
    return runs


def words_of(parts: list[Cluster], height: float) -> list[list[Cluster]]:
    """A line's clusters grouped into words: a new word after a gap wider than
    :data:`SPACE_GAP` line heights."""
    words: list[list[Cluster]] = []
    for cluster in parts:
        if not words or cluster.left - words[-1][-1].right > SPACE_GAP * height:
            words.append([])
        words[-1].append(cluster)
    return words


def _split_at_letters(line: np.ndarray, word: list[Cluster], height: float,
                      model: DigitModel) -> list[list[Cluster]]:
    """A word of letters whose last marks the classifier sees as digits, at least
    :data:`TAIL_MARKS` of them, cut before them ("december2024"); else the word as
    it is (a mark seen as a digit among the letters is theirs: "dece6ber")."""
    lettered = [_digit_marks(line, [cluster], height, model) is None for cluster in word]
    last = max((i for i, letter in enumerate(lettered) if letter), default=len(word))
    digits = _digit_marks(line, word[last + 1 :], height, model) if last < len(word) - 1 \
        else None
    if digits is None or digits < TAIL_MARKS:  # ("Lidingö," read "Lidingö" and "9,")
        return [word]
    return [word[: last + 1], word[last + 1 :]]


def _digit_marks(line: np.ndarray, word: list[Cluster], height: float,
                 model: DigitModel, *, blotted: bool = True) -> int | None:
    """How many marks a word holds when the classifier sees none of them as a letter,
    or (``blotted``) one only in a word of :data:`BLOTTED_WORD` marks or more (a year
    with one digit blotted or cut badly: "2024" seen as "62672x" is no word of letters)
    -- cut by the marks' widths, or else as a date is cut (:func:`_cut_marks`). The
    first word of a line of several is not ``blotted``: a letter there is the ort's
    ("Pajala, 20251008": "Pajala," seen as "x91919", the P a letter)."""
    pieces = usual_glyphs(word, height)
    images = None if pieces is None else images_of(line, pieces)
    if images is None:
        return _cut_marks(line, word, height, model, _width_marks(word, height))
    letters = int((model.probabilities(np.stack(images))[:, _OTHER] >= 0.5).sum())
    if letters > (1 if blotted and len(images) >= BLOTTED_WORD else 0):
        return _cut_marks(line, word, height, model, len(images))
    return len(images)


def _width_marks(word: list[Cluster], height: float) -> int:
    """How many digits a word's marks hold by their widths, however many touch."""
    return sum(1 if cluster.right - cluster.left <= TOUCHING_WIDTH * height
               else max(2, round((cluster.right - cluster.left) / (DIGIT_WIDTH * height)))
               for cluster in word)


def _cut_marks(line: np.ndarray, word: list[Cluster], height: float, model: DigitModel,
               usual: int) -> int | None:
    """The glyphs of a word's likeliest cut (the beam a date is cut with), when none is
    a letter and they are no more than its marks' widths hold (``usual``): a dash
    touching a digit ("2025-04-18": "-0" cut by width in two, the dash seen as a
    letter) or digits run together ("20240620") are digits cut so, where a word of
    letters is cut into more glyphs than its marks ("Arboga" as "141760917")."""
    options = _options(line, word, height, model)
    ends = _beam(word, options, True, MAX_PIECES * len(word))
    if not ends:
        return None
    best = max(ends, key=lambda partial: partial.score)
    rows = np.concatenate([option.probabilities for option in best.options])
    if len(rows) > usual or bool((rows[:, _OTHER] >= 0.5).any()):
        return None
    return len(rows)
