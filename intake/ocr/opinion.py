"""A second opinion on hand-printed digits: Tesseract's read of a line weighed with the
project's digit classifier (``intake.ocr.digits``).

Tesseract reads hand-printed digits with confident single-digit confusions (9→3,
7→1 at 0.97). :func:`combine` merges the classifier's per-digit probabilities into
Tesseract's alternatives (a product of experts) so that the constraint decoding in
``intake.mapping`` can use both; where Tesseract lost or invented digits,
:func:`second_opinion` takes the classifier's reading of the line, its digits merged
with the Tesseract digits they align to (:func:`aligned_merge`).
"""

from __future__ import annotations

import math
import re

import numpy as np

from intake.learned.digits import DIGITS, DigitModel
from intake.ocr.digits import TOP_K, alternatives_of, line_of, read_glyphs
from intake.ocr.lattice import cut_line
from intake.reads import TextRead

#: The most a field without a check digit (a date) may trust digits only the classifier
#: read: on a hand it never saw, they went wrong unseen (measure_digits, held-out).
UNCHECKED_CAP = 0.5
#: Three letters or more in a row: a word, such as a month's name.
_WORD = re.compile(r"[^\W\d_]{3,}")

#: Product of experts: p(d) ∝ (p_tesseract(d) + floor)^weight × (p_classifier(d) + floor)^weight.
TESSERACT_WEIGHT = 1.0
CLASSIFIER_WEIGHT = 1.0
TESSERACT_FLOOR = 0.02  # Tesseract lists few digits: an unlisted one is not impossible
CLASSIFIER_FLOOR = 0.005


def combine(
    read: TextRead,
    digit_alts: list[list[tuple[str, float]]] | None,
    *,
    tesseract_weight: float = TESSERACT_WEIGHT,
    classifier_weight: float = CLASSIFIER_WEIGHT,
) -> TextRead:
    """``read`` with each digit's alternatives merged with the classifier's, when both
    saw the same number of digits; otherwise ``read`` unchanged. Separators and spaces
    keep Tesseract's reading; the confidence is the least sure merged digit's."""
    positions = [i for i, char in enumerate(read.text) if char in DIGITS]
    if digit_alts is None or len(positions) != len(digit_alts):
        return read
    listed = _per_character(read)
    chars, alternatives = list(read.text), [list(a) for a in listed]
    weakest = 1.0
    for index, classifier in zip(positions, digit_alts, strict=True):
        tesseract = listed[index] or [(read.text[index], read.confidence)]
        merged = _merge(tesseract, classifier, tesseract_weight, classifier_weight)
        chars[index], weakest = merged[0][0], min(weakest, merged[0][1])
        alternatives[index] = merged
    visible = [a for char, a in zip(chars, alternatives, strict=True) if not char.isspace()]
    return TextRead(text="".join(chars), confidence=weakest, alternatives=visible)


def second_opinion(
    read: TextRead,
    line: np.ndarray,
    model: DigitModel,
    *,
    lengths: tuple[int, ...],
    merge: bool = True,
    slashes: bool = True,
    slack: int = 0,
    agreement: bool = True,
    cut_lengths: tuple[int, ...] | None = None,
) -> TextRead:
    """``read`` merged with the classifier's digits (:func:`combine`); when Tesseract
    lost or invented digits (its count is none of ``lengths``, the counts a field of
    this kind has) but the classifier cut the line into one of ``lengths`` digits (or,
    with ``slack``, a count that many off and nearer than Tesseract's: a decoding
    that guesses a missing digit follows), the classifier's reading of the line
    (:func:`classifier_line`). Handwriting that
    touches or breaks makes Tesseract drop whole groups of digits ("20 2384" for a
    personnummer, "-10-18" for a date). Without ``merge`` (no check digit) the
    classifier only confirms Tesseract's digits, and only with ``agreement``; a read
    made from its digits stays below :data:`UNCHECKED_CAP`. The read also carries the
    classifier's likeliest cuts of the line (:func:`~intake.ocr.lattice.cut_line`), for
    decoding the field as a whole, into a digit count of ``cut_lengths`` (default
    ``lengths``)."""
    cuts = cut_line(line, model, lengths=cut_lengths or lengths, slashes=slashes)
    return _opinion(read, line, model, lengths=lengths, merge=merge, slashes=slashes,
                    slack=slack, agreement=agreement).model_copy(update={"cuts": cuts})


