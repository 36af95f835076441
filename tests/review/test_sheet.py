"""Re-checking a document after the store had its say: review chosen as reading chose it."""

from __future__ import annotations

from datetime import date

from intake.forms import FieldType, load_form
from intake.learned import ReviewLines
from intake.review.schema import Document
from intake.review.sheet import recheck
from intake.settings import REVIEW_BELOW


def test_a_recheck_keeps_the_review_line_of_each_field_type() -> None:
    """GIVEN a 9448 whose start date was read at 0.7 (above the date line of 0.6 the
    reading used, so not flagged) and whose percent was read at 0.7 (no line: flagged)
    WHEN the service checks it again after weighing it against the store
    THEN the date still stands without review and the percent is still flagged."""
    fields = load_form("9448").fields
    dated = next(f.name for f in fields if f.type is FieldType.DATE)
    percent = next(f.name for f in fields if f.type is FieldType.PERCENT)
    values = {f.name: {"value": None, "confidence": 1.0} for f in fields}
    values[dated] = {"value": "2026-03-14", "confidence": 0.7}
    values[percent] = {"value": 50, "confidence": 0.7}
    row = Document(form="9448", fields=values, problems={}, issues=[], needs_review=[])
    recheck(row, today=date(2026, 11, 20), review_below=REVIEW_BELOW,
            lines=ReviewLines(lines={"date": 0.6}))
    assert dated not in row.needs_review
    assert percent in row.needs_review
