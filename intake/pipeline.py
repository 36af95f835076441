"""The extraction job, as its table of contents:

load → split pages → classify & align → read fields → map & validate.

Each step lives in the package that owns it; this module only strings them
together and spreads pages over worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from intake.digital import classify_digital, read_digital
from intake.errors import InputError
from intake.inputs import DigitalPage, Page, read_input
from intake.mapping.document import Document, build_document, empty_document
from intake.ocr.align import align_page
from intake.ocr.fields import read_fields
from intake.settings import Settings

log = logging.getLogger(__name__)


class InputFailure(BaseModel):
    """An input that could not be read at all; the others still finish."""

    source: str
    message: str


def extract(paths: Iterable[Path], settings: Settings) -> Iterator[Document | InputFailure]:
    """Documents of every page of every input, in input order; failures in between."""
    pages = _all_pages(paths, settings)
    if settings.workers <= 1:
        for item in pages:
            yield item if isinstance(item, InputFailure) else read_page(item, settings)
        return
    yield from _in_parallel(pages, settings)


def read_page(page: Page, settings: Settings) -> Document:
    """One page → its document: classify, align, read, map and validate."""
    today = settings.today or date.today()
    if isinstance(page, DigitalPage):
        form = classify_digital(page)
        values = read_digital(page, form, today=today)
    else:
        alignment, aligned = align_page(page)
        if aligned is None or alignment.kind in ("blank", "unknown"):
            return empty_document(page.source, page.page, alignment.kind)
        form = alignment.kind
        values = read_fields(aligned, form, engine=None, today=today)
    return build_document(page.source, page.page, form, values, today=today,
                          review_below=settings.review_below)


def _all_pages(paths: Iterable[Path], settings: Settings) -> Iterator[Page | InputFailure]:
    for path in paths:
        try:
            yield from read_input(path, dpi=settings.render_dpi)
        except InputError as exc:
            log.warning("%s", exc.message)
            yield InputFailure(source=path.name, message=exc.message)


def _in_parallel(pages: Iterator[Page | InputFailure],
                 settings: Settings) -> Iterator[Document | InputFailure]:
    """Scanned pages to a process pool, at most ``2 × workers`` in flight, results in
    order. Digital pages need no OCR and are read here; the pool starts only when the
    first scanned page arrives."""
    window: list[Future[Document] | Document | InputFailure] = []
    with ExitStack() as stack:
        pool: ProcessPoolExecutor | None = None
        for item in pages:
            if isinstance(item, InputFailure):
                window.append(item)
            elif isinstance(item, DigitalPage):
                window.append(read_page(item, settings))
            else:
                if pool is None:
                    pool = stack.enter_context(ProcessPoolExecutor(settings.workers))
                window.append(pool.submit(read_page, item, settings))
            while len(window) > 2 * settings.workers:
                yield _result(window.pop(0))
        while window:
            yield _result(window.pop(0))


def _result(item: Future[Document] | Document | InputFailure) -> Document | InputFailure:
    return item.result() if isinstance(item, Future) else item
