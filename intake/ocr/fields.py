"""Step 5 of the pipeline: read every field of an aligned form page.

Ticks and the signature by ink (``ticks``), text widgets with Tesseract (``text``),
then each text read turned into a typed value with what is known about it
(``intake.mapping.interpret``).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from intake.forms import FieldType, load_form
from intake.mapping.interpret import interpret, split_ort_och_datum
from intake.ocr.model import FieldValue
from intake.ocr.tesseract import TextEngine
from intake.ocr.text import read_text_fields
from intake.ocr.ticks import choice_values, read_signature, read_ticks


def read_fields(
    aligned: np.ndarray, form_id: str, *, engine: TextEngine | None, today: date
) -> dict[str, FieldValue]:
    """Every field of ``form_id`` read from the page ``aligned`` to its blank form."""
    values: dict[str, FieldValue] = dict(choice_values(form_id, read_ticks(aligned, form_id)))
    texts = read_text_fields(aligned, form_id, engine=engine)
    for field in load_form(form_id).fields:
        if field.type.is_choice or field.name in values:
            continue
        if field.type is FieldType.SIGNATURE:
            values[field.name] = read_signature(aligned, form_id)
        elif field.widget == "ort_och_datum":
            values["ort"], values["datum"] = split_ort_och_datum(texts[field.widget], today=today)
        else:
            values[field.name] = interpret(field, texts[field.widget or field.name], today=today)
    return values
