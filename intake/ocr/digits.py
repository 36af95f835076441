"""The project's own reader of hand-printed digits: a line cut into glyphs
(``intake.ocr.glyphs``) and each glyph classified by a small network trained by our own
code (:class:`~intake.learned.digits.DigitModel`, ``intake/learned/data/digits.npz``).

Where the field's digit count is known, the line's cut is fitted to it
(:func:`read_glyphs`). :func:`digit_alternatives` gives each digit's likeliest values;
:func:`classifier_line` the model's own reading of the whole line, separators
included. How that is weighed against Tesseract is ``intake.ocr.opinion``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from intake.learned.digits import CLASSES, DIGITS, OTHER, SLASH, DigitModel
from intake.ocr.glyphs import MAX_PIECES, Cluster, Glyph, clusters, images_of, usual_glyphs
from intake.reads import TextRead

TOP_K = 4
#: A gap wider than this many glyph heights between two glyphs is a space or a hyphen.
SPACE_GAP = 0.45
#: Share of a line's glyphs that may look like letters in :func:`classifier_line`.
MAX_LETTERLIKE = 0.25

#: The classifier abstains on a line whose digits it is on average less sure of.
MIN_MEAN_SURETY = 0.8
#: How many glyphs a line's cut may be off the field's digit count and still be fitted.
MAX_REFIT = 2
#: The most merges and cuts one fit may take (MAX_REFIT, and as many undone).
MAX_FIT_STEPS = 2 * MAX_REFIT + 2
#: A merged glyph is at most this many line heights wide.
MERGE_WIDTH = 1.2
#: A merged or cut glyph must be at least this likely some digit (or slash).
MIN_FIT_SURETY = 0.5
#: A glyph at least this many line heights wide may be cut in two.
SPLIT_WIDTH = 0.6


def read_glyphs(
    line: np.ndarray,
    model: DigitModel,
    *,
    lengths: tuple[int, ...] = (),
    slashes: bool = True,
) -> tuple[list[Glyph], np.ndarray] | None:
    """The glyphs of a prepared line and their class probabilities; None when the line
    does not cut into glyphs (:func:`segment`).

    With ``lengths`` (the digit counts a value of the field has), a cut whose digit
    count is none of them but at most :data:`MAX_REFIT` off, or that holds a glyph the
    model takes for a letter (two digits cut into three, say), is fitted: for each
    reachable count, the adjacent glyphs whose union the model reads best as one
    digit are merged (an open "0" drawn in two strokes), or the glyph whose two
    halves it reads best is cut (two touching digits), until the count fits; the
    fit whose glyphs the model is surest of, on average, wins (the cut as it was, too).
    The field's count is known, so this uses it while cutting rather than after reading.
    """
    found = clusters(line)
    glyphs = None if found is None else usual_glyphs(*found)
    images = None if glyphs is None else images_of(line, glyphs)
    if found is None or glyphs is None or not images:
        return None
    probabilities = classify(images, model)
    count = _digit_count(probabilities, slashes)
    letters = int(np.count_nonzero(np.argmax(probabilities, axis=1) == CLASSES.index(OTHER)))
    if not lengths or (count in lengths and not letters):
        return glyphs, probabilities
    if letters > MAX_LETTERLIKE * len(glyphs):
        return glyphs, probabilities  # words ("5 juni 2025"), not digits cut wrong
    parts, height = found
    options = [_cluster_options(line, cluster, height, model, slashes) for cluster in parts]
    fits: list[tuple[list[Glyph], np.ndarray] | None] = [(glyphs, probabilities)]
    for target in lengths:
        if abs(target - count) <= MAX_REFIT:
            if count != target:
                fits.append(_fit(line, glyphs, probabilities, target, height, model, slashes))
            fits.append(_recut(options, target))
    return max(
        (fit for fit in fits if fit is not None),
        key=lambda fit: float(np.mean(_surety(fit[1], slashes))),
    )


#: (glyphs, probabilities, digit count, summed surety) of one way to cut a cluster.
_Option = tuple[list[Glyph], np.ndarray, int, float]


def _cluster_options(
    line: np.ndarray, cluster: Cluster, height: float, model: DigitModel, slashes: bool
) -> list[_Option]:
    """Each plausible number of digits a cluster may hold, cut and classified."""
    width = cluster.right - cluster.left
    options = []
    for count in range(1, MAX_PIECES + 2):
        if count > 1 and width / count < SPLIT_WIDTH * height / 2:
            break
        glyphs = cluster.pieces(count, height)
        images = images_of(line, glyphs)
        if images is None:
            continue
        probabilities = classify(images, model)
        surety = _surety(probabilities, slashes)
        if count > 1 and surety.min() < math.log(MIN_FIT_SURETY):
            continue
        digits = _digit_count(probabilities, slashes)
        options.append((glyphs, probabilities, digits, float(surety.sum())))
    return options


def _recut(
    options: list[list[_Option]], target: int
) -> tuple[list[Glyph], np.ndarray] | None:
    """The cut of every cluster that gives ``target`` digits with the most summed surety."""
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for choices in options:
        step: dict[int, tuple[float, list[int]]] = {}
        for count, (score, picked) in best.items():
            for index, (_, _, digits, surety) in enumerate(choices):
                total = count + digits
                if total <= target and (total not in step or step[total][0] < score + surety):
                    step[total] = (score + surety, [*picked, index])
        best = step
    if target not in best:
        return None
    chosen = [choices[i] for choices, i in zip(options, best[target][1], strict=True)]
    glyphs = [glyph for option in chosen for glyph in option[0]]
    return glyphs, np.concatenate([option[1] for option in chosen])


def _digit_count(probabilities: np.ndarray, slashes: bool) -> int:
    best = np.argmax(probabilities, axis=1)
    return int(len(best) - (np.count_nonzero(best == CLASSES.index(SLASH)) if slashes else 0))


def _surety(probabilities: np.ndarray, slashes: bool) -> np.ndarray:
    """Log of each glyph's likeliest digit (or slash, where slashes are written)."""
    kept = probabilities[:, : len(DIGITS) + 1].copy()
    if not slashes:
        kept[:, DIGITS.index("1")] += kept[:, len(DIGITS)]
        kept[:, len(DIGITS)] = 0.0
    return np.log(np.maximum(kept.max(axis=1), 1e-9))


