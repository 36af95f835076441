"""The month-word classifier's training data: what is written for each class."""

from __future__ import annotations

import random

import numpy as np

from intake.learned.months import MONTH_CLASSES, NO_MONTH, WORD_SHAPE
from intake.ocr.text import edit_distance
from intake.sus.values import MONTHS
from intake.training.glyph_data import HELD_OUT_FONT, training_fonts
from intake.training.months import month_text, reading_digits, word_set


def test_each_month_class_is_written_as_that_months_name_or_abbreviation() -> None:
    """GIVEN every class of the month classifier
    WHEN words are made for it
    THEN a month's words all name that month (any case, a full stop after a short
    form), and no-month words are no month's, nor one letter off one."""
    rng = random.Random(4)
    for label, name in enumerate(MONTH_CLASSES):
        for _ in range(30):
            word = month_text(label, rng).casefold().rstrip(".")
            if name == NO_MONTH:
                assert all(edit_distance(word, month) > 1 for month in MONTHS), word
            else:
                assert MONTHS[word] == label + 1


def test_the_word_set_is_made_again_from_its_seed_without_the_held_out_font() -> None:
    """GIVEN the fonts the classifier learns from
    WHEN the word set is made twice from one seed
    THEN it is the same, its words in the reader's frame, and the held-out font is not
    among the fonts."""
    fonts = training_fonts()
    assert HELD_OUT_FONT not in fonts
    first = word_set(per_class=1, fonts=fonts, seed=9, digits=reading_digits())
    second = word_set(per_class=1, fonts=fonts, seed=9, digits=reading_digits())
    assert first[0].shape[1:] == WORD_SHAPE and len(first[1]) >= 10
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
