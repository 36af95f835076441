"""Blanks for learning tests, made in tmp_path: the project's own layout drawn flat
(no widgets), with other widget names, edited, or printed and scanned."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from intake.forms import form_layout
from intake.forms.model import PageLayout
from intake.forms.pdfdraw import write_pdf, write_pdf_pages
from intake.load.render import render_pdf
from intake.samples.scan import PROFILES, ScannedPage, scan_page

SCAN_DPI = 300


def pdf_of(layout: PageLayout, path: Path) -> Path:
    buffer = io.BytesIO()
    write_pdf(layout, buffer, title="blankett")
    path.write_bytes(buffer.getvalue())
    return path


def pdf_of_pages(layouts: Sequence[PageLayout], path: Path) -> Path:
    """A PDF of one page per layout, flat (without widgets)."""
    buffer = io.BytesIO()
    write_pdf_pages([layout.model_copy(update={"widgets": ()}) for layout in layouts], buffer,
                    title="blankett")
    path.write_bytes(buffer.getvalue())
    return path


def flat_blank(form_id: str, folder: Path, layout: PageLayout | None = None) -> Path:
    """The form printed to PDF with its text layer but without widgets."""
    layout = layout or form_layout(form_id)
    return pdf_of(layout.model_copy(update={"widgets": ()}), folder / f"platt{form_id}.pdf")


def renamed_blank(form_id: str, folder: Path) -> tuple[Path, dict[str, str]]:
    """The fillable form whose widgets are named "Text1", "Text2", ... (as a PDF
    tool names them), and which contract name each new name stands for."""
    layout = form_layout(form_id)
    names = {w.name: f"Text{i}" for i, w in enumerate(layout.widgets, start=1)}
    widgets = tuple(w.model_copy(update={"name": names[w.name]}) for w in layout.widgets)
    path = pdf_of(layout.model_copy(update={"widgets": widgets}), folder / f"namn{form_id}.pdf")
    return path, names


def scanned_blank(pdf: Path, folder: Path, *, seed: int = 1, profile: str = "office300",
                  suffix: str = ".png") -> tuple[Path, ScannedPage]:
    """``pdf``'s page printed and scanned as ``profile`` does, saved as a PNG (or as
    ``suffix`` says: ".pdf" is a scanner's PDF of one grey image)."""
    page = next(render_pdf(pdf, dpi=SCAN_DPI))
    scan = scan_page(page, SCAN_DPI, PROFILES[profile], np.random.default_rng(seed))
    path = folder / f"{pdf.stem}-skannad{suffix}"
    if suffix == ".pdf":
        scan.image.save(path, resolution=scan.dpi)
    else:
        scan.image.save(path, dpi=(scan.dpi, scan.dpi))
    return path, scan
