"""Free text kept as read, cleaned, and doubted where it should be."""

from __future__ import annotations

import unicodedata

from intake.mapping.text import interpret_text
from intake.settings import REVIEW_BELOW
from tests.mapping.reads import CONTEXT, read_of


def test_name_keeps_what_was_read_in_nfc_with_collapsed_white_space() -> None:
    """GIVEN a decomposed "Ö", extra spaces and a box-line remnant
    WHEN a name is interpreted
    THEN it is NFC, single-spaced, trimmed, with the engine's confidence."""
    decomposed = unicodedata.normalize("NFD", "  Åsa   Öberg |")
    value = interpret_text("namn", read_of(decomposed, confidence=0.93), CONTEXT)
    assert value.value == "Åsa Öberg" and value.confidence == 0.93


def test_empty_text_box_is_none_with_high_confidence() -> None:
    """GIVEN an empty box that the reader is sure of
    WHEN it is interpreted
    THEN the value is None with high confidence."""
    value = interpret_text("stadsdel", read_of(" ", confidence=0.99), CONTEXT)
    assert (value.value, value.problem) == (None, None) and value.confidence >= REVIEW_BELOW


def test_digit_inside_a_name_is_fixed_for_review() -> None:
    """GIVEN "J0hansson" (a 0 for o)
    WHEN a name is interpreted
    THEN it is "Johansson" with a lowered confidence."""
    value = interpret_text("namn", read_of("J0hansson"), CONTEXT)
    assert value.value == "Johansson" and value.confidence < REVIEW_BELOW
