"""Learning from reviewers: when a form is approved, the glyphs of each digit field a
person looked at — flagged and confirmed, or corrected — are kept with their labels
as training data for this installation (``intake.learned.corrections``), unless
``Settings.learn_from_corrections`` is off.

Only single glyph images and their classes are kept: no document, field, page or
position, shuffled within their shard, so they identify no one. A field gives its
glyphs only when its line (cut from the page image the reviewer saw, which is the
page aligned to its blank form) segments into exactly as many glyphs as a way of
writing the approved value has characters; where several ways fit (dates: 20260314
or 14032026), the digit classifier must clearly prefer one. Keeping glyphs never
makes an approval fail: an error is logged (without personal data) and ignored, and
they are written only once the approval is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from functools import partial
from itertools import product
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session

from intake.forms import FieldDef, FieldType, form_layout, load_form
from intake.learned.corrections import add_glyphs
from intake.learned.digits import CLASSES, SLASH, DigitModel
from intake.ocr.digits import classify
from intake.ocr.glyphs import images_of, segment
from intake.ocr.text import prepare_line
from intake.review.schema import Document
from intake.review.state import ServiceState

log = logging.getLogger(__name__)

DIGIT_FIELDS = (FieldType.PERSONNUMMER, FieldType.DATE, FieldType.PERCENT, FieldType.CODE)
#: Of several ways of writing a value that fit the glyph count, the classifier must
#: find the likeliest this many nats likelier than the next (about 150 times).
MARGIN_NATS = 5.0

Labelled = tuple[np.ndarray, np.ndarray]
"""Glyph images (N × 28 × 28 uint8) and their class indices in ``CLASSES``."""


def keep_reviewed_glyphs(session: Session, state: ServiceState, document: Document) -> None:
    """Once ``session`` commits, keep the labelled glyphs of ``document``'s reviewed
    digit fields (nothing when the Setting is off). Never raises."""
    settings = state.settings
    if not settings.learn_from_corrections or document.image is None:
        return
    try:
        page = _page(state.files.page_path(document.image))
        images, labels = reviewed_glyphs(document, page, state.reader.models.digits)
    except Exception as exc:  # learning is a by-product: approval goes on regardless
        log.warning("glyphs of an approved document not kept: %s", type(exc).__name__)
        return
    if len(labels):
        save = partial(_save, settings.corrections_dir(), images, labels,
                       settings.current_day())
        event.listen(session, "after_commit", save, once=True)


def _save(directory: Path, images: np.ndarray, labels: np.ndarray, today: date,
          _session: Session) -> None:
    try:
        add_glyphs(directory, images, labels, today=today)
    except Exception as exc:  # the approval is committed; only the training data is lost
        log.warning("%d reviewed glyphs not kept: %s", len(labels), type(exc).__name__)
    else:
        log.info("kept %d reviewed glyphs", len(labels))


def _page(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def reviewed_glyphs(document: Document, page: np.ndarray, model: DigitModel | None) -> Labelled:
    """The labelled glyphs of the digit fields of ``document`` a reviewer confirmed or
    corrected, cut from its aligned ``page``."""
    parts = [labelled for field in _reviewed_fields(document)
             if (labelled := field_glyphs(page, document.form, field,
                                          (document.fields or {})[field.name]["value"],
                                          model)) is not None]
    if not parts:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return (np.concatenate([images for images, _ in parts]),
            np.concatenate([labels for _, labels in parts]))


def _reviewed_fields(document: Document) -> Iterable[FieldDef]:
    """Digit fields with a value that a person looked at: still flagged at approval
    (confirmed as read) or corrected. Fields sharing a widget with another are left."""
    fields = document.fields or {}
    definitions = load_form(document.form).fields
    widgets = [f.widget or f.name for f in definitions]
    for field in definitions:
        stored = fields.get(field.name) or {}
        attended = field.name in document.needs_review or "corrected_by" in stored
        alone = widgets.count(field.widget or field.name) == 1
        if field.type in DIGIT_FIELDS and stored.get("value") is not None and attended \
                and alone:
            yield field


def field_glyphs(page: np.ndarray, form: str, field: FieldDef, value: object,
                 model: DigitModel | None) -> Labelled | None:
    """The glyphs of ``field``'s line and their labels from the approved ``value``;
    None when the line's cut does not fit one way of writing it."""
    widget = form_layout(form).widget(field.widget or field.name)
    line = prepare_line(page, widget.rect).image
    glyphs = None if line is None else segment(line)
    images = None if line is None or glyphs is None else images_of(line, glyphs)
    if not images:
        return None
    stacked = np.stack(images)
    written = written_forms(field.type, value)
    labels = choose_labels([w for w in written if len(w) == len(images)], stacked, model)
    if labels is None:
        return None
    pixels = np.clip(np.rint(stacked * 255), 0, 255).astype(np.uint8)
    return pixels, np.array([CLASSES.index(ch) for ch in labels], np.int64)


def choose_labels(fitting: list[str], images: np.ndarray,
                  model: DigitModel | None) -> str | None:
    """The one way of writing that fits the glyphs; of several, the one the
    classifier finds clearly likeliest (``MARGIN_NATS``); else None."""
    if len(fitting) <= 1:
        return fitting[0] if fitting else None
    if model is None:
        return None
    logp = np.log(classify(list(images), model) + 1e-12)
    rows = np.arange(len(images))
    scored = sorted(((float(logp[rows, [CLASSES.index(ch) for ch in w]].sum()), w)
                     for w in fitting), reverse=True)
    (best, chosen), (second, _) = scored[0], scored[1]
    return chosen if best - second >= MARGIN_NATS else None


def written_forms(kind: FieldType, value: object) -> list[str]:
    """The glyphs a person may have written for ``value``, as the segmentation sees
    them: digits and slashes (a dash, dot or space is no glyph), without repeats."""
    text = str(value)
    if kind == FieldType.PERSONNUMMER:
        digits = "".join(ch for ch in text if ch.isdigit())
        forms = [digits, digits[2:]] if len(digits) == 12 else [digits]
    elif kind == FieldType.DATE:
        try:
            forms = _date_forms(date.fromisoformat(text))
        except ValueError:
            return []
    else:
        forms = [text]
    return list(dict.fromkeys(f for f in forms if f and all(ch in CLASSES for ch in f)))


def _date_forms(d: date) -> list[str]:
    """Year-month-day and day-month-year, a 4- or 2-digit year, day and month with or
    without a leading zero, each separator a slash or nothing drawn tall."""
    years = (f"{d.year:04d}", f"{d.year % 100:02d}")
    days = dict.fromkeys((f"{d.day:02d}", str(d.day)))
    months = dict.fromkeys((f"{d.month:02d}", str(d.month)))
    forms = []
    for year, month, day, first, second in product(years, months, days, ("", SLASH),
                                                   ("", SLASH)):
        forms.append(f"{year}{first}{month}{second}{day}")
        forms.append(f"{day}{first}{month}{second}{year}")
    return forms

