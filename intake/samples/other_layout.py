"""Another printer's rendition of a form (issue 17): the same fields and labels laid
out otherwise, drawn as a clean page for the scanner simulation. What a template is
learned from in the tests and ``scripts/measure_learn.py`` (and what forms in a
learned layout will be filled on).

Against the project's layout (intake/forms/layout.py) it has other margins, a serif
font at other sizes, a row's boxes in reverse order two to a line with the label
beside (left of) each box instead of above, other box heights, choices in reverse
order with smaller tick boxes, Ja/Nej labelled right of their boxes, and an inline
choice's options on the line under its question. And it is two pages: page 2 is a page
of text (:func:`information_page`: what the form is for, how personal data are
handled), each page's footer saying "Sida 1 (2)" or "Sida 2 (2)".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.forms import load_form
from intake.forms.model import (
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    FormDefinition,
    Item,
    LineOp,
    PageLayout,
    Rect,
    TextOp,
    Widget,
)
from intake.samples.ink import font_path
from intake.sus.codes import VOCABULARIES, Avslutningsanledning, YesNo, label_of

LEFT, RIGHT = 22.0, 192.0
WIDTH = RIGHT - LEFT
PT = 25.4 / 72
TICK = 3.4
BOX_H = 8.0
LABEL_COLUMN = 30.0


def _font(size: float, bold: bool, dpi: int = 300) -> ImageFont.FreeTypeFont:
    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"
    return ImageFont.truetype(str(font_path(name)), max(1, round(size * dpi / 72)))


def text_mm(text: str, size: float, bold: bool = False) -> float:
    return _font(size, bold, 720).getlength(text) / 720 * 25.4


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_mm(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


@dataclass
class _Flow:
    y: float = 22.0
    texts: list[TextOp] = field(default_factory=list)
    boxes: list[LineOp] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)

    def text(self, x: float, baseline: float, text: str, size: float, bold: bool = False
             ) -> None:
        self.texts.append(TextOp(x=x, y=baseline, text=text, size=size, bold=bold))

    def lines(self, text: str, x: float, top: float, width: float, size: float,
              bold: bool = False) -> float:
        """Wrapped text from ``top``; the bottom of its last line."""
        y = top
        for line in wrap(text, width, size, bold):
            y += size * PT * 1.25
            self.text(x, y, line, size, bold)
        return y + size * PT * 0.3

    def widget(self, name: str, kind: str, rect: Rect, field_name: str,
               option: str | None = None) -> None:
        self.boxes.append(LineOp(rect=rect, width=0.3))
        self.widgets.append(Widget(name=name, kind=kind, rect=rect,  # type: ignore[arg-type]
                                   field=field_name, option=option))


PAGES = 2


def other_layout_pages(form_id: str) -> tuple[PageLayout, ...]:
    """Every page of the form in this layout: the form, then its page of text."""
    return other_layout(form_id), information_page(form_id)


def other_layout(form_id: str) -> PageLayout:
    """Page 1: the form's fields."""
    form = load_form(form_id)
    flow = _Flow()
    flow.text(LEFT, 14, "FÖRSÄKRINGSKASSAN", 11, bold=True)
    for item in form.items:
        _PLACE[item.kind](flow, item, form)
    _footer(flow, form, 1)
    if flow.y > PAGE_HEIGHT_MM - 14:
        raise OverflowError(f"FK {form_id} does not fit on one page ({flow.y:.0f} mm)")
    return PageLayout(texts=tuple(flow.texts), boxes=tuple(flow.boxes),
                      widgets=tuple(flow.widgets))


def information_page(form_id: str) -> PageLayout:
    """Page 2: text only, no widget. What the form is for (its own words: the pages of
    the three forms differ), then how Försäkringskassan handles personal data."""
    form = load_form(form_id)
    flow = _information(form)
    _footer(flow, form, 2)
    if flow.y > PAGE_HEIGHT_MM - 14:
        raise OverflowError(f"FK {form_id}'s page 2 does not fit ({flow.y:.0f} mm)")
    return PageLayout(texts=tuple(flow.texts), boxes=(), widgets=())


#: how many of each form's last items the split variant puts on page 2: the name, place
#: and date row of FK 9443; the studies question and its percent of FK 9448 and 9449
SPLIT_ITEMS = {"9443": 1, "9448": 2, "9449": 2}


def split_layout_pages(form_id: str) -> tuple[PageLayout, PageLayout]:
    """A variant of this layout whose form goes on to page 2 (fields on both pages):
    page 1 has the form's items but its last ``SPLIT_ITEMS``, which come on page 2
    under its text."""
    form = load_form(form_id)
    later = SPLIT_ITEMS[form_id]
    first = _Flow()
    first.text(LEFT, 14, "FÖRSÄKRINGSKASSAN", 11, bold=True)
    for item in form.items[:-later]:
        _PLACE[item.kind](first, item, form)
    _footer(first, form, 1)
    second = _information(form)
    second.y += 6.0
    for item in form.items[-later:]:
        _PLACE[item.kind](second, item, form)
    _footer(second, form, 2)
    if second.y > PAGE_HEIGHT_MM - 14:
        raise OverflowError(f"FK {form_id}'s split page 2 does not fit ({second.y:.0f} mm)")
    return _page(first), _page(second)