def _fit(
    line: np.ndarray,
    glyphs: list[Glyph],
    probabilities: np.ndarray,
    target: int,
    height: float,
    model: DigitModel,
    slashes: bool,
) -> tuple[list[Glyph], np.ndarray] | None:
    """``glyphs`` merged or cut one at a time, best first, to ``target`` digits; None
    when that takes more than a few steps (a merge that makes a slash can undo a cut)."""
    for _ in range(MAX_FIT_STEPS):
        count = _digit_count(probabilities, slashes)
        if count == target:
            return glyphs, probabilities
        step = _merges if count > target else _cuts_in_two
        options = list(step(glyphs, probabilities, height, slashes))
        if not options:
            return None
        scored = []
        for start, stop, parts in options:
            images = images_of(line, parts)
            if images is None:
                continue
            new = classify(images, model)
            surety = _surety(new, slashes)
            if surety.min() < math.log(MIN_FIT_SURETY):
                continue  # no digit the model recognises: not how the line was written
            gain = surety.sum() - _surety(probabilities[start:stop], slashes).sum()
            scored.append((float(gain), start, stop, parts, new))
        if not scored:
            return None
        _, start, stop, parts, new = max(scored, key=lambda item: item[0])
        glyphs = [*glyphs[:start], *parts, *glyphs[stop:]]
        probabilities = np.concatenate([probabilities[:start], new, probabilities[stop:]])
    return None


def _merges(
    glyphs: list[Glyph], probabilities: np.ndarray, height: float, slashes: bool
) -> Iterator[tuple[int, int, list[Glyph]]]:
    """(start, stop, [merged]) for each adjacent pair narrow enough to be one digit."""
    slash = CLASSES.index(SLASH)
    for i in range(len(glyphs) - 1):
        a, b = glyphs[i], glyphs[i + 1]
        if slashes and slash in (np.argmax(probabilities[i]), np.argmax(probabilities[i + 1])):
            continue
        if b.right - a.left <= MERGE_WIDTH * height:
            yield i, i + 2, [Glyph(a.left, b.right, a.ink | b.ink)]


def _cuts_in_two(
    glyphs: list[Glyph], probabilities: np.ndarray, height: float, slashes: bool
) -> Iterator[tuple[int, int, list[Glyph]]]:
    """(start, stop, [left, right]) for each glyph wide enough to be two digits."""
    for i, glyph in enumerate(glyphs):
        if glyph.right - glyph.left < SPLIT_WIDTH * height:
            continue
        halves = Cluster(glyph.left, glyph.right, glyph.ink).pieces(2, height)
        if len(halves) == 2 and all(half.ink.any() for half in halves):
            yield i, i + 1, halves



# --- classifying ---------------------------------------------------------------------------


def classify(images: list[np.ndarray], model: DigitModel) -> np.ndarray:
    """Class probabilities of normalised glyph images (N × len(CLASSES))."""
    return model.probabilities(np.stack(images))


def digit_alternatives(
    line: np.ndarray,
    model: DigitModel,
    *,
    slashes: bool = True,
    lengths: tuple[int, ...] = (),
) -> list[list[tuple[str, float]]] | None:
    """Per digit glyph of a prepared line, the ``TOP_K`` digits with probabilities
    (renormalised over digits); slashes dropped, or, in a field that holds none
    (``slashes`` False), taken for the 1 they then are. None when the line does not
    cut into glyphs cleanly or holds a letter. With ``lengths``, the glyphs are first
    fitted to the nearest of those digit counts (:func:`read_glyphs`)."""
    found = read_glyphs(line, model, lengths=lengths, slashes=slashes)
    return None if found is None else alternatives_of(found[1], slashes)


