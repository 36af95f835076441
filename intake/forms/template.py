"""A form template as data: where each widget of a form is on one printed layout.

A template is what ``sus-intake forms learn`` writes from a blank (a PDF or a scan of
one) and what the built-in layout is expressed as (:func:`builtin_template`), so that
the built-in layouts can become the default templates and a learned layout can be
read, drawn and corrected the same way. It holds everything a :class:`PageLayout`
holds (printed text, printed boxes, widgets) plus where it came from, which version
of the form it is, what alignment anchors on, and for a learned template how sure
the learner was of each widget (matched / ambiguous with its candidates / missing),
which is what an administrator reviews.

A template has one or more pages: page 1's size and printed matter are the
template's own fields (as before pages came), each later page is a
:class:`TemplatePage`; a widget says which page it is on (default 1). A page without
widgets is a page of text (e.g. an information page): kept so that reading recognises
it as this form's page. Templates written before pages came (one page) load as they are.

Coordinates are millimetres from the page's top-left corner, as in the layout.
Stored as JSON (``Template.model_validate_json``); every value is checked on load.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.forms.model import (
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    LineOp,
    PageLayout,
    Rect,
    TextOp,
    Widget,
)

TEMPLATE_FORMAT = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatchState(StrEnum):
    """How a widget's box was found."""

    BUILTIN = "builtin"  # drawn by the project: known, not learned
    MATCHED = "matched"  # one box fits the field's label clearly
    AMBIGUOUS = "ambiguous"  # more than one box fits about as well: see candidates
    MISSING = "missing"  # no box fits: the administrator draws it
    FIXED = "fixed"  # the administrator chose or drew the box

    @property
    def swedish(self) -> str:
        return _SWEDISH_STATE[self]


_SWEDISH_STATE = {
    MatchState.BUILTIN: "inbyggd",
    MatchState.MATCHED: "hittad",
    MatchState.AMBIGUOUS: "osäker",
    MatchState.MISSING: "saknas",
    MatchState.FIXED: "rättad",
}


class Candidate(_Frozen):
    """A box that could be a widget's, with the learner's score (higher is better)."""

    rect: Rect
    score: float
    why: str = ""  # e.g. the printed text the box was matched by


class TemplateWidget(_Frozen):
    """One widget (CONTRACT §3 name) of the form on this layout."""

    name: str
    kind: Literal["text", "checkbox", "signature"]
    field: str
    option: str | None = None
    rect: Rect | None  # None while missing
    state: MatchState = MatchState.BUILTIN
    candidates: tuple[Candidate, ...] = ()
    #: the printed text the box was found by (the label, or an option's label)
    label: str | None = None
    #: a fillable PDF's own widget name, when the PDF had one at this box
    pdf_name: str | None = None
    #: the page of the template the widget is on (1-based)
    page: int = Field(default=1, ge=1)

    def as_widget(self) -> Widget:
        if self.rect is None:
            raise ValueError(f"widget {self.name} has no box yet")
        return Widget(name=self.name, kind=self.kind, field=self.field, option=self.option,
                      rect=self.rect)


class Anchor(_Frozen):
    """What a page is aligned on: a printed box or line of the blank (``kind`` says)."""

    kind: Literal["box", "text"]
    rect: Rect
    text: str | None = None


class TemplatePage(_Frozen):
    """One page of a template: its size, printed matter and anchors."""

    number: int = Field(ge=1)
    page_width_mm: float = Field(default=PAGE_WIDTH_MM, gt=0)
    page_height_mm: float = Field(default=PAGE_HEIGHT_MM, gt=0)
    texts: tuple[TextOp, ...] = ()
    boxes: tuple[LineOp, ...] = ()
    anchors: tuple[Anchor, ...] = ()


class Source(_Frozen):
    """The blank a template was learned from."""

    file: str  # its name, never a path from the administrator's machine
    sha256: str
    kind: Literal["builtin", "pdf-text", "pdf-widgets", "scan"]
    dpi: float | None = None  # a scan's resolution (or what a flat PDF was drawn at)
    #: rotation (degrees, counter-clockwise) undone before learning a scan
    deskew_deg: float = 0.0
    #: a scan fed in upside down, turned half a turn before learning
    upside_down: bool = False


