"""A read document's fields as what the store knows edits them.

Three edits, each leaving a trace the reviewer sees: a value *confirmed* by the store
or by a second reading (its confidence raised, the reading's doubt dropped); a value
*pre-filled* for a person to confirm (flagged, with what was read and the evidence);
a value *flagged* with the evidence against it. :func:`recheck` then checks the
rules again and chooses the fields to review exactly as reading chose them
(:func:`intake.mapping.document.build_document`): low confidence, a problem, or a
broken rule.
"""

from __future__ import annotations

from datetime import date

from intake.errors import ParseError
from intake.forms import load_form
from intake.learned.review import ReviewLines, shipped_review_lines
from intake.review.schema import Document
from intake.sus.records import record_from_contract
from intake.sus.rules import check

#: The confidence of a value the store or a second reading agrees with.
AGREED = 0.97
#: The confidence shown for a value pre-filled from the store or the batch: a person
#: confirms it.
SUGGESTED = 0.6
#: At most this many names are offered for a förbund or insats not found in SUS.
MAX_OFFERED = 5
#: A name read less sure than this is mostly misread letters (calibration batches,
#: hand-calib300 seeds 31/41/77: 'Dejan' for 'Dragan' at 0.0, 'Signe ASWEMm' for
#: 'Signe Åström' at 0.11): no evidence against what the store or another form says.
HARDLY_READ = 0.25


def value_of(row: Document, name: str) -> object:
    return (row.fields or {}).get(name, {}).get("value")


def text_of(row: Document, name: str) -> str | None:
    value = value_of(row, name)
    return value.strip() or None if isinstance(value, str) else None


def confidence_of(row: Document, name: str) -> float:
    confidence = (row.fields or {}).get(name, {}).get("confidence", 0.0)
    return float(confidence) if isinstance(confidence, int | float) else 0.0


def well_read(row: Document, name: str, *, review_below: float) -> bool:
    """Read sure enough to stand without review, before the store had its say."""
    return confidence_of(row, name) >= review_below and name not in row.problems


def hardly_read(row: Document, name: str) -> bool:
    """Read too badly to speak against other evidence (:data:`HARDLY_READ`)."""
    return confidence_of(row, name) < HARDLY_READ


def confirm(row: Document, name: str, value: object, *, source: str) -> None:
    """``value`` agrees with what was read (spelled as ``source`` spells it)."""
    _edit(row, name, value, max(confidence_of(row, name), AGREED), source)
    row.problems = {n: p for n, p in row.problems.items() if n != name}


def prefill(row: Document, name: str, value: object, evidence: str, *, source: str) -> None:
    """``value`` offered in place of what was read; flagged with ``evidence``."""
    _edit(row, name, value, SUGGESTED, source)
    row.problems = {**row.problems, name: evidence}


def flag(row: Document, name: str, evidence: str) -> None:
    """The value stays; ``evidence`` says why a person should look at it."""
    earlier = row.problems.get(name)
    text = evidence if earlier in (None, evidence) else f"{earlier} {evidence}"
    row.problems = {**row.problems, name: text}


def offer(row: Document, name: str, candidates: list[str]) -> None:
    """The names a person may pick for ``name`` with one key, best first (kept with the
    field; a correction drops them)."""
    fields = dict(row.fields or {})
    field = dict(fields.get(name, {}))
    if candidates:
        field["candidates"] = candidates[:MAX_OFFERED]
    else:
        field.pop("candidates", None)
    fields[name] = field
    row.fields = fields


def _edit(row: Document, name: str, value: object, confidence: float, source: str) -> None:
    fields = dict(row.fields or {})
    field = dict(fields.get(name, {}))
    read = field.get("read_as", field.get("value"))
    field.update(value=value, confidence=confidence, source=source)
    if read != value:
        field["read_as"] = read
    else:
        field.pop("read_as", None)
    fields[name] = field
    row.fields = fields


def recheck(row: Document, *, today: date, review_below: float,
            lines: ReviewLines | None = None) -> None:
    """The rules checked on the edited values; the fields to review chosen anew, each
    below the review line of its type (``lines``, default the shipped ones; a type
    without one: ``review_below``), as reading chose them."""
    lines = shipped_review_lines() if lines is None else lines
    fields = row.fields or {}
    try:
        record = record_from_contract(row.form, {n: f.get("value") for n, f in fields.items()})
    except ParseError:
        pass  # unreadable as a record: reading said so already; its issues stand
    else:
        row.issues = [issue.model_dump(mode="json") for issue in check(record, today=today)]
    errors = {str(f) for issue in row.issues if issue.get("severity") == "error"
              for f in _fields_of(issue)}
    below = {f.name: lines.line(f.type.value, review_below, f.name)
             for f in load_form(row.form).fields}
    row.needs_review = [n for n in below if n in fields and (
        confidence_of(row, n) < below[n] or n in row.problems or n in errors)]


def _fields_of(issue: dict[str, object]) -> list[object]:
    fields = issue.get("fields")
    return list(fields) if isinstance(fields, list | tuple) else []
