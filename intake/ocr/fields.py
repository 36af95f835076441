"""Step 5 of the pipeline: read every field of an aligned form page.

Ticks and the signature by ink (``ticks``), text widgets with Tesseract (``text``),
then each text read turned into a typed value with what is known about it
(``intake.mapping.interpret``).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from intake.forms import FORM_IDS, FieldType, form_layout, load_form
from intake.mapping.interpret import interpret, kommuner, split_ort_och_datum
from intake.ocr.digits import load_model
from intake.ocr.model import FieldValue
from intake.ocr.tesseract import TextEngine, tesserocr_available
from intake.ocr.text import read_text_fields, widget_configs
from intake.ocr.ticks import choice_values, load_thresholds, read_signature, read_ticks


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


def load_reading_data() -> None:
    """Load what reading needs (form definitions, tick thresholds, digit model, the
    kommun list, the modules imported on first use) now rather than on the first
    page: a process that forks workers afterwards gives it to all of them. Tesseract's
    model is not loaded: each process loads its own."""
    for form_id in FORM_IDS:
        form_layout(form_id)
        widget_configs(form_id)
    load_thresholds()
    load_model()
    kommuner()
    tesserocr_available()  # imports tesserocr
    np.median(np.zeros(1))  # numpy imports numpy.ma on the first median
