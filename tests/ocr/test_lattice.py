"""Every plausible cut of a line of hand-printed digits (``intake.ocr.lattice``)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from intake.learned.digits import CLASSES, OTHER
from intake.ocr import glyphs
from intake.ocr.glyphs import Cluster, Glyph
from intake.ocr.lattice import _beam, _Option, cut_line, date_tail
from intake.ocr.text import DATE_CUT_COUNTS, MONTH_CUT_COUNTS
from intake.reads import Cut
from intake.samples.ink import font_path
from tests.ocr.lines import MODEL, line_of, zero_in_two_strokes


def _digits(cut: Cut) -> str:
    """The likeliest class of each glyph of a cut, a space where it marks a gap."""
    return "".join(
        (" " if gap else "") + CLASSES[int(np.argmax(glyph))]
        for glyph, gap in zip(cut.glyphs, cut.gaps, strict=True)
    )


def _touching(text: str, index: int) -> np.ndarray:
    """``text`` drawn with the digits at ``index`` and ``index + 1`` joined by a stroke
    along the baseline (two digits written without lifting the pen)."""
    line = line_of(text).copy()
    marks = glyphs.segment(line)
    assert marks is not None
    left, right = marks[index], marks[index + 1]
    line[44:48, left.right - 3 : right.left + 3] = 0
    return line


def test_a_clean_line_is_cut_into_its_digits_likeliest_first() -> None:
    """GIVEN twelve well separated digits
    WHEN the line is cut for a field of 10 or 12 digits
    THEN the likeliest cut has twelve glyphs read as written, and cuts come likeliest
    first."""
    cuts = cut_line(line_of("198203182384"), MODEL, lengths=(10, 12), slashes=False)
    assert cuts and len(cuts[0].glyphs) == 12
    assert _digits(cuts[0]) == "198203182384"
    weights = [cut.log_weight for cut in cuts]
    assert weights == sorted(weights, reverse=True)


def test_two_touching_digits_are_cut_apart() -> None:
    """GIVEN a personnummer whose third and fourth digits touch
    WHEN the line is cut
    THEN a cut of twelve glyphs reads the number written."""
    cuts = cut_line(_touching("198203182384", 2), MODEL, lengths=(10, 12), slashes=False)
    assert "198203182384" in {_digits(cut) for cut in cuts}


def test_a_digit_broken_in_two_is_read_as_one() -> None:
    """GIVEN a personnummer with a zero written as two strokes
    WHEN the line is cut
    THEN a cut of twelve glyphs reads the number written."""
    cuts = cut_line(zero_in_two_strokes("198203082384"), MODEL, lengths=(10, 12),
                    slashes=False)
    assert "198203082384" in {_digits(cut).replace(" ", "") for cut in cuts}


def test_gaps_between_groups_are_marked() -> None:
    """GIVEN a date written in three groups
    WHEN the line is cut
    THEN the likeliest cut marks a gap before the month and before the day."""
    cuts = cut_line(line_of("2026  03  14"), MODEL, lengths=(6, 8), slashes=True)
    assert cuts and _digits(cuts[0]) == "2026 03 14"


def test_a_slash_counts_no_digit_where_the_field_writes_slashes() -> None:
    """GIVEN a date written "14/3 2026"
    WHEN the line is cut for a date (slashes written)
    THEN a cut of seven digits and a slash reads it."""
    cuts = cut_line(line_of("14/3 2026"), MODEL, lengths=(5, 6, 7, 8), slashes=True)
    assert "14/3 2026" in {_digits(cut) for cut in cuts}


def test_an_empty_line_has_no_cut() -> None:
    """GIVEN a blank line
    WHEN it is cut
    THEN there is no cut (and no guess)."""
    blank = np.full((64, 300), 255, np.uint8)
    assert cut_line(blank, MODEL, lengths=(10, 12), slashes=False) == []


@pytest.mark.parametrize(
    ("written", "date"),
    [("Stockholm 14/3 2026", "14/3 2026"), ("Göteborg 2026-03-14", "2026 03 14"),
     ("Malmö 20260314", "20260314")],
)
def test_a_date_after_words_is_found_and_cut(written: str, date: str) -> None:
    """GIVEN "Ort och datum" written as a place and a date (the place may end in a
    letter that looks like a digit)
    WHEN the line's date part is found and cut as a date
    THEN the likeliest cut reads the date written."""
    tail = date_tail(line_of(written), MODEL)
    assert tail is not None
    cuts = cut_line(tail, MODEL, lengths=DATE_CUT_COUNTS, slashes=True)
    assert cuts and _digits(cuts[0]) == date


def test_a_year_with_one_glyph_like_a_letter_is_still_the_date_part() -> None:
    """GIVEN "Kiruna 14/3 2026" whose year has one glyph the classifier takes for a
    letter (drawn here as an "a": a blotted or badly cut digit)
    WHEN the line's date part is found
    THEN it holds the day, the month and the year, not the place."""
    line = line_of("Kiruna 14/3 20a6")
    tail = date_tail(line, MODEL)
    assert tail is not None
    assert tail.shape[1] > line.shape[1] - line_of("Kiruna ").shape[1] - 40
    assert tail.shape[1] < line.shape[1] - line_of("Kiru").shape[1]


def test_words_without_a_date_have_no_date_part() -> None:
    """GIVEN a place written without a date
    WHEN the line's date part is looked for
    THEN there is none."""
    assert date_tail(line_of("Stockholm"), MODEL) is None


def test_a_date_with_its_month_named_keeps_the_day_before_the_word() -> None:
    """GIVEN "Trollhättan 3 mars 2024" and an engine that read a month's name
    WHEN the line's date part is found
    THEN it begins at the day, not at the year after the month's name."""
    line = line_of("Trollhättan 3 mars 2024")
    without = date_tail(line, MODEL)
    named = date_tail(line, MODEL, month_named=True)
    assert without is not None and named is not None
    cuts = cut_line(named, MODEL, lengths=MONTH_CUT_COUNTS, slashes=True)
    assert cuts and _digits(cuts[0]).startswith("3 ") and _digits(cuts[0]).endswith(" 2024")
    assert named.shape[1] > without.shape[1]


