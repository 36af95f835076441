"""Telling two versions of a form apart by the footer printed on the page
(intake.ocr.footer): which part of the footers is read, and which footer a read names."""

from __future__ import annotations

from intake.forms.reading import builtin_reading
from intake.ocr.footer import differing_words, nearest_footer, printed_footer
from intake.samples.revised import revised_footer

OLD = "FK 9448 (002.F.001) Fastställt av Försäkringskassan"
NEW = "FK 9448 (003.F.001) Fastställt av Försäkringskassan"


def _spans(*texts: str) -> list[str]:
    return [text[start:end] for text, (start, end) in differing_words(list(texts)).items()]


def test_only_the_words_where_the_footers_differ_are_read_with_a_word_either_side() -> None:
    """GIVEN two footers differing in the version WHEN the part to read is chosen THEN it
    is the version with one word before and after, not the whole line."""
    assert _spans(OLD, NEW) == ["9448 (002.F.001) Fastställt", "9448 (003.F.001) Fastställt"]


def test_a_footer_that_only_adds_words_at_its_end_is_read_to_its_end() -> None:
    """GIVEN a new version that adds a date after the footer WHEN the part to read is
    chosen THEN it reaches the end of the longer footer."""
    longer = f"{OLD} 2027-01"
    assert _spans(OLD, longer) == ["av Försäkringskassan", "av Försäkringskassan 2027-01"]


def test_a_read_names_the_footer_it_is_nearest_to_despite_print_confusions() -> None:
    """GIVEN Tesseract's read of a faxed footer with O for 0 and a lost dot WHEN matched
    THEN it names the footer it was printed with."""
    footers = {"old": "9448 (002.F.001) Fastställt", "new": "9448 (003.F.001) Fastställt"}
    assert nearest_footer("9448 (OO3 F.0O1) Fastställt", footers) == "new"
    assert nearest_footer("9448 (002.F 001) Fastställt", footers) == "old"


def test_a_read_as_near_to_both_footers_or_to_neither_names_none() -> None:
    """GIVEN reads that lost the differing digit, or that are no footer at all WHEN
    matched THEN no footer is named (the choice falls back to fit)."""
    footers = {"old": "9448 (002.F.001) Fastställt", "new": "9448 (003.F.001) Fastställt"}
    assert nearest_footer("9448 (00.F.001) Fastställt", footers) is None
    assert nearest_footer("Underskrift", footers) is None
    assert nearest_footer("", footers) is None


def test_the_builtin_templates_footer_is_its_printed_version_line() -> None:
    """GIVEN the built-in FK 9448 WHEN its footer is looked for THEN it is the line
    naming its version, at the bottom of the page."""
    footer = printed_footer(builtin_reading("9448"))
    assert footer is not None
    assert footer.text == OLD
    assert footer.y > 280
    assert revised_footer("9448") == NEW