def _opinion(read: TextRead, line: np.ndarray, model: DigitModel, *,
             lengths: tuple[int, ...], merge: bool, slashes: bool, slack: int,
             agreement: bool) -> TextRead:
    found = read_glyphs(line, model, lengths=lengths, slashes=slashes)  # once, for both uses
    alternatives = None if found is None else alternatives_of(found[1], slashes)
    combined = combine(read, alternatives)
    if combined is not read and not merge and not (agreement and combined.text == read.text):
        # no check digit: the classifier may not overrule Tesseract's digits, and where
        # ``agreement`` is off its agreement is no proof either (on a hand neither
        # knew, both took the 9s of dates for 3s)
        return read
    if combined is not read:
        return combined

    def off(text: str) -> int:
        count = sum(c in DIGITS for c in text)
        return min(abs(count - n) for n in lengths)

    if not off(read.text) or _WORD.search(read.text):
        return read  # a word ("8 maj 2024") is more than a line of digits can say
    mine = None if found is None else line_of(*found, slashes)
    if mine is None or off(mine.text) > slack or off(mine.text) >= off(read.text):
        return read
    merged = aligned_merge(read, mine)
    if not merge:  # no check digit to catch a wrong one: a person looks at it
        return merged.model_copy(update={"confidence": min(merged.confidence, UNCHECKED_CAP)})
    return merged


def aligned_merge(tesseract: TextRead, classifier: TextRead) -> TextRead:
    """The classifier's reading of a line with each of its digits merged (:func:`_merge`)
    with the Tesseract digit it aligns to (least edits between the two digit strings).

    Tesseract lost digits elsewhere on the line but the ones it kept are evidence: where
    the two disagree ("4" against the classifier's "9"), the merged digit is as unsure
    as they are, so a constraint decoding weighs both rather than trusting one."""
    t_positions = [i for i, c in enumerate(tesseract.text) if c in DIGITS]
    c_positions = [i for i, c in enumerate(classifier.text) if c in DIGITS]
    t_listed = _per_character(tesseract)
    visible = [i for i, c in enumerate(classifier.text) if not c.isspace()]
    c_listed = dict(zip(visible, classifier.alternatives, strict=True))
    pairs = _alignment([tesseract.text[i] for i in t_positions],
                       [classifier.text[i] for i in c_positions])
    chars = list(classifier.text)
    alternatives = {i: list(c_listed[i]) for i in visible}
    own = math.prod(c_listed[i][0][1] for i in c_positions)
    confidence = classifier.confidence / own if own > 0 else 0.0  # its slashes' doubt
    for t_index, c_index in pairs:
        t_at, c_at = t_positions[t_index], c_positions[c_index]
        mine = t_listed[t_at] or [(tesseract.text[t_at], tesseract.confidence)]
        merged = _merge(mine, alternatives[c_at], TESSERACT_WEIGHT, CLASSIFIER_WEIGHT)
        chars[c_at], alternatives[c_at] = merged[0][0], merged
    for i in c_positions:
        confidence *= alternatives[i][0][1]
    return TextRead(
        text="".join(chars),
        confidence=confidence,
        alternatives=[alternatives[i] for i in visible],
    )


def _alignment(first: list[str], second: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a least-edit alignment of two strings (matches and substitutions)."""
    rows, cols = len(first) + 1, len(second) + 1
    cost = np.zeros((rows, cols), np.int32)
    cost[:, 0], cost[0, :] = np.arange(rows), np.arange(cols)
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i, j] = min(cost[i - 1, j] + 1, cost[i, j - 1] + 1,
                             cost[i - 1, j - 1] + (first[i - 1] != second[j - 1]))
    pairs, i, j = [], rows - 1, cols - 1
    while i and j:
        if cost[i, j] == cost[i - 1, j - 1] + (first[i - 1] != second[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _per_character(read: TextRead) -> list[list[tuple[str, float]]]:
    """Tesseract's alternatives per character of its text (spaces get none)."""
    if len(read.alternatives) == len(read.text):
        return [list(a) for a in read.alternatives]
    visible = [i for i, char in enumerate(read.text) if not char.isspace()]
    listed: list[list[tuple[str, float]]] = [[] for _ in read.text]
    if len(read.alternatives) == len(visible):
        for i, alternatives in zip(visible, read.alternatives, strict=True):
            listed[i] = list(alternatives)
    return listed


def _merge(
    tesseract: list[tuple[str, float]],
    classifier: list[tuple[str, float]],
    tesseract_weight: float,
    classifier_weight: float,
) -> list[tuple[str, float]]:
    """The top digits of the weighted product of the two distributions."""
    p_tess, p_class = _digit_vector(tesseract), _digit_vector(classifier)
    product = (p_tess + TESSERACT_FLOOR) ** tesseract_weight * (
        p_class + CLASSIFIER_FLOOR
    ) ** classifier_weight
    product /= product.sum()
    order = np.argsort(-product)[:TOP_K]
    return [(DIGITS[i], float(product[i])) for i in order]


def _digit_vector(alternatives: list[tuple[str, float]]) -> np.ndarray:
    vector = np.zeros(len(DIGITS))
    for char, p in alternatives:
        if char in DIGITS:
            vector[DIGITS.index(char)] += p
    return vector / max(float(vector.sum()), 1e-9)