def _row(**probabilities: float) -> list[float]:
    row = [0.0] * len(CLASSES)
    for name, p in probabilities.items():
        row[CLASSES.index({"slash": "/", "letter": "x"}.get(name, name[-1]))] = p
    return row


def test_a_narrow_one_beside_a_digit_is_not_merged_into_it() -> None:
    """GIVEN the "19" of a date, its 1 a bare stroke the classifier finds a little more
    like a slash, and the union of the two strokes fairly like a 9 (as real 1s are)
    WHEN the clusters are cut
    THEN the likeliest cut keeps the stroke and the 9 apart (the stroke then reads 1)."""
    one = _Option(0, 1, (Glyph(0, 4, np.ones((4, 4), bool)),),
                  np.array([_row(d1=0.41, slash=0.59)]))
    nine = _Option(1, 1, (Glyph(8, 20, np.ones((4, 12), bool)),), np.array([_row(d9=1.0)]))
    merged = _Option(0, 2, (Glyph(0, 20, np.ones((4, 20), bool)),),
                     np.array([_row(d9=0.86, letter=0.14)]))
    parts = [Cluster(0, 4, np.ones((4, 4), bool)), Cluster(8, 20, np.ones((4, 12), bool))]
    ends = _beam(parts, {0: [one, merged], 1: [nine]}, slashes=True, most=8)
    best = max(ends, key=lambda partial: partial.score)
    assert [option.span for option in best.options] == [1, 1]


def _drawn_width(text: str) -> int:
    """How far ``text`` reaches into a line that begins with it (:func:`line_of` pads
    both sides by 20 px)."""
    return line_of(text).shape[1] - 20


def test_a_month_name_run_into_the_year_still_gives_the_date_part() -> None:
    """GIVEN "Habo, 24 december2024" written with no gap between the month's name and
    the year, and an engine that read a month's name
    WHEN the line's date part is found and cut
    THEN it holds the day, the month's letters and the year, not the place."""
    line = line_of("Habo, 24 december2024")
    tail = date_tail(line, MODEL, month_named=True)
    assert tail is not None
    assert tail.shape[1] < line.shape[1] - _drawn_width("Habo,")
    cuts = cut_line(tail, MODEL, lengths=MONTH_CUT_COUNTS, slashes=True)
    assert cuts and _digits(cuts[0]).startswith("24 ") and _digits(cuts[0]).endswith("2024")


