"""The extraction job, as its table of contents:

load → split pages → classify & align → read fields → map & validate.

Each step lives in the package that owns it; this module only strings them
together and spreads pages over worker processes.
"""

from __future__ import annotations

import ctypes
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from intake.digital import classify_digital, read_digital
from intake.errors import InputError
from intake.inputs import DigitalPage, Page, PageRef, list_pages, load_page
from intake.mapping.document import Document, build_document, empty_document
from intake.ocr.align import align_page, load_blank_forms
from intake.ocr.fields import load_reading_data, read_fields
from intake.settings import Settings

log = logging.getLogger(__name__)

#: Pages sent to the pool ahead of the one awaited, per worker: enough that a slow
#: page does not leave the other workers idle; a page in flight is only a reference.
AHEAD_PER_WORKER = 4
#: The OpenBLAS builds a worker has loaded (numpy's, OpenCV's) and the names of the
#: function that sets their thread count (numpy's scipy-openblas first).
BLAS_LIBRARY = "openblas"
BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                "openblas_set_num_threads")


class InputFailure(BaseModel):
    """An input that could not be read at all; the others still finish."""

    source: str
    message: str


#: A listed item and the position of its input among the inputs (the same file may
#: come twice; a failure ends only its own input).
_Listed = tuple[int, DigitalPage | PageRef | InputFailure]
_Done = tuple[int, Document | InputFailure]
_Pending = tuple[int, Future[Document | InputFailure] | Document | InputFailure]


def extract(paths: Iterable[Path], settings: Settings) -> Iterator[Document | InputFailure]:
    """Documents of every page of every input, in input order; failures in between.

    An input that fails part-way (a page that cannot be decoded) gives its documents
    up to there, then its failure, and nothing more."""
    listed = _all_pages(paths, settings)
    read = _in_turn(listed, settings) if settings.workers <= 1 else _in_parallel(listed, settings)
    failed: set[int] = set()
    for index, item in read:
        if index in failed:
            continue
        if isinstance(item, InputFailure):
            failed.add(index)
        yield item


def read_page(page: Page | PageRef, settings: Settings) -> Document:
    """One page → its document: load, classify, align, read, map and validate."""
    return read_page_aligned(page, settings)[0]


def read_page_aligned(page: Page | PageRef,
                      settings: Settings) -> tuple[Document, np.ndarray | None]:
    """:func:`read_page`, also giving a scanned form page as aligned to its blank form
    (what a reviewer is shown); None for digital, blank and unknown pages."""
    today = settings.today or date.today()
    if isinstance(page, PageRef):
        page = load_page(page)
    if isinstance(page, DigitalPage):
        form = classify_digital(page)
        values = read_digital(page, form, today=today)
        return build_document(page.source, page.page, form, values, today=today,
                              review_below=settings.review_below), None
    alignment, aligned = align_page(page)
    if aligned is None or alignment.kind in ("blank", "unknown"):
        return empty_document(page.source, page.page, alignment.kind), None
    values = read_fields(aligned, alignment.kind, engine=None, today=today)
    return build_document(page.source, page.page, alignment.kind, values, today=today,
                          review_below=settings.review_below), aligned


def _read(page: DigitalPage | PageRef, settings: Settings) -> Document | InputFailure:
    """``read_page``, with a page that cannot be decoded as its input's failure."""
    try:
        return read_page(page, settings)
    except InputError as exc:
        log.warning("%s", exc.message)
        return InputFailure(source=page.source, message=exc.message)


def _all_pages(paths: Iterable[Path], settings: Settings) -> Iterator[_Listed]:
    for index, path in enumerate(paths):
        try:
            for page in list_pages(path, dpi=settings.render_dpi):
                yield index, page
        except InputError as exc:
            log.warning("%s", exc.message)
            yield index, InputFailure(source=path.name, message=exc.message)


def _in_turn(listed: Iterator[_Listed], settings: Settings) -> Iterator[_Done]:
    for index, item in listed:
        yield index, item if isinstance(item, InputFailure) else _read(item, settings)


def _in_parallel(listed: Iterator[_Listed], settings: Settings) -> Iterator[_Done]:
    """Scanned pages to a process pool, which loads them too, results in order. Digital
    pages need no OCR and are read here; the pool starts only when the first scanned
    page arrives."""
    window: deque[_Pending] = deque()
    with ExitStack() as stack:
        pool: ProcessPoolExecutor | None = None
        for index, item in listed:
            if isinstance(item, PageRef):
                if pool is None:
                    pool = _start_pool(settings.workers)
                    # pages not started yet are dropped when the caller stops early
                    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
                window.append((index, pool.submit(_read, item, settings)))
            else:
                window.append((index, item if isinstance(item, InputFailure)
                               else _read(item, settings)))
            while len(window) > AHEAD_PER_WORKER * settings.workers:
                yield _result(window.popleft())
        while window:
            yield _result(window.popleft())


def _result(pending: _Pending) -> _Done:
    index, item = pending
    return index, item.result() if isinstance(item, Future) else item


def _start_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes. What every page needs (the blank forms, models,
    tables) is loaded here first, so that forked workers start with it."""
    load_blank_forms()
    load_reading_data()
    return ProcessPoolExecutor(workers, initializer=_start_worker)


def _start_worker() -> None:
    _single_threaded_blas()


def _single_threaded_blas() -> None:
    """Every loaded OpenBLAS (numpy's, OpenCV's) to one thread, in a worker. Its extra
    threads keep spinning after each small product (the digit classifier's), taking
    the core another worker needs: measured ~120 ms of processor time per page. The
    workers already keep every core busy."""
    for path in _loaded_libraries(BLAS_LIBRARY):
        setter = _blas_setter(ctypes.CDLL(path))
        if setter is None:
            log.debug("%s: no thread setting found; it keeps its threads", path)
            continue
        setter.argtypes = [ctypes.c_int]
        setter(1)


def _blas_setter(library: ctypes.CDLL) -> Any:
    for name in BLAS_SETTERS:
        setter = getattr(library, name, None)
        if setter is not None:
            return setter
    return None


def _loaded_libraries(part: str) -> list[str]:
    """Paths of the shared libraries loaded in this process whose file name has ``part``."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = {line.split()[-1] for line in maps.splitlines() if "/" in line}
    return sorted(p for p in paths if part in Path(p).name and ".so" in Path(p).name)