def alternatives_of(
    probabilities: np.ndarray, slashes: bool
) -> list[list[tuple[str, float]]] | None:
    """:func:`digit_alternatives` of glyphs already classified (None when a glyph looks
    like a letter or the model is not sure enough of the line)."""
    alternatives = []
    for row in probabilities:
        best = CLASSES[int(np.argmax(row))]
        if best == OTHER:
            return None
        if best == SLASH and slashes:
            continue
        digits = _digit_share(row, slashes=slashes)
        digits /= max(float(digits.sum()), 1e-9)
        order = np.argsort(-digits)[:TOP_K]
        alternatives.append([(DIGITS[i], float(digits[i])) for i in order])
    return alternatives if alternatives and _sure_enough(alternatives) else None


def _sure_enough(alternatives: list[list[tuple[str, float]]]) -> bool:
    """Whether the model is, on average, sure enough of a line's digits to be heard: on a
    hand it never saw it is often unsure, and then wrong more than Tesseract."""
    tops = [choices[0][1] for choices in alternatives if choices[0][0] in DIGITS]
    return bool(tops) and float(np.mean(tops)) >= MIN_MEAN_SURETY


def _digit_share(row: np.ndarray, *, slashes: bool) -> np.ndarray:
    """A glyph's probability of each digit; without slashes a slash's share is a 1's
    (a one written as a single stroke)."""
    digits = row[: len(DIGITS)].copy()
    if not slashes:
        digits[DIGITS.index("1")] += row[CLASSES.index(SLASH)]
    return digits


def classifier_line(
    line: np.ndarray,
    model: DigitModel,
    *,
    slashes: bool = True,
    lengths: tuple[int, ...] = (),
) -> TextRead | None:
    """The classifier's reading of a line of digits: each digit with its ``TOP_K``
    alternatives, "/" where it saw a slash, a space where two glyphs stand further apart
    than :data:`SPACE_GAP` line heights (where a hyphen or a space was written); the
    confidence is the product of the digits'. A glyph the model takes for a letter
    (a broken or joined digit, often) is read as its likeliest digit with the letter's
    share as doubt. None when the line does not cut into glyphs cleanly or more than
    :data:`MAX_LETTERLIKE` of its glyphs look like letters (a month name)."""
    found = read_glyphs(line, model, lengths=lengths, slashes=slashes)
    return None if found is None else line_of(*found, slashes)


def line_of(glyphs: list[Glyph], probabilities: np.ndarray, slashes: bool) -> TextRead | None:
    """:func:`classifier_line` of glyphs already cut and classified."""
    best_classes = [CLASSES[int(np.argmax(row))] for row in probabilities]
    if best_classes.count(OTHER) > MAX_LETTERLIKE * len(glyphs):
        return None
    height = _glyph_height(glyphs)
    spaced = [bool(i) and g.left - glyphs[i - 1].right > SPACE_GAP * height
              for i, g in enumerate(glyphs)]
    kept = _separators(best_classes, spaced, probabilities) if slashes else set()
    text: list[str] = []
    alternatives: list[list[tuple[str, float]]] = []
    confidence = 1.0
    for index, row in enumerate(probabilities):
        if spaced[index]:
            text.append(" ")
        if index in kept:
            # a slash or a 1 written as one stroke: the doubt stays in the confidence
            text.append(SLASH)
            alternatives.append([(SLASH, 1.0)])
            confidence *= float(row[CLASSES.index(SLASH)] / row[: len(DIGITS) + 1].sum())
            continue
        # a digit, unless it is a letter: what the model gave "letter" stays as doubt
        share = _digit_share(row, slashes=slashes and best_classes[index] != SLASH)
        digits = share / max(float(share.sum() + row[CLASSES.index(OTHER)]), 1e-9)
        order = np.argsort(-digits)[:TOP_K]
        text.append(DIGITS[order[0]])
        alternatives.append([(DIGITS[i], float(digits[i])) for i in order])
        confidence *= float(digits[order[0]])
    if not _sure_enough(alternatives):
        return None
    return TextRead(text="".join(text), confidence=confidence, alternatives=alternatives)


def _separators(classes: list[str], spaced: list[bool], probabilities: np.ndarray) -> set[int]:
    """Which glyphs the model took for slashes are date separators; the others are 1s
    written as one stroke. A run of slashes is a separator when it stands between two
    digits, or apart from both sides ("17 / 10"), and then only its most slash-like
    glyph ("17//0" is 17/10); a slash joined to a digit on one side only ("/7" at the
    start, "10 /2") is a 1."""
    kept: set[int] = set()
    index = 0
    while index < len(classes):
        if classes[index] != SLASH:
            index += 1
            continue
        end = index
        while end + 1 < len(classes) and classes[end + 1] == SLASH and not spaced[end + 1]:
            end += 1
        joined_left = index > 0 and not spaced[index]
        joined_right = end + 1 < len(classes) and not spaced[end + 1]
        if joined_left == joined_right:
            run = range(index, end + 1)
            kept.add(max(run, key=lambda i: float(probabilities[i, CLASSES.index(SLASH)])))
        index = end + 1
    return kept


def _glyph_height(glyphs: list[Glyph]) -> float:
    rows = [np.flatnonzero(g.ink.any(axis=1)) for g in glyphs]
    return float(np.median([r[-1] - r[0] + 1 for r in rows if len(r)] or [1]))
