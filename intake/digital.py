"""Reading a digitally filled PDF page: its widget values, no OCR, confidence 1.0.

What is written is known exactly, so every value has confidence 1.0; values that
break a rule (a wrong check digit, two ticks) still go to review through the rules.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from intake.forms import FORM_IDS, FieldType, form_layout, load_form
from intake.inputs import DigitalPage
from intake.mapping.interpret import interpret, split_ort_och_datum
from intake.ocr.model import FieldValue, TextRead, TickRead
from intake.ocr.ticks import choice_values

OFF_STATES = {None, "", "Off", "/Off"}


def classify_digital(page: DigitalPage) -> str:
    """The form whose widget names the page's widgets match best."""
    names = {w.name for w in page.widgets}

    def score(form_id: str) -> int:
        own = {w.name for w in form_layout(form_id).widgets}
        return len(names & own) - len(names - own)

    return max(FORM_IDS, key=score)


def read_digital(page: DigitalPage, form_id: str, *, today: date) -> dict[str, FieldValue]:
    values = {w.name: w.value for w in page.widgets}
    ticks = {
        w.name: _tick(values.get(w.name))
        for w in form_layout(form_id).widgets
        if w.kind == "checkbox"
    }
    read: dict[str, FieldValue] = dict(choice_values(form_id, ticks))
    for field in load_form(form_id).fields:
        if field.type.is_choice or field.name in read:
            continue
        text = (values.get(field.widget or field.name) or "").strip()
        if field.type is FieldType.SIGNATURE:
            read[field.name] = FieldValue(value=bool(text), confidence=1.0)
        elif field.widget == "ort_och_datum":
            ort, datum = split_ort_och_datum(_exact(text), today=today)
            read["ort"], read["datum"] = ort, datum
        elif field.type is FieldType.TEXT:
            # Typed into the PDF: exact, nothing to snap or correct.
            clean = " ".join(unicodedata.normalize("NFC", text).split())
            read[field.name] = FieldValue(value=clean or None, confidence=1.0)
        else:
            read[field.name] = interpret(field, _exact(text), today=today)
    return {name: _certain(value) for name, value in read.items()}


def _tick(value: str | None) -> TickRead:
    ticked = value not in OFF_STATES
    return TickRead(ink=1.0 if ticked else 0.0, state="ticked" if ticked else "empty",
                    confidence=1.0)


def _exact(text: str) -> TextRead:
    return TextRead(text=text, confidence=1.0, alternatives=[])


def _certain(value: FieldValue) -> FieldValue:
    return FieldValue(value=value.value, confidence=1.0, problem=value.problem)