def _page(flow: _Flow) -> PageLayout:
    return PageLayout(texts=tuple(flow.texts), boxes=tuple(flow.boxes),
                      widgets=tuple(flow.widgets))


def _information(form: FormDefinition) -> _Flow:
    """A page of text's flow: the form's title and what the form is for, then how
    personal data are handled."""
    flow = _Flow()
    flow.text(LEFT, 14, "FÖRSÄKRINGSKASSAN", 11, bold=True)
    flow.y = flow.lines(f"{form.title} – information", LEFT, flow.y, WIDTH, 12, bold=True) + 2
    for heading, paragraphs in (*_ABOUT[form.form_id], *_PERSONAL_DATA):
        flow.y = flow.lines(heading, LEFT, flow.y + 2.5, WIDTH, 9.5, bold=True) + 0.8
        for paragraph in paragraphs:
            flow.y = flow.lines(paragraph, LEFT, flow.y, WIDTH, 8) + 1.5
    return flow


def _footer(flow: _Flow, form: FormDefinition, page: int) -> None:
    flow.text(LEFT + 40, PAGE_HEIGHT_MM - 9, form.footer, 7)
    flow.text(RIGHT - 18, PAGE_HEIGHT_MM - 9, f"Sida {page} ({PAGES})", 7)


#: what each form's page of text says about the form (heading, paragraphs)
_ABOUT: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "9443": (
        ("Om samtycket", (
            "Med blanketten lämnar deltagaren sitt samtycke till att uppgifter om "
            "deltagandet i en insats som finansieras av ett samordningsförbund registreras "
            "i SUS, System för uppföljning av samverkan.",
            "Samtycket är frivilligt. Den som inte samtycker kan ändå delta i insatsen; "
            "uppgifterna registreras då utan personnummer.",
        )),
        ("Att återkalla samtycket", (
            "Samtycket kan när som helst återkallas genom att deltagaren kontaktar "
            "samordningsförbundet. Uppgifter som redan registrerats tas då bort eller "
            "avidentifieras.",
        )),
    ),
    "9448": (
        ("Om inregistreringen", (
            "Blanketten används när en deltagare börjar i en insats. Den fylls i av "
            "handläggaren tillsammans med deltagaren vid insatsens start.",
            "Uppgifterna om försörjning, utbildning och tid utan arbete beskriver "
            "deltagarens situation vid inskrivningen och jämförs med situationen vid "
            "utskrivningen.",
            "Skicka blanketten till samordningsförbundet senast en månad efter startdatum.",
        )),
    ),
    "9449": (
        ("Om utregistreringen", (
            "Blanketten används när en deltagare avslutar en insats, oavsett anledning.",
        )),
        ("Avslutningsanledning", (
            "Ange den anledning som bäst beskriver varför insatsen avslutades. Koderna "
            "förklaras på blankettens första sida.",
            "Uppgifterna om situationen efter insatsen jämförs med uppgifterna som "
            "lämnades vid inregistreringen, så att samverkans resultat kan följas upp.",
        )),
    ),
}

#: how personal data are handled: the same on every form's page of text
_PERSONAL_DATA: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Information om behandling av personuppgifter", (
        "Försäkringskassan är personuppgiftsansvarig för behandlingen av personuppgifter "
        "i SUS. Uppgifterna behandlas för att följa upp och utvärdera finansiell samordning "
        "av rehabiliteringsinsatser enligt lagen (2003:1210) om finansiell samordning av "
        "rehabiliteringsinsatser.",
        "Uppgifterna sparas så länge de behövs för uppföljningen och gallras därefter. "
        "Statistik från SUS redovisas utan uppgifter som kan knytas till en enskild person.",
    )),
    ("Dina rättigheter", (
        "Du har rätt att få veta vilka uppgifter om dig som behandlas, att få felaktiga "
        "uppgifter rättade och i vissa fall att få uppgifter raderade eller behandlingen "
        "begränsad.",
        "Kontakta Försäkringskassans dataskyddsombud om du har frågor. Du kan också lämna "
        "klagomål till Integritetsskyddsmyndigheten.",
    )),
)


def _title(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y, WIDTH, 13, bold=True) + 1
    flow.y = flow.lines(" – ".join(item.lines), LEFT, flow.y, WIDTH, 8) + 1.5


def _heading(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y + 2.5, WIDTH, 9.5, bold=True) + 0.8


def _paragraph(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y, WIDTH, (item.size or 8.5) - 0.5) + 1


