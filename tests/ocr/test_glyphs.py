"""A line of hand-printed digits cut into glyphs (``intake.ocr.glyphs``)."""

from __future__ import annotations

import numpy as np

from intake.ocr import glyphs
from tests.ocr.lines import line_of


def test_segment_cuts_a_personnummer_into_twelve_glyphs() -> None:
    """GIVEN a written personnummer with a hyphen
    WHEN it is segmented
    THEN there is one glyph per digit and the hyphen is dropped."""
    found = glyphs.segment(line_of("19820721-2385"))
    assert found is not None
    assert len(found) == 12


def test_segment_splits_touching_digits() -> None:
    """GIVEN two digits drawn so close that their ink touches
    WHEN the line is segmented
    THEN the touching pair is cut into two glyphs."""
    line = line_of("00")
    joined = np.minimum(line, np.roll(line, -6, axis=1))  # the second 0 over the first
    assert len(glyphs.segment(line) or []) == 2
    assert len(glyphs.segment(joined) or []) == 2


def test_touching_digits_far_from_the_left_edge_are_cut_where_they_stand() -> None:
    """GIVEN a touching pair of digits after other digits on the line
    WHEN the line is segmented
    THEN each piece is a non-empty glyph inside the pair, left to right (cuts were
    once taken relative to the pair but used as page columns)."""
    line = line_of("2024 00")
    pair = line_of("00")
    joined_pair = np.minimum(pair, np.roll(pair, -6, axis=1))[:, 20:]
    joined = np.concatenate([line[:, : line.shape[1] - pair.shape[1] + 20], joined_pair], axis=1)
    found = glyphs.segment(joined)
    assert found is not None and len(found) == 6
    for before, after in zip(found, found[1:], strict=False):
        assert before.left < before.right <= after.left + 2
    assert all(g.ink[:, g.left : g.right].any() for g in found)


def _pale_first_digit(text: str) -> np.ndarray:
    """``text`` drawn with its first digit pale (a thin pen, a phone's uneven light):
    lighter than the ink level, but for a spot where the pen pressed."""
    line = line_of(text).copy()
    first = glyphs.segment(line)[0]  # type: ignore[index]
    stroke = line[:, first.left : first.right] < glyphs.INK_LEVEL
    line[:, first.left : first.right][stroke] = 170
    rows, columns = np.nonzero(stroke)
    spot = np.argsort(rows)[-12:]  # the lowest stroke: the foot of a 2
    line[rows[spot], first.left + columns[spot]] = 60
    return line


def test_a_pale_digit_is_kept_as_a_glyph() -> None:
    """GIVEN "20260823" whose first 2 is pale, falling apart into specks at the ink level
    WHEN the line is segmented
    THEN it is still eight glyphs, the pale 2 first (not "0260823": no date)."""
    line = _pale_first_digit("20260823")
    assert len(glyphs.segment(line_of("20260823")) or []) == 8
    found = glyphs.segment(line)
    assert found is not None and len(found) == 8
    assert found[0].right < found[1].left


def test_dots_between_digits_are_punctuation_but_not_the_dots_of_i_and_j() -> None:
    """GIVEN "8.8.2026" and "2 juli 2026"
    WHEN the separators written between the glyphs are looked for
    THEN the two dots of the date are, the dots over the month's j and i are not (a
    gap there would split the month's name)."""
    for written, dots in (("8.8.2026", 2), ("2 juli 2026", 0)):
        line = line_of(written)
        found = glyphs.clusters(line)
        assert found is not None
        assert len(glyphs.punctuation(line, *found)) == dots
