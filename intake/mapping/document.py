"""Step 6 of the pipeline: typed field values → the document of CONTRACT §2.

Every field of the form gets a value and a confidence; ``needs_review`` lists the
fields a person must look at: low confidence, a reading problem, or a broken
SPEC §3 rule (severity error).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from intake.errors import ParseError
from intake.forms import load_form
from intake.forms.template import TemplateRef
from intake.learned import ReviewLines
from intake.mapping.base import FieldValue
from intake.reads import PageReads
from intake.sus.records import record_from_contract
from intake.sus.rules import RuleIssue, check


class ExtractedField(BaseModel):
    value: Any
    confidence: float


class Document(BaseModel):
    """One document found in an input (CONTRACT §2); extra keys extend, never rename."""

    source: str
    pages: list[int]
    form: str
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    needs_review: list[str] = Field(default_factory=list)
    issues: list[RuleIssue] = Field(default_factory=list)
    problems: dict[str, str] = Field(default_factory=dict)
    #: the template (layout and version) a scanned form was read with
    template: TemplateRef | None = None
    #: the reads of each page, for a form whose template has several pages: what
    #: joining a later page to this document reads again (never in the output)
    parts: list[PageReads] = Field(default_factory=list, exclude=True)

    def contract(self) -> dict[str, Any]:
        """The JSON object of CONTRACT §2 (with ``issues``/``problems`` and, for a scanned
        form, ``template`` as extensions)."""
        return self.model_dump(mode="json", exclude_none=False,
                               exclude={"template"} if self.template is None else None)


def empty_document(source: str, page: int, kind: str) -> Document:
    return Document(source=source, pages=[page], form=kind)


def build_document(
    source: str, page: int | list[int], form_id: str, values: dict[str, FieldValue], *,
    today: date, review_below: float, lines: ReviewLines | None = None,
) -> Document:
    """The document for a read form page, with rules checked and review fields chosen:
    below the field's review line (``lines``: its own, else its type's; else
    ``review_below``)."""
    form = load_form(form_id).fields
    names = [f.name for f in form]
    below = {f.name: (lines or ReviewLines()).line(f.type.value, review_below, f.name)
             for f in form}
    fields = {n: ExtractedField(value=values[n].value, confidence=values[n].confidence)
              for n in names}
    problems = {n: p for n in names if (p := values[n].problem)}
    issues = _rule_issues(form_id, fields, today)
    review = {n for n in names if values[n].confidence < below[n] or n in problems}
    review |= {f for issue in issues if issue.severity == "error" for f in issue.fields}
    return Document(
        source=source, pages=page if isinstance(page, list) else [page], form=form_id,
        fields=fields,
        needs_review=[n for n in names if n in review], issues=issues, problems=problems,
    )


def _rule_issues(form_id: str, fields: dict[str, ExtractedField], today: date) -> list[RuleIssue]:
    try:
        record = record_from_contract(form_id, {n: f.value for n, f in fields.items()})
    except ParseError as exc:
        return [RuleIssue(rule="R0", code="unreadable", fields=tuple(fields), message=str(exc))]
    return check(record, today=today)