def test_the_date_part_after_a_month_s_name_ends_at_the_day() -> None:
    """GIVEN "Sjöbo 24 december 2024", whose place the classifier sees as five digits
    WHEN the line's date part is found with the month named
    THEN it begins at the day: what stands before the day is the ort's."""
    line = line_of("Sjöbo 24 december 2024")
    tail = date_tail(line, MODEL, month_named=True)
    assert tail is not None
    assert tail.shape[1] < line.shape[1] - _drawn_width("Sjöbo")


def test_a_day_written_with_a_gap_in_it_is_the_date_part_s() -> None:
    """GIVEN "Sjöbo 1 4 december 2024": a 14 written with a gap inside it
    WHEN the line's date part is found with the month named
    THEN it begins at the 1."""
    line = line_of("Sjöbo 1 4 december 2024")
    tail = date_tail(line, MODEL, month_named=True)
    assert tail is not None
    assert tail.shape[1] > line.shape[1] - _drawn_width("Sjöbo 1")


class _DashesAsLetters:
    """The shipped model, but a glyph as flat as a dash is a letter to it: what it makes
    of a dash cut off a digit on a real hand (a dash is no class of its own)."""

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        found = MODEL.probabilities(images)
        for row, image in zip(found, images, strict=True):
            inked = np.flatnonzero((np.asarray(image) > 0.3).any(axis=1))
            if inked.size and inked[-1] - inked[0] < 8:
                row[:] = 0.0
                row[CLASSES.index(OTHER)] = 1.0
        return found


def _dashes_into_digits(text: str) -> np.ndarray:
    """``text`` drawn as :func:`line_of` draws it, each "-" a short bar run into the
    digit after it (a dash written without lifting the pen)."""
    font = ImageFont.truetype(str(font_path("ComicNeue-Regular.otf")), 40)
    image = Image.new("L", (int(font.getlength(text)) + 40, 64), 255)
    draw = ImageDraw.Draw(image)
    draw.text((20, 48), text.replace("-", " "), font=font, fill=0, anchor="ls")
    for i, char in enumerate(text):
        if char == "-":
            end = 20 + font.getlength(text[: i + 1])
            draw.rectangle((end - 9, 32, end + 4, 35), fill=0)
    return np.asarray(image)


def test_a_date_after_words_whose_dashes_touch_its_digits_is_found() -> None:
    """GIVEN "Arboga 2025-04-18" with each dash run into the digit after it, cut by
    width into a dash the classifier takes for a letter and a digit
    WHEN the line's date part is found and cut as a date
    THEN it holds the whole date, read as written, not the day alone (no date)."""
    line, model = _dashes_into_digits("Arboga 2025 -04 18"), _DashesAsLetters()
    tail = date_tail(line, model)  # type: ignore[arg-type]
    assert tail is not None
    assert tail.shape[1] > line.shape[1] - line_of("Arboga ").shape[1] - 40
    cuts = cut_line(tail, model, lengths=DATE_CUT_COUNTS, slashes=True)  # type: ignore[arg-type]
    assert cuts and _digits(cuts[0]) == "2025 04 18"



@pytest.mark.parametrize(("written", "cut"), [("8.8.2026", "8 8 2026"), ("14.3.26", "14 3 26"),
                                              ("2026.08.08", "2026 08 08")])
def test_a_date_written_with_dots_is_cut_with_a_gap_at_each_dot(written: str, cut: str) -> None:
    """GIVEN a date written with dots between its numbers, close to the digits
    WHEN the line is cut as a date
    THEN the likeliest cut has a gap where each dot stands (not "882026", no date)."""
    cuts = cut_line(line_of(written), MODEL, lengths=DATE_CUT_COUNTS, slashes=True)
    assert cuts and _digits(cuts[0]) == cut
