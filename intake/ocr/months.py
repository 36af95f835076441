"""The month's name in a hand-written date line, read by the project's own month-word
classifier (``intake.learned.months``): the word is the run of letters between the
day's digits and the year's, as the digit classifier tells letters from digits
(:func:`intake.ocr.lattice.date_runs`: "8 maj 2026", "Heby 3 juni 2025", a year run
into the name "24 december2024"). Only a line holding such a word is read."""

from __future__ import annotations

import numpy as np

from intake import imaging
from intake.learned.digits import CLASSES, OTHER, DigitModel
from intake.learned.months import WORD_HEIGHT, WORD_SHAPE, WORD_WIDTH, MonthModel, named_month
from intake.ocr.glyphs import Cluster, clusters, images_of, usual_glyphs
from intake.ocr.lattice import words_of

_OTHER = CLASSES.index(OTHER)
#: In line heights: the widest a day (two digits) stands, the widest a year (four
#: digits, spaced), the narrowest gap around a month's name.
DAY_WIDTH = 2.6
YEAR_REACH = 4.5
MIN_GAP = 0.2


def month_word(line: np.ndarray, digits: DigitModel, *, after_words: bool = False,
               letters_read: bool = True) -> np.ndarray | None:
    """What stands between a date's day and year on a prepared line (between its two
    widest gaps), normalised for the month classifier; None when the line is not cut so
    (a date written "2026-08-08" or "20260808"). Whether it is a month's name is the
    classifier's to say ("8/8 2026" holds "/8"). With ``after_words`` the
    date follows words (9443's "Ort och datum": "Heby 8 maj 2026"): the words before
    the first that opens with a digit are left out."""
    found = clusters(line)
    if found is None:
        return None
    parts, height = found
    if after_words:
        parts = _from_first_digit(line, parts, height, digits)
    middle = _middle(parts, height)
    if middle is None or not (letters_read or _letters(line, middle, height, digits)):
        return None
    return _word_image(line, middle)


def _from_first_digit(line: np.ndarray, parts: list[Cluster], height: float,
                      digits: DigitModel) -> list[Cluster]:
    """The clusters from the first word as narrow as a day whose marks the digit
    classifier sees no letter in (the ort before it may open with a letter it takes
    for a digit: "Uddevalla")."""
    for word in words_of(parts, height):
        if word[-1].right - word[0].left <= DAY_WIDTH * height \
                and _letters(line, word, height, digits) == 0:
            return parts[parts.index(word[0]):]
    return []


def _middle(parts: list[Cluster], height: float) -> list[Cluster] | None:
    """The clusters between the day and the year: the day ends at the widest gap within
    :data:`DAY_WIDTH` line heights of the line's start, the year begins at the widest
    gap within :data:`YEAR_REACH` of its end (a hand's letters may stand as far apart
    as its words: the widest gaps of the whole line may lie inside the month's name);
    None when no cluster stands between them or a gap is hardly one."""
    if len(parts) < 3:
        return None
    start, end = parts[0].left, parts[-1].right
    gaps = [b.left - a.right for a, b in zip(parts, parts[1:], strict=False)]
    near_start = [i for i in range(len(gaps)) if parts[i].right - start <= DAY_WIDTH * height]
    near_end = [i for i in range(len(gaps)) if end - parts[i + 1].left <= YEAR_REACH * height]
    if not near_start or not near_end:
        return None
    day = max(near_start, key=lambda i: gaps[i])
    year = max(near_end, key=lambda i: gaps[i])
    if year <= day or min(gaps[day], gaps[year]) < MIN_GAP * height:
        return None
    return parts[day + 1 : year + 1]


def _letters(line: np.ndarray, run: list[Cluster], height: float, digits: DigitModel) -> int:
    """How many of a run's marks the digit classifier takes for letters (a run too wide
    to cut into glyphs counts as letters)."""
    pieces = usual_glyphs(run, height)
    images = None if pieces is None else images_of(line, pieces)
    if images is None:
        return len(run)
    return int((digits.probabilities(np.stack(images))[:, _OTHER] >= 0.5).sum())


def _word_image(line: np.ndarray, word: list[Cluster]) -> np.ndarray | None:
    """The word's ink (and the pixels next to it) from its first column to its last."""
    left, right = word[0].left, max(cluster.right for cluster in word)
    ink = np.zeros_like(word[0].ink[:, left:right])
    for cluster in word:
        ink |= cluster.ink[:, left:right]
    darkness = 1.0 - line[:, left:right].astype(np.float32) / 255
    return normalise_word(np.where(imaging.dilate(ink, 3), darkness, 0.0))


def read_month(line: np.ndarray, digits: DigitModel, months: MonthModel, *,
               after_words: bool = False, letters_read: bool = True) -> list[float]:
    """The month classifier's probabilities for the line's month word (in the order of
    ``MONTH_CLASSES``); empty when the line holds no such word, or when neither the
    engine read a letter after the day (``letters_read``) nor the digit classifier sees
    one between the day and the year (a date in digits is not read: "2024-03-21")."""
    word = month_word(line, digits, after_words=after_words, letters_read=letters_read)
    return [] if word is None else months.read(word)


def names_a_month(probabilities: list[float]) -> bool:
    """Whether the classifier's reading of a word names a month."""
    return named_month(probabilities) is not None


def normalise_word(darkness: np.ndarray) -> np.ndarray | None:
    """A word's darkness (0 paper … 1 ink) cropped to its ink, scaled so that it is
    :data:`WORD_HEIGHT` tall (narrowed to :data:`WORD_WIDTH` when longer) and centred in
    :data:`WORD_SHAPE`; None when there is no ink."""
    rows, cols = np.nonzero(darkness > 0.3)
    if not len(rows):
        return None
    crop = darkness[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = WORD_HEIGHT / crop.shape[0]
    height = WORD_HEIGHT
    width = max(1, min(WORD_WIDTH, round(crop.shape[1] * scale)))
    small = imaging.resize_to((crop * 255).astype(np.uint8), width, height)
    out = np.zeros(WORD_SHAPE, np.float32)
    top, left = (WORD_SHAPE[0] - height) // 2, (WORD_SHAPE[1] - width) // 2
    out[top : top + height, left : left + width] = small.astype(np.float32) / 255
    return out
