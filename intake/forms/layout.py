"""Flow a form definition's printed items onto an A4 page.

The result, :class:`~intake.forms.model.PageLayout`, is what the blank PDF is
drawn from and what the reader uses to know where each widget is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.forms.model import (
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    Cell,
    FormDefinition,
    Item,
    LineOp,
    PageLayout,
    Rect,
    TextOp,
    Widget,
)
from intake.forms.pdfdraw import text_width_mm, wrap
from intake.sus.codes import VOCABULARIES, Avslutningsanledning, YesNo, label_of

LEFT = 15.0
CONTENT_W = PAGE_WIDTH_MM - 2 * LEFT
PT = 25.4 / 72.0  # millimetres per point
BODY = 8.5
LABEL = 7.0
BOX_H = 9.0
TICK = 4.0
CHOICE_ROW = 5.6
BORDER = 0.3


@dataclass
class Flow:
    """A cursor moving down the page, collecting what is printed and the widgets."""

    y: float = 12.0
    texts: list[TextOp] = field(default_factory=list)
    boxes: list[LineOp] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float, **kw: object) -> None:
        self.texts.append(TextOp(x=x, y=y, text=text, size=size, **kw))  # type: ignore[arg-type]

    def paragraph(
        self,
        text: str,
        size: float,
        *,
        x: float = LEFT,
        width: float = CONTENT_W,
        bold: bool = False,
    ) -> None:
        for line in wrap(text, width, size, bold=bold):
            self.y += size * PT * 1.22
            self.text(x, self.y, line, size, bold=bold)

    def box(self, rect: Rect) -> None:
        self.boxes.append(LineOp(rect=rect, width=BORDER))

    def widget(
        self, name: str, kind: str, rect: Rect, field_name: str, option: str | None = None
    ) -> None:
        self.box(rect)
        self.widgets.append(
            Widget(name=name, kind=kind, rect=rect, field=field_name, option=option)  # type: ignore[arg-type]
        )


def layout_form(form: FormDefinition) -> PageLayout:
    flow = Flow()
    _page_furniture(flow, form)
    flow.y = 24.0
    for item in form.items:
        _PLACERS[item.kind](flow, item, form)
    if flow.y > PAGE_HEIGHT_MM - 14:
        raise OverflowError(f"FK {form.form_id} does not fit on one page ({flow.y:.0f} mm)")
    return PageLayout(texts=tuple(flow.texts), boxes=tuple(flow.boxes), widgets=tuple(flow.widgets))


def _page_furniture(flow: Flow, form: FormDefinition) -> None:
    flow.text(LEFT, 16, form.header_left, 13, bold=True)
    flow.text(PAGE_WIDTH_MM - LEFT, 16, form.header_right, 9, align="right")
    flow.text(LEFT, PAGE_HEIGHT_MM - 8, form.footer, 6.5)


def _title(flow: Flow, item: Item, form: FormDefinition) -> None:
    for line in item.lines:
        flow.y += 4.2
        flow.text(LEFT, flow.y, line, 9, bold=line == item.lines[0])
    flow.y += 8
    flow.text(LEFT, flow.y, item.text, 14, bold=True)
    flow.y += 2


def _heading(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 4
    flow.paragraph(item.text, item.size or 10.5, bold=True)
    flow.y += 1


def _paragraph(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.paragraph(item.text, item.size or BODY, bold=item.bold)
    flow.y += 1.6


def _spacer(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += item.height


def _address(flow: Flow, item: Item, form: FormDefinition) -> None:
    x = 120.0
    for line in item.lines:
        flow.y += 4.2
        flow.text(x, flow.y, line, 9)
    flow.y += 4


def _row(flow: Flow, item: Item, form: FormDefinition) -> None:
    top = flow.y + 1.5
    labels = [wrap(c.label, c.width - 1.5, LABEL) for c in item.cells]
    label_h = max(len(lines) for lines in labels) * LABEL * PT * 1.2 + 0.8
    box_h = item.height or BOX_H
    x = LEFT
    for cell, lines in zip(item.cells, labels, strict=True):
        for i, line in enumerate(lines):
            flow.text(x + 0.4, top + (i + 1) * LABEL * PT * 1.2, line, LABEL)
        _cell_box(flow, cell, Rect(x=x, y=top + label_h, w=cell.width - 1.5, h=box_h))
        x += cell.width
    flow.y = top + label_h + box_h + 1.0


def _cell_box(flow: Flow, cell: Cell, rect: Rect) -> None:
    if cell.field is None:
        flow.box(rect)
        flow.text(rect.x + 1.5, rect.y + rect.h / 2 + 1.2, cell.text or "", BODY)
        return
    kind = "signature" if cell.field == "underskrift" else "text"
    flow.widget(cell.field, kind, rect, cell.field)


def _choice(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 1.5
    flow.paragraph(item.text, BODY, bold=True)
    flow.y += 1.2
    vocabulary = VOCABULARIES[form.field(_field(item)).vocabulary or ""]
    col_w = CONTENT_W / len(item.columns)
    top = flow.y
    for c, column in enumerate(item.columns):
        for r, code in enumerate(column):
            x, y = LEFT + c * col_w, top + r * CHOICE_ROW
            _tick_box(flow, _field(item), code, x, y)
            flow.text(x + TICK + 1.8, y + TICK - 0.7, label_of(vocabulary, code), 8)
    flow.y = top + max(len(col) for col in item.columns) * CHOICE_ROW + 0.5


def _tick_box(flow: Flow, field_name: str, code: str, x: float, y: float) -> None:
    rect = Rect(x=x, y=y, w=TICK, h=TICK)
    flow.widget(f"{field_name}.{code}", "checkbox", rect, field_name, code)


def _yesno(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 1.5
    start = flow.y
    flow.paragraph(item.text, BODY, width=CONTENT_W - 36)
    y = start + 1.0
    right = PAGE_WIDTH_MM - LEFT
    for x, option in ((right - 28, YesNo.JA), (right - 12, YesNo.NEJ)):
        flow.text(x - 1.2, y + TICK - 0.7, option.label, BODY, align="right")
        _tick_box(flow, _field(item), option.value, x, y)
    flow.y = max(flow.y, y + TICK) + 1.2


def _percent(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 1.5
    width = text_width_mm(item.text, BODY)
    rect = Rect(x=LEFT + width + 2, y=flow.y, w=18, h=7.5)
    flow.text(LEFT, flow.y + 5.2, item.text, BODY)
    flow.widget(_field(item), "text", rect, _field(item))
    flow.text(rect.right + 1.5, flow.y + 5.2, "%", BODY)
    flow.y = rect.bottom + 1.2


def _inline_choice(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 1.5
    vocabulary = VOCABULARIES[form.field(_field(item)).vocabulary or ""]
    flow.text(LEFT, flow.y + TICK - 0.7, item.text, BODY)
    x = LEFT + text_width_mm(item.text, BODY) + 4
    for code in item.columns[0]:
        _tick_box(flow, _field(item), code, x, flow.y)
        label = label_of(vocabulary, code)
        flow.text(x + TICK + 1.5, flow.y + TICK - 0.7, label, BODY)
        x += TICK + 1.5 + text_width_mm(label, BODY) + 6
    flow.y += TICK + 1.2


def _codelist(flow: Flow, item: Item, form: FormDefinition) -> None:
    flow.y += 1.5
    flow.paragraph(item.text, 8, bold=True)
    for code in Avslutningsanledning:
        flow.y += 0.6
        first = flow.y + 7 * PT * 1.22
        flow.text(LEFT, first, str(code.value), 7.5, bold=True)
        flow.paragraph(f"{code.label}:", 7, x=LEFT + 5, width=CONTENT_W - 5, bold=True)
        flow.paragraph(code.description, 7, x=LEFT + 5, width=CONTENT_W - 5)


def _field(item: Item) -> str:
    if item.field is None:
        raise ValueError(f"a {item.kind} item needs a field")
    return item.field


_PLACERS = {
    "title": _title,
    "heading": _heading,
    "paragraph": _paragraph,
    "spacer": _spacer,
    "address": _address,
    "row": _row,
    "choice": _choice,
    "yesno": _yesno,
    "percent": _percent,
    "inline_choice": _inline_choice,
    "codelist": _codelist,
}
