"""Where review begins: a field's own line, else its type's, else review_below."""

from __future__ import annotations

from intake.learned import ReviewLines
from intake.settings import REVIEW_BELOW


def test_a_field_with_a_line_of_its_own_takes_it_and_the_rest_their_types() -> None:
    """GIVEN lines for free text (0.58) and for names in it ("text:namn" 0.93)
    WHEN the line of the name, of another text field and of a date is asked
    THEN the name has its own, the ort its type's, the date review_below; an operator's
    review_below holds for every field."""
    lines = ReviewLines(lines={"text": 0.58, "text:namn": 0.93})
    assert lines.line("text", REVIEW_BELOW, "namn") == 0.93
    assert lines.line("text", REVIEW_BELOW, "ort") == 0.58
    assert lines.line("text", REVIEW_BELOW) == 0.58
    assert lines.line("date", REVIEW_BELOW, "startdatum") == REVIEW_BELOW
    assert lines.line("text", 0.7, "namn") == 0.7