class TemplateRef(_Frozen):
    """Which template a page was read with: its id (``intake.forms.store``), the
    version of the form it is, and which of the template's pages it is."""

    id: str
    version: str
    page: int = Field(default=1, ge=1)


class Template(_Frozen):
    """One layout of one form version: page, printed matter, widgets, provenance."""

    format: int = TEMPLATE_FORMAT
    form: str = Field(pattern=r"^94(43|48|49)$")
    version: str
    page_width_mm: float = Field(default=PAGE_WIDTH_MM, gt=0)
    page_height_mm: float = Field(default=PAGE_HEIGHT_MM, gt=0)
    widgets: tuple[TemplateWidget, ...]
    texts: tuple[TextOp, ...] = ()
    boxes: tuple[LineOp, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    source: Source
    learned_at: datetime | None = None
    #: pages 2, 3, … (page 1 is the fields above)
    more_pages: tuple[TemplatePage, ...] = ()

    @model_validator(mode="after")
    def _pages_in_order(self) -> Template:
        numbers = [p.number for p in self.more_pages]
        if numbers != list(range(2, 2 + len(numbers))):
            raise ValueError(f"the template's later pages must be 2, 3, …, not {numbers}")
        beyond = [w.name for w in self.widgets if w.page > self.page_count]
        if beyond:
            raise ValueError(f"widgets on a page the template does not have: {beyond[:5]}")
        return self

    @property
    def page_count(self) -> int:
        return 1 + len(self.more_pages)

    @property
    def pages(self) -> tuple[TemplatePage, ...]:
        """Every page, page 1 included (as a :class:`TemplatePage` numbered 1)."""
        first = TemplatePage(
            number=1, page_width_mm=self.page_width_mm, page_height_mm=self.page_height_mm,
            texts=self.texts, boxes=self.boxes, anchors=self.anchors)
        return (first, *self.more_pages)

    def page(self, number: int) -> TemplatePage:
        if not 1 <= number <= self.page_count:
            raise KeyError(number)
        return self.pages[number - 1]

    def widgets_on(self, number: int) -> tuple[TemplateWidget, ...]:
        return tuple(w for w in self.widgets if w.page == number)

    def widget(self, name: str) -> TemplateWidget:
        for w in self.widgets:
            if w.name == name:
                return w
        raise KeyError(name)

    def with_box(self, name: str, rect: Rect, page: int | None = None) -> Template:
        """This template with widget ``name``'s box set by the administrator (a chosen
        candidate or a drawn rectangle, on ``page`` if given, else on the widget's
        page); its candidates are kept for the record."""
        on = self.widget(name).page if page is None else page  # KeyError: no such widget
        self.page(on)  # KeyError for a page the template does not have
        widgets = tuple(w.model_copy(update={"rect": rect, "state": MatchState.FIXED,
                                             "page": on})
                        if w.name == name else w for w in self.widgets)
        return self.model_copy(update={"widgets": widgets})

    def ready(self) -> bool:
        """Every widget has its box, none still ambiguous: the template can be used."""
        return all(w.rect is not None and w.state is not MatchState.AMBIGUOUS
                   for w in self.widgets)

    def counts(self) -> dict[MatchState, int]:
        counts = dict.fromkeys(MatchState, 0)
        for w in self.widgets:
            counts[w.state] += 1
        return counts

    def page_layout(self, number: int = 1) -> PageLayout:
        """Page ``number`` of the template as the reader's layout: its printed matter
        and the widgets on it (every one must have its box); none on a page of text."""
        page = self.page(number)
        return PageLayout(texts=page.texts, boxes=page.boxes,
                          widgets=tuple(w.as_widget() for w in self.widgets_on(number)))


def template_of_layout(form: str, version: str, layout: PageLayout, source: Source,
                       ) -> Template:
    """A :class:`PageLayout` as a template holding exactly the same (built-in state)."""
    widgets = tuple(
        TemplateWidget(name=w.name, kind=w.kind, field=w.field, option=w.option, rect=w.rect)
        for w in layout.widgets
    )
    anchors = tuple(Anchor(kind="box", rect=b.rect) for b in layout.boxes)
    return Template(form=form, version=version, widgets=widgets, texts=layout.texts,
                    boxes=layout.boxes, anchors=anchors, source=source)
