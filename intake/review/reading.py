"""Reading an uploaded file for review: each page's document and its page image.

The reviewer sees the page aligned to its blank form (so the form definition's
widget rectangles are where the boxes are drawn) — for a scan the aligned image
the reader used (:meth:`intake.pipeline.Reader.read_aligned`), for a digitally
filled PDF the page rendered. Both are grey at ``WORK_DPI``; blank and unknown
pages keep no image.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from intake.errors import InputError
from intake.forms import FORM_IDS
from intake.load.inputs import DigitalPage, Page, PageRef, list_pages, read_input
from intake.load.render import render_page_within
from intake.mapping.document import Document
from intake.pipeline import Reader, worker_reader
from intake.reads import PAGE_H_PX, PAGE_W_PX, WORK_DPI


class ReadPage(BaseModel):
    """One page's document and, for a form, its page image (JPEG bytes)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    document: Document
    image: bytes | None
    #: how long reading the page took, in the reading process
    seconds: float | None = None


def read_upload(path: Path, reader: Reader) -> Iterator[ReadPage]:
    """Every page of ``path`` as a document with its image; InputError if unreadable."""
    settings = reader.settings
    for page in read_input(path, dpi=settings.render_dpi, max_pages=settings.max_pages_per_file,
                           max_pixels=settings.max_pixels_per_page):
        yield _read(path, page, reader)


def read_page(path: Path, number: int, reader: Reader | None = None) -> ReadPage:
    """Page ``number`` (1-based) of ``path`` as a document with its image, read as
    ``extract`` reads it; in a reading pool's process, by that process's reader.
    InputError if the file or the page cannot be read."""
    reader = reader or worker_reader()
    pages = _listed(path, reader.settings.render_dpi, reader.settings.max_pages_per_file,
                    reader.settings.max_pixels_per_page)
    if not 1 <= number <= len(pages):
        raise InputError(f"{path.name}: sidan {number} finns inte.")
    return _read(path, pages[number - 1], reader)


@lru_cache(maxsize=4)
def _listed(path: Path, dpi: int, max_pages: int,
            max_pixels: int) -> tuple[DigitalPage | PageRef, ...]:
    """The pages of a file, listed once per process for the page jobs that follow
    (a stored upload never changes: it is named by its SHA-256)."""
    return tuple(list_pages(path, dpi=dpi, max_pages=max_pages, max_pixels=max_pixels))


def _read(path: Path, page: Page | PageRef, reader: Reader) -> ReadPage:
    settings = reader.settings
    started = time.perf_counter()
    document, aligned = reader.read_aligned(page)
    if aligned is not None:
        image: bytes | None = page_jpeg(aligned)
    elif isinstance(page, DigitalPage) and document.form in FORM_IDS:
        image = page_jpeg(render_page_within(path, page.page, dpi=WORK_DPI,
                                             max_pixels=settings.max_pixels_per_page)[0])
    else:
        image = None
    return ReadPage(document=document, image=image, seconds=time.perf_counter() - started)


def page_jpeg(pixels: np.ndarray) -> bytes:
    """A grey form page as JPEG, A4 at WORK_DPI."""
    image = Image.fromarray(pixels).convert("L")
    if image.size != (PAGE_W_PX, PAGE_H_PX):
        image = image.resize((PAGE_W_PX, PAGE_H_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)  # optimize: ~3 % smaller, 2-3× the encoding time
    return out.getvalue()


def pages_pdf(jpegs: list[bytes]) -> bytes:
    """Page images (JPEG, at ``WORK_DPI``) as one PDF of those pages, in order: the
    scan of a form of several pages as one file."""
    pages = [Image.open(io.BytesIO(data)) for data in jpegs]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=WORK_DPI)
    return out.getvalue()
