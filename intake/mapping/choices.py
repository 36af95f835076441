"""Ticked boxes → the values of single, multi and yesno fields; the signature box →
whether the consent is signed. The boxes were read by ``intake.ocr.ticks`` (or are a
digital form's checkbox states)."""

from __future__ import annotations

from functools import cache

from intake.forms import FieldType, Widget, form_layout, load_form
from intake.mapping.base import FieldValue
from intake.reads import TickRead

TWO_TICKS = "Två rutor ikryssade"
UNCLEAR = "Osäker markering"
UNCLEAR_SIGNATURE = "Osäker underskrift"
DIGITAL_SIGNATURE = "Digital signatur, inte kontrollerad: Diariet kontrollerar den"
TYPED_SIGNATURE = "Ett skrivet namn är ingen underskrift: samtycket räknas som osignerat"


def choice_values(form_id: str, ticks: dict[str, TickRead]) -> dict[str, FieldValue]:
    """The contract value of every single, multi and yesno field from its boxes' reads."""
    values: dict[str, FieldValue] = {}
    for field in load_form(form_id).fields:
        if field.type.is_choice:
            boxes = {w.option or "": ticks[w.name] for w in _field_boxes(form_id, field.name)}
            values[field.name] = _choice_value(field.type, boxes)
    return values


def signature_value(read: TickRead) -> FieldValue:
    """Signed or not, from the ink in the signature box. An unclear box is flagged with
    the better guess as its value: signed when its ink leans that way (a short
    signature, a surname of four letters, inks less than the signatures the band was
    learned from), so the reviewer confirms it rather than corrects it."""
    unclear = read.state == "unclear"
    signed = read.state == "ticked" or (unclear and read.leans_ticked)
    return FieldValue(value=signed, confidence=read.confidence,
                      problem=UNCLEAR_SIGNATURE if unclear else None)


def digital_signature_value(read: TickRead, typed: str) -> FieldValue:
    """A digital form's signature: a PDF signature is signed but always goes to a person
    (Diariet) to check; a name typed into the box leaves the consent unsigned."""
    if read.state == "ticked":
        return FieldValue(value=True, confidence=1.0, problem=DIGITAL_SIGNATURE)
    return FieldValue(value=False, confidence=1.0,
                      problem=TYPED_SIGNATURE if typed.strip() else None)


@cache
def _field_boxes(form_id: str, field: str) -> tuple[Widget, ...]:
    return tuple(
        w for w in form_layout(form_id).widgets if w.kind == "checkbox" and w.field == field
    )


def _choice_value(kind: FieldType, boxes: dict[str, TickRead]) -> FieldValue:
    """single: the one code or None; multi: sorted codes; yesno: True/False/None."""
    ticked = sorted(code for code, read in boxes.items() if read.state == "ticked")
    confidence = min((read.confidence for read in boxes.values()), default=0.0)
    unclear = any(read.state == "unclear" for read in boxes.values())
    if kind == FieldType.MULTI:
        return FieldValue(value=ticked, confidence=confidence, problem=UNCLEAR if unclear else None)
    value: str | bool | None = ticked[0] if len(ticked) == 1 else None
    if kind == FieldType.YESNO and value is not None:
        value = value == "ja"
    return FieldValue(value=value, confidence=confidence, problem=_choice_problem(ticked, unclear))


def _choice_problem(ticked: list[str], unclear: bool) -> str | None:
    if len(ticked) > 1:
        return TWO_TICKS
    # No tick at all is not a reading problem: the rules decide whether the field
    # was required (arbete_typ is empty when the person does not work).
    return UNCLEAR if unclear else None
