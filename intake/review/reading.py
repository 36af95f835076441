"""Reading an uploaded file for review: each page's document and its page image.

The reviewer sees the page aligned to its blank form (so the form definition's
widget rectangles are where the boxes are drawn) — for a scan the aligned image
the reader used (:meth:`intake.pipeline.Reader.read_aligned`), for a digitally
filled PDF the page rendered. Both are grey at ``WORK_DPI``; blank and unknown
pages keep no image.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from intake.forms import FORM_IDS
from intake.load.inputs import DigitalPage, read_input
from intake.load.render import render_page_within
from intake.mapping.document import Document
from intake.pipeline import Reader
from intake.reads import PAGE_H_PX, PAGE_W_PX, WORK_DPI


class ReadPage(BaseModel):
    """One page's document and, for a form, its page image (JPEG bytes)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    document: Document
    image: bytes | None


def read_upload(path: Path, reader: Reader) -> Iterator[ReadPage]:
    """Every page of ``path`` as a document with its image; InputError if unreadable."""
    settings = reader.settings
    for page in read_input(path, dpi=settings.render_dpi, max_pages=settings.max_pages_per_file,
                           max_pixels=settings.max_pixels_per_page):
        document, aligned = reader.read_aligned(page)
        if aligned is not None:
            image: bytes | None = page_jpeg(aligned)
        elif isinstance(page, DigitalPage) and document.form in FORM_IDS:
            image = page_jpeg(render_page_within(path, page.page, dpi=WORK_DPI,
                                                 max_pixels=settings.max_pixels_per_page)[0])
        else:
            image = None
        yield ReadPage(document=document, image=image)


def page_jpeg(pixels: np.ndarray) -> bytes:
    """A grey form page as JPEG, A4 at WORK_DPI."""
    image = Image.fromarray(pixels).convert("L")
    if image.size != (PAGE_W_PX, PAGE_H_PX):
        image = image.resize((PAGE_W_PX, PAGE_H_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()
