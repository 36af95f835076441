"""The templates reading chooses among (issue 17): each as the reader needs it.

A :class:`ReadingTemplate` is one active template of the store reduced to what
alignment and field reading use: which form it is, its reference (the blank page a
scan is warped onto: the built-in one is drawn by the project, a learned one is the
store's ``reference.png``) and its widgets in the *aligned* frame (A4 at
``WORK_DPI``: a learned page's millimetres are scaled onto A4).

Two reading templates are the same (for caches) when they have the same ``key``: the
built-in id, or a learned id with a digest of the template's content, so that a
template fixed and activated again under the same id is computed afresh.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from intake.errors import IntakeError
from intake.forms import FORM_IDS
from intake.forms.blank import builtin_template
from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageLayout, Rect
from intake.forms.store import StoredTemplate, TemplateStore, builtin_id
from intake.forms.template import Template, TemplateRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadingTemplate:
    """One template as reading uses it; equal (and hashed) by ``key`` alone."""

    key: str
    ref: TemplateRef = field(compare=False)
    form: str = field(compare=False)
    #: widgets, printed text and boxes in the aligned (A4) frame, millimetres
    layout: PageLayout = field(compare=False, repr=False)
    #: the learned blank as reading sees it; None for a built-in template
    reference: Path | None = field(compare=False, default=None)
    #: how many pages the template has (this is page ``ref.page`` of them)
    page_count: int = field(compare=False, default=1)

    @property
    def builtin(self) -> bool:
        return self.reference is None

    @property
    def page(self) -> int:
        """Which page of its template this is (1 for every built-in one)."""
        return self.ref.page


@cache
def builtin_reading(form_id: str) -> ReadingTemplate:
    """The built-in layout of ``form_id`` as a reading template."""
    template = builtin_template(form_id)
    ref = TemplateRef(id=builtin_id(form_id), version=template.version)
    return ReadingTemplate(key=ref.id, ref=ref, form=form_id, layout=template.page_layout())


def builtin_readings() -> tuple[ReadingTemplate, ...]:
    """The built-in templates, in form order: what reading uses when nothing is learned."""
    return tuple(builtin_reading(form_id) for form_id in FORM_IDS)


def reading_template(form: str | ReadingTemplate) -> ReadingTemplate:
    """``form`` as a reading template: a form id stands for its built-in layout."""
    return builtin_reading(form) if isinstance(form, str) else form


def learned_reading(stored: StoredTemplate, reference: Path, page: int = 1) -> ReadingTemplate:
    """Page ``page`` of an active learned template of the store as a reading template
    (a page of text has no widgets: it is recognised, and joins its form's document)."""
    template = stored.template
    digest = hashlib.sha256(template.model_dump_json().encode()).hexdigest()[:12]
    key = f"{stored.id}:{digest}" if page == 1 else f"{stored.id}:{digest}:p{page}"
    return ReadingTemplate(key=key, ref=stored.ref.model_copy(update={"page": page}),
                           form=template.form, layout=a4_layout(template, page),
                           reference=reference, page_count=template.page_count)


def active_readings(store: TemplateStore) -> tuple[ReadingTemplate, ...]:
    """Every active template of ``store``: the built-in ones first, then each page of
    the learned ones that has its reference image (one without cannot be aligned onto;
    a template without page 1's is left out)."""
    learned = []
    for stored in store.active():
        if stored.builtin or not stored.template.ready():
            continue
        for page in range(1, stored.template.page_count + 1):
            reference = store.reference_path(stored.id, page)
            if reference is None:
                break
            learned.append(learned_reading(stored, reference, page))
    return (*builtin_readings(), *learned)


def a4_layout(template: Template, page: int = 1) -> PageLayout:
    """Page ``page`` of the template with its millimetres scaled onto A4 (the aligned
    frame): a learned scan's page is A4 give or take the scanner's edge."""
    size = template.page(page)
    sx, sy = PAGE_WIDTH_MM / size.page_width_mm, PAGE_HEIGHT_MM / size.page_height_mm
    layout = template.page_layout(page)
    if abs(sx - 1) < 1e-6 and abs(sy - 1) < 1e-6:
        return layout

    def scaled(rect: Rect) -> Rect:
        return Rect(x=rect.x * sx, y=rect.y * sy, w=rect.w * sx, h=rect.h * sy)

    return layout.model_copy(update={
        "widgets": tuple(w.model_copy(update={"rect": scaled(w.rect)}) for w in layout.widgets),
        "boxes": tuple(b.model_copy(update={"rect": scaled(b.rect)}) for b in layout.boxes),
    })


class ActiveTemplates:
    """The active templates of a store as reading uses them, loaded again whenever the
    store's stamp changes (one ``stat`` per page): a reading process picks up a
    template activated on the admin page without a restart. A store that cannot be
    read leaves reading with the templates it had (the built-in ones at first)."""

    def __init__(self, store: TemplateStore | None) -> None:
        self.store = store
        self._stamp: tuple[int, int, int] | None = None
        self._templates = builtin_readings()

    def current(self) -> tuple[ReadingTemplate, ...]:
        if self.store is None:
            return self._templates
        stamp = self.store.stamp()
        if stamp != self._stamp:
            try:
                self._templates = active_readings(self.store)
            except (OSError, ValueError, IntakeError) as exc:
                log.warning("the templates in %s could not be loaded: %s", self.store.root, exc)
            self._stamp = stamp
            log.info("reading with %d templates", len(self._templates))
        return self._templates