def _spacer(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y += item.height / 2


def _address(flow: _Flow, item: Item, form: FormDefinition) -> None:
    y = flow.y
    for line in item.lines:
        y = flow.lines(line, 130, y, 60, 8.5)
    flow.y = y + 2


def _row(flow: _Flow, item: Item, form: FormDefinition) -> None:
    cells = list(reversed(item.cells))
    for pair in (cells[i:i + 2] for i in range(0, len(cells), 2)):
        top = flow.y + 1.5
        bottom = top
        for c, cell in enumerate(pair):
            x = LEFT + c * (WIDTH / 2 + 2)
            if cell.field is None:
                bottom = max(bottom, flow.lines(f"{cell.label}: {cell.text}", x, top,
                                                WIDTH / 2 - 4, 8))
                continue
            label_bottom = flow.lines(cell.label, x, top, LABEL_COLUMN, 7)
            height = 14.0 if cell.field == "underskrift" else BOX_H
            rect = Rect(x=x + LABEL_COLUMN + 1.5, y=top, w=WIDTH / 2 - LABEL_COLUMN - 4,
                        h=height)
            kind = "signature" if cell.field == "underskrift" else "text"
            flow.widget(cell.field, kind, rect, cell.field)
            bottom = max(bottom, label_bottom, rect.bottom)
        flow.y = bottom + 1.5


def _choice(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y + 1, WIDTH, 8, bold=True) + 1
    name = item.field or ""
    vocabulary = VOCABULARIES[form.field(name).vocabulary or ""]
    codes = [code for column in item.columns for code in column][::-1]
    per_column = -(-len(codes) // 3)
    for i, code in enumerate(codes):
        x = LEFT + (i // per_column) * (WIDTH / 3)
        y = flow.y + (i % per_column) * 5.0
        flow.widget(f"{name}.{code}", "checkbox", Rect(x=x, y=y, w=TICK, h=TICK), name, code)
        flow.text(x + TICK + 1.6, y + TICK - 0.5, label_of(vocabulary, code), 7.5)
    flow.y += per_column * 5.0 + 0.5


def _yesno(flow: _Flow, item: Item, form: FormDefinition) -> None:
    top = flow.y + 1
    bottom = flow.lines(item.text, LEFT, top, 120, 8)
    name = item.field or ""
    for x, option in ((152.0, YesNo.JA), (170.0, YesNo.NEJ)):
        rect = Rect(x=x, y=top + 0.6, w=TICK, h=TICK)
        flow.widget(f"{name}.{option.value}", "checkbox", rect, name, option.value)
        flow.text(rect.right + 1.5, rect.bottom - 0.4, option.label, 8)
    flow.y = max(bottom, top + TICK + 1) + 1


def _percent(flow: _Flow, item: Item, form: FormDefinition) -> None:
    top = flow.y + 1
    flow.text(LEFT, top + 4.6, item.text, 8)
    rect = Rect(x=LEFT + text_mm(item.text, 8) + 3, y=top, w=22, h=6.5)
    flow.widget(item.field or "", "text", rect, item.field or "")
    flow.text(rect.right + 1, top + 4.6, "procent", 8)
    flow.y = rect.bottom + 1.5


def _inline_choice(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y + 1, WIDTH, 8) + 0.8
    name = item.field or ""
    vocabulary = VOCABULARIES[form.field(name).vocabulary or ""]
    x = LEFT + 6
    for code in item.columns[0]:
        flow.widget(f"{name}.{code}", "checkbox", Rect(x=x, y=flow.y, w=TICK, h=TICK), name,
                    code)
        label = label_of(vocabulary, code)
        flow.text(x + TICK + 1.6, flow.y + TICK - 0.5, label, 8)
        x += TICK + 1.6 + text_mm(label, 8) + 9
    flow.y += TICK + 1.5


def _codelist(flow: _Flow, item: Item, form: FormDefinition) -> None:
    flow.y = flow.lines(item.text, LEFT, flow.y + 1, WIDTH, 7.5, bold=True)
    for code in Avslutningsanledning:
        flow.y = flow.lines(f"{code.value} {code.label}: {code.description}", LEFT + 3,
                            flow.y, WIDTH - 3, 6)


_PLACE = {
    "title": _title, "heading": _heading, "paragraph": _paragraph, "spacer": _spacer,
    "address": _address, "row": _row, "choice": _choice, "yesno": _yesno,
    "percent": _percent, "inline_choice": _inline_choice, "codelist": _codelist,
}


def draw(layout: PageLayout, dpi: int) -> np.ndarray:
    """The layout printed: an RGB page at ``dpi``."""
    px = dpi / 25.4
    image = Image.new("RGB", (round(PAGE_WIDTH_MM * px), round(PAGE_HEIGHT_MM * px)), "white")
    pen = ImageDraw.Draw(image)
    for op in layout.texts:
        pen.text((op.x * px, op.y * px), op.text, fill="black", anchor="ls",
                 font=_font(op.size, op.bold, dpi))
    for box in layout.boxes:
        r = box.rect
        pen.rectangle((r.x * px, r.y * px, r.right * px, r.bottom * px), outline="black",
                      width=max(1, round(box.width * px)))
    return np.asarray(image)
