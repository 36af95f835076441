"""Step 4 of the pipeline: read every widget of an aligned form page.

Ticks and the signature by ink (``ticks``), text widgets with Tesseract (``text``),
the digits of personnummer, dates, percents and codes with the project's own digit
classifier as a second opinion (``opinion``). What is returned is what was seen
(:class:`~intake.reads.PageReads`); what it means is ``intake.mapping``.
"""

from __future__ import annotations

import numpy as np

from intake.forms import FORM_IDS, form_layout
from intake.forms.reading import ReadingTemplate, reading_template
from intake.learned import ReadingModels
from intake.ocr.tesseract import TextEngine, tesserocr_available
from intake.ocr.text import read_text_fields, widget_configs
from intake.ocr.ticks import has_signature_box, read_signature, read_ticks
from intake.reads import PageReads


def read_fields(
    aligned: np.ndarray, form: str | ReadingTemplate, *, engine: TextEngine,
    models: ReadingModels,
) -> PageReads:
    """Every widget of ``form`` read from the page ``aligned`` to its blank form, at
    the boxes of that template (a form id stands for its built-in layout)."""
    template = reading_template(form)
    signature = None
    if has_signature_box(template):
        signature = read_signature(aligned, template, models.ticks)
    return PageReads(
        form=template.form,
        ticks=read_ticks(aligned, template, models.ticks),
        texts=read_text_fields(aligned, template, engine=engine, digits=models.digits,
                               months=models.months),
        signature=signature,
        template=template.ref,
    )


def warm_up(templates: tuple[ReadingTemplate, ...] = ()) -> None:
    """Compute what reading needs from the form definitions (layouts, widget configs;
    the boxes of ``templates`` besides the built-in ones) and import tesserocr now
    rather than on the first page: a process that forks workers afterwards gives it to
    all of them. Tesseract's model is not loaded: each process loads its own."""
    for form_id in FORM_IDS:
        form_layout(form_id)
        widget_configs(form_id)
        has_signature_box(form_id)
    for template in templates:
        has_signature_box(template)
    tesserocr_available()  # imports tesserocr
    np.median(np.zeros(1))  # numpy imports numpy.ma on the first median
