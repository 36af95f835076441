"""The one place reportlab is used: text metrics and drawing the blank forms.

Everything here works in the layout's millimetres from the top-left corner and
converts to PDF points (origin bottom-left) on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from reportlab.lib.colors import black, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageLayout, Rect, TextOp, Widget

MM = 72.0 / 25.4
_FONTS = {False: "Helvetica", True: "Helvetica-Bold"}


def text_width_mm(text: str, size: float, *, bold: bool = False) -> float:
    return stringWidth(text, _FONTS[bold], size) / MM


def wrap(text: str, width_mm: float, size: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` to ``width_mm`` at ``size`` points."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width_mm(candidate, size, bold=bold) > width_mm:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def write_pdf(layout: PageLayout, target: BinaryIO, *, title: str) -> None:
    """Write a one-page fillable A4 PDF of ``layout`` to the binary file ``target``."""
    write_pdf_pages((layout,), target, title=title)


def write_pdf_pages(layouts: Sequence[PageLayout], target: BinaryIO, *, title: str) -> None:
    """Write an A4 PDF of one page per layout (a form with a page of text) to ``target``."""
    canvas = Canvas(target, pagesize=(PAGE_WIDTH_MM * MM, PAGE_HEIGHT_MM * MM))
    canvas.setTitle(title)
    canvas.setAuthor("Försäkringskassan (återgiven av SUS intake)")
    for layout in layouts:
        for op in layout.texts:
            _draw_text(canvas, op)
        for box in layout.boxes:
            _stroke_rect(canvas, box.rect, box.width)
        for widget in layout.widgets:
            _add_widget(canvas, widget)
        canvas.showPage()
    canvas.save()


def _pt(rect: Rect) -> tuple[float, float, float, float]:
    return rect.x * MM, (PAGE_HEIGHT_MM - rect.bottom) * MM, rect.w * MM, rect.h * MM


def _draw_text(canvas: Canvas, op: TextOp) -> None:
    canvas.setFont(_FONTS[op.bold], op.size)
    x, y = op.x * MM, (PAGE_HEIGHT_MM - op.y) * MM
    draw = {
        "left": canvas.drawString,
        "right": canvas.drawRightString,
        "center": canvas.drawCentredString,
    }[op.align]
    draw(x, y, op.text)


def _stroke_rect(canvas: Canvas, rect: Rect, width_mm: float) -> None:
    canvas.setLineWidth(width_mm * MM)
    canvas.setStrokeColor(black)
    canvas.rect(*_pt(rect), stroke=1, fill=0)


def _add_widget(canvas: Canvas, widget: Widget) -> None:
    x, y, w, h = _pt(widget.rect)
    form = canvas.acroForm
    if widget.kind == "checkbox":
        form.checkbox(
            name=widget.name,
            x=x,
            y=y,
            size=w,
            buttonStyle="cross",
            borderWidth=0,
            borderColor=black,
            fillColor=white,
            textColor=black,
            forceBorder=False,
            tooltip=widget.name,
        )
        return
    form.textfield(
        name=widget.name,
        x=x,
        y=y,
        width=w,
        height=h,
        borderWidth=0,
        fillColor=None,
        borderColor=None,
        textColor=black,
        fontName="Helvetica",
        fontSize=10,
        forceBorder=False,
        tooltip=widget.name,
        maxlen=0,
    )
