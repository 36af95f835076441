"""Step 5 of the pipeline: what a reader saw on a form page → every field's value
typed as SPEC §2 says, with a confidence that tells the truth.

:func:`interpret_page` is the whole step, for a scanned page and a digitally filled
one alike; :func:`interpret` turns one text widget's read into its field's value by
the field's type. What is known is used *while* decoding, not only afterwards — the
modules beside this one each own one kind of value:

- ``personnummer``: exact constrained decoding under Luhn, a real date and a
  plausible age;
- ``numbers``: dates, percents and codes, voted over the k most probable strings;
- ``places``: kommun snapped to the 290 kommuner; FK 9443's "Ort och datum" split;
- ``text``: names and organisations, word lists and learned doubt signals;
- ``choices``: ticked boxes and the signature;
- ``base``: what they share (characters as distributions, k-best strings, votes).
"""

from __future__ import annotations

import unicodedata

from intake.forms import FieldType, load_form
from intake.forms.model import FieldDef
from intake.mapping.base import Context, FieldValue
from intake.mapping.choices import choice_values, digital_signature_value, signature_value
from intake.mapping.numbers import interpret_code, interpret_date, interpret_percent
from intake.mapping.personnummer import interpret_personnummer
from intake.mapping.places import ORT_OCH_DATUM, kommuner, split_ort_och_datum
from intake.mapping.text import interpret_text
from intake.reads import PageReads, TextRead


def interpret_page(reads: PageReads, context: Context) -> dict[str, FieldValue]:
    """Every field of the form ``reads`` were read from, typed. A digital form's values
    (``reads.exact``) are what was typed: free text is kept as typed (nothing to snap
    or correct) and every value has confidence 1.0; values that break a rule (a wrong
    check digit, two ticks) still go to review through the rules."""
    values: dict[str, FieldValue] = dict(choice_values(reads.form, reads.ticks))
    for field in load_form(reads.form).fields:
        if field.type.is_choice or field.name in values:
            continue
        if field.type is FieldType.SIGNATURE:
            assert reads.signature is not None, f"FK{reads.form} read without its signature"
            typed = reads.texts.get(field.widget or field.name)
            values[field.name] = (
                digital_signature_value(reads.signature, typed.text if typed else "")
                if reads.exact else signature_value(reads.signature))
        elif field.widget == ORT_OCH_DATUM:
            values["ort"], values["datum"] = split_ort_och_datum(reads.texts[field.widget],
                                                                 context)
        elif reads.exact and field.type is FieldType.TEXT:
            values[field.name] = _as_typed(reads.texts[field.widget or field.name])
        else:
            values[field.name] = interpret(field, reads.texts[field.widget or field.name],
                                           context)
    if reads.exact:
        return {name: _certain(value) for name, value in values.items()}
    return values


def interpret(field: FieldDef, read: TextRead, context: Context) -> FieldValue:
    """The typed value of ``field`` from what the engine read in its widget, flagged
    below the review line of its type."""
    context = context.for_type(field.type.value, field.name)
    if field.widget == ORT_OCH_DATUM:
        ort, datum = split_ort_och_datum(read, context)
        return datum if field.type is FieldType.DATE else ort
    if field.type is FieldType.PERSONNUMMER:
        return interpret_personnummer(read, context)
    if field.type is FieldType.DATE:
        return interpret_date(read, context)
    if field.type is FieldType.PERCENT:
        return interpret_percent(read, context)
    if field.type is FieldType.CODE:
        return interpret_code(read, context)
    if field.type is FieldType.TEXT:
        return interpret_text(field.name, read, context, lexicon=field.lexicon)
    raise ValueError(f"{field.type} is not read from text")


def warm_up() -> None:
    """Load the word lists now (a process that forks workers afterwards shares them)."""
    kommuner()


def _as_typed(read: TextRead) -> FieldValue:
    """Typed into the PDF: exact, nothing to snap or correct."""
    clean = " ".join(unicodedata.normalize("NFC", read.text).split())
    return FieldValue(value=clean or None, confidence=1.0)


def _certain(value: FieldValue) -> FieldValue:
    return FieldValue(value=value.value, confidence=1.0, problem=value.problem)
