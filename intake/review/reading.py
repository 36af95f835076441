"""Reading an uploaded file for review: each page's document and its page image.

The reviewer sees the page aligned to its blank form (so the form definition's
widget rectangles are where the boxes are drawn) — for a scan the aligned image
the reader used, for a digitally filled PDF the page rendered. Both are grey at
``WORK_DPI``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from intake.digital import classify_digital, read_digital
from intake.inputs import DigitalPage, read_input
from intake.mapping.document import Document, build_document, empty_document
from intake.ocr.align import align_page
from intake.ocr.fields import read_fields
from intake.ocr.model import PAGE_H_PX, PAGE_W_PX, WORK_DPI
from intake.render import render_pdf
from intake.settings import Settings


class ReadPage(BaseModel):
    """One page's document and, for a form, its page image (JPEG bytes)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    document: Document
    image: bytes | None


def read_upload(path: Path, settings: Settings) -> Iterator[ReadPage]:
    """Every page of ``path`` as a document with its image; InputError if unreadable."""
    today = settings.current_day()
    for page in read_input(path, dpi=settings.render_dpi):
        if isinstance(page, DigitalPage):
            form = classify_digital(page)
            values = read_digital(page, form, today=today)
            document = build_document(page.source, page.page, form, values, today=today,
                                      review_below=settings.review_below)
            pixels = next(render_pdf(path, dpi=WORK_DPI, grey=True, pages={page.page}))
            yield ReadPage(document=document, image=page_jpeg(pixels))
            continue
        alignment, aligned = align_page(page)
        if aligned is None or alignment.kind in ("blank", "unknown"):
            yield ReadPage(document=empty_document(page.source, page.page, alignment.kind),
                           image=page_jpeg(page.image, thumbnail=True))
            continue
        values = read_fields(aligned, alignment.kind, engine=None, today=today)
        document = build_document(page.source, page.page, alignment.kind, values, today=today,
                                  review_below=settings.review_below)
        yield ReadPage(document=document, image=page_jpeg(aligned))


def page_jpeg(pixels: np.ndarray, *, thumbnail: bool = False) -> bytes:
    """A grey page as JPEG: full A4 at WORK_DPI, or a small thumbnail."""
    image = Image.fromarray(pixels).convert("L")
    if thumbnail:
        image.thumbnail((PAGE_W_PX // 3, PAGE_H_PX // 3))
    elif image.size != (PAGE_W_PX, PAGE_H_PX):
        image = image.resize((PAGE_W_PX, PAGE_H_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()
