"""The data model of a form definition and of its computed layout.

A form definition (``data/FK*.toml``) lists the form's fields (SPEC §2) and the
printed items in reading order. :mod:`intake.forms.layout` flows those items onto
an A4 page and yields :class:`PageLayout`: the printed text and lines, and the
widgets (CONTRACT §3) whose rectangles are where a person writes or ticks.
Coordinates are millimetres from the page's top-left corner.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0


class FieldType(StrEnum):
    TEXT = "text"
    PERSONNUMMER = "personnummer"
    DATE = "date"
    SINGLE = "single"
    MULTI = "multi"
    YESNO = "yesno"
    PERCENT = "percent"
    CODE = "code"
    SIGNATURE = "signature"

    @property
    def is_choice(self) -> bool:
        return self in (FieldType.SINGLE, FieldType.MULTI, FieldType.YESNO)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldDef(Frozen):
    """One field of SPEC §2: its type, printed label and (for choices) vocabulary."""

    name: str
    type: FieldType
    label: str
    vocabulary: str | None = None
    optional: bool = False
    section: int = 1
    widget: str | None = None  # text widget name when it differs from the field name
    max_length: int | None = None
    #: word list a doubtful read is compared with (``intake.mapping.lexicon``)
    lexicon: str | None = None


class Rect(Frozen):
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


class Widget(Frozen):
    """A fillable widget: a text box or a checkbox, named as CONTRACT §3 says."""

    name: str
    kind: Literal["text", "checkbox", "signature"]
    field: str
    option: str | None = None
    rect: Rect


class TextOp(Frozen):
    """One printed line of text; ``y`` is the baseline."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False
    align: Literal["left", "right", "center"] = "left"


class LineOp(Frozen):
    """A printed rectangle outline (box border)."""

    rect: Rect
    width: float = 0.25


class PageLayout(Frozen):
    texts: tuple[TextOp, ...]
    boxes: tuple[LineOp, ...]
    widgets: tuple[Widget, ...]

    def widget(self, name: str) -> Widget:
        for w in self.widgets:
            if w.name == name:
                return w
        raise KeyError(name)


class Item(Frozen):
    """One printed item of a form definition, in reading order (see data/README)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: Literal[
        "title",
        "heading",
        "paragraph",
        "row",
        "choice",
        "yesno",
        "percent",
        "inline_choice",
        "codelist",
        "spacer",
        "address",
    ]
    text: str = ""
    size: float | None = None
    bold: bool = False
    field: str | None = None
    cells: list[Cell] = Field(default_factory=list)
    columns: list[list[str]] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    height: float = 0.0


class Cell(Frozen):
    """A labelled box in a row; with ``field`` it is a widget, without it static."""

    label: str
    width: float
    field: str | None = None
    text: str | None = None  # static text printed inside a box without a widget


class FormDefinition(Frozen):
    form_id: str
    version: str
    title: str
    footer: str
    header_left: str = "Försäkringskassan"
    header_right: str = "1 (1)"
    fields: list[FieldDef]
    items: list[Item]

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


Item.model_rebuild()
