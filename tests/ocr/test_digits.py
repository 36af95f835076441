"""The project's digit classifier reading glyphs and lines (``intake.ocr.digits``)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from intake.learned.digits import CLASSES, DIGITS
from intake.ocr import digits
from intake.training.digits import HELD_OUT_FONT, render_glyph
from tests.ocr.lines import MODEL, line_of, zero_in_two_strokes


def test_model_reads_digits_of_a_held_out_font() -> None:
    """GIVEN digits rendered and degraded in the hand font left out of training
    WHEN the shipped model classifies them
    THEN far more are read right than chance (10 %): measured 48 % on a hand never seen,
    against 72–97 % on the fonts it was trained on."""
    rng = random.Random(5)
    truth, images = [], []
    for _ in range(200):
        digit = rng.choice(DIGITS)
        image = render_glyph(digit, HELD_OUT_FONT, rng)
        if image is not None:
            truth.append(CLASSES.index(digit))
            images.append(image)
    predicted = digits.classify(images, MODEL).argmax(axis=1)
    assert float(np.mean(predicted == np.array(truth))) >= 0.4


def test_digit_alternatives_of_a_typed_line() -> None:
    """GIVEN a cleanly drawn date in a typed font
    WHEN its digit alternatives are asked for
    THEN there are eight positions whose top choices spell the date."""
    alternatives = digits.digit_alternatives(line_of("2024-12-07", "DejaVuSans.ttf"), MODEL)
    assert alternatives is not None
    assert "".join(a[0][0] for a in alternatives) == "20241207"


def test_classifier_line_keeps_slashes_and_spaces_of_a_date() -> None:
    """GIVEN a date written "30/10 2025"
    WHEN the classifier reads the line alone
    THEN it gives the digits with the slash and the space, which the date parser reads."""
    read = digits.classifier_line(line_of("30/10 2025"), MODEL)
    assert read is not None
    assert read.text == "30/10 2025"


def test_a_slash_in_a_field_without_slashes_counts_as_a_one() -> None:
    """GIVEN a glyph distribution that puts most of its mass on the slash class
    WHEN the field holds no slashes (a personnummer)
    THEN that mass goes to the digit 1; where slashes are written it stays a slash."""
    row = np.zeros(len(CLASSES))
    row[CLASSES.index("/")], row[CLASSES.index("7")] = 0.7, 0.3
    assert np.argmax(digits._digit_share(row, slashes=False)) == 1
    assert digits._digit_share(row, slashes=True)[1] == 0.0


def test_a_zero_in_two_strokes_is_one_digit_when_the_count_is_known() -> None:
    """GIVEN a personnummer whose 0 came apart into two strokes (13 marks)
    WHEN it is read knowing that a personnummer has 10 or 12 digits
    THEN the two halves are merged back into the 0; without the counts they stay two."""
    line = zero_in_two_strokes("198203082384")
    found = digits.read_glyphs(line, MODEL, lengths=(10, 12), slashes=False)
    assert found is not None
    _, probabilities = found
    assert "".join(CLASSES[i] for i in probabilities.argmax(axis=1)) == "198203082384"
    assert len(digits.read_glyphs(line, MODEL, slashes=False)[0]) == 13  # type: ignore[index]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("/7//0 2025", "17/10 2025"),
        ("2025 10 /2", "2025 10 12"),
        ("17 / 10 2025", "17 / 10 2025"),
        ("30/10 2025", "30/10 2025"),
    ],
)
def test_a_one_written_as_a_stroke_in_a_date_is_told_from_the_separator(
    written: str, read: str
) -> None:
    """GIVEN a date whose 1s are single strokes the model takes for slashes
    WHEN the classifier reads the line
    THEN a stroke joined to a digit on one side only is a 1, and of two strokes between
    digits one is the separator and the other a 1; slashes between digits stay."""
    line = digits.classifier_line(line_of(written), MODEL, lengths=(6, 7, 8))
    assert line is not None and line.text == read
