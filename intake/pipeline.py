"""The extraction job, as its table of contents (:meth:`Reader.read_aligned`):

1. load — ``intake.load.inputs``: list an input's pages, decode or render each
2. digital forms — ``intake.load.digital``: which form, its widget values, no OCR
3. classify & align — ``intake.ocr.align``: which form a scan is, warped onto it
   (blank and unknown pages end here)
4. read fields — ``intake.ocr.fields``: ticks, signature, text and digits as seen
5. interpret — ``intake.mapping.interpret``: every field typed, with a confidence
6. validate — ``intake.mapping.document``: SPEC §3 rules, what needs review
7. join pages — ``intake.mapping.pages``: a learned template's later page (fields on
   page 2, a page of text) into the document of the page before it (:func:`_joined`)

Each step lives in the package that owns it; this module only strings them together
and spreads pages over worker processes. What reading needs — the settings, the
learned models (``intake.learned``) and the Tesseract engine — is one
:class:`Reader`, made once per process and passed down.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from intake.errors import InputError
from intake.forms.reading import ActiveTemplates, ReadingTemplate
from intake.forms.store import TemplateStore
from intake.learned import ReadingModels
from intake.load.digital import classify_digital, digital_reads
from intake.load.inputs import DigitalPage, Page, PageRef, count_pages, list_pages, load_page
from intake.mapping import interpret
from intake.mapping.base import Context
from intake.mapping.document import Document, build_document, empty_document
from intake.mapping.interpret import interpret_page
from intake.mapping.pages import MISSING_PAGE, completed, follows, join_reads
from intake.ocr import fields
from intake.ocr.align import align_page, load_blank_forms
from intake.ocr.fields import read_fields
from intake.ocr.tesseract import TextEngine, shared_engine
from intake.progress import on_terminal, progress
from intake.reads import Alignment, PageReads
from intake.settings import Settings

log = logging.getLogger(__name__)

#: Pages sent to the pool ahead of the one awaited, per worker: enough that a slow
#: page does not leave the other workers idle; a page in flight is only a reference.
AHEAD_PER_WORKER = 4
#: The OpenBLAS builds a worker has loaded (numpy's, OpenCV's) and the names of the
#: function that sets their thread count (numpy's scipy-openblas first).
BLAS_LIBRARY = "openblas"
#: prctl(2)'s option giving a process a signal when its parent dies.
PR_SET_PDEATHSIG = 1
BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                "openblas_set_num_threads")


class InputFailure(BaseModel):
    """An input that could not be read at all; the others still finish."""

    source: str
    message: str


@dataclass(frozen=True)
class Reader:
    """Everything reading a page needs, made once per process: the settings, the
    learned models, the Tesseract engine (``settings.tesseract_cmd`` and
    ``tesseract_lang``) and the active templates (the built-in ones unless a store is
    given)."""

    settings: Settings
    models: ReadingModels
    templates: ActiveTemplates = field(default_factory=lambda: ActiveTemplates(None))

    @classmethod
    def load(cls, settings: Settings, models: ReadingModels | None = None) -> Reader:
        """A reader with ``models`` (default: the shipped ones, loaded now) and the
        active templates of ``settings.template_dir()``, reloaded when they change."""
        store = TemplateStore(settings.template_dir())
        return cls(settings, models or ReadingModels.shipped(), ActiveTemplates(store))

    @property
    def engine(self) -> TextEngine:
        return shared_engine(self.settings.tesseract_cmd, self.settings.tesseract_lang)

    def context(self) -> Context:
        """What interpreting knows besides the reads: today, the review line, the models."""
        return Context(today=self.settings.current_day(), calibration=self.models.text,
                       priors=self.models.priors, review_below=self.settings.review_below,
                       review_lines=self.models.review)

    def read(self, page: Page | PageRef) -> Document:
        """One page → its document: load, classify, align, read, interpret, validate."""
        return self.read_aligned(page)[0]

    def read_aligned(self, page: Page | PageRef) -> tuple[Document, np.ndarray | None]:
        """:meth:`read`, also giving a scanned form page as aligned to its blank form
        (what a reviewer is shown); None for digital, blank and unknown pages."""
        if isinstance(page, PageRef):
            page = load_page(page)
        if isinstance(page, DigitalPage):
            form = classify_digital(page)
            return self._document(page.source, page.page, digital_reads(page, form)), None
        templates = self.templates.current()
        alignment, aligned = align_page(page, templates=templates, engine=self.engine)
        if aligned is None or alignment.kind in ("blank", "unknown"):
            return empty_document(page.source, page.page, alignment.kind), None
        template = _aligned_onto(alignment, templates)
        reads = read_fields(aligned, template, engine=self.engine, models=self.models)
        document = self._document(page.source, [page.page], reads)
        if isinstance(template, ReadingTemplate) and template.page_count > 1:
            document = document.model_copy(update={"parts": [reads]})
        return document, aligned

    def warm_up(self) -> None:
        """Load now what every page needs (the blank forms of the active templates,
        layouts, word lists, tesserocr), so that worker processes forked afterwards
        start with it."""
        templates = self.templates.current()
        load_blank_forms(templates)
        fields.warm_up(templates)
        interpret.warm_up()

    def joined(self, document: Document, later: Document) -> Document:
        """``later`` (the next page of the form's template) joined to ``document``: one
        document of both pages, every field read again from the pages' reads."""
        return self.of_parts(document.source, [*document.pages, *later.pages],
                             [*document.parts, *later.parts])

    def of_parts(self, source: str, pages: list[int], parts: list[PageReads]) -> Document:
        """The document of a form's pages each read on its own (``parts``, in page
        order): every field read again from the pages' reads together."""
        joined = self._document(source, pages, join_reads(parts))
        return joined.model_copy(update={"parts": parts})

    def _document(self, source: str, pages: int | list[int], reads: PageReads) -> Document:
        context = self.context()
        missing: list[str] = []
        if not reads.exact:
            reads, missing = completed(reads)  # a form's page not in the input
        values = interpret_page(reads, context)
        for name in missing:
            values[name] = values[name].model_copy(
                update={"confidence": 0.0, "problem": MISSING_PAGE})
        document = build_document(source, pages if isinstance(pages, list) else [pages],
                                  reads.form, values, today=context.today,
                                  review_below=context.review_below, lines=context.review_lines)
        return document.model_copy(update={"template": reads.template})


def _continues(document: Document, later: Document) -> bool:
    """``later`` is the next page of ``document``'s template, on the next page of the
    same input."""
    if not document.parts or not later.parts or later.source != document.source:
        return False
    return (later.pages[0] == document.pages[-1] + 1
            and follows(document.parts[-1], later.parts[0]))


def _joined(done: Iterator[_Done], reader: Reader) -> Iterator[_Done]:
    """Documents in input order, each later page of a template of several pages joined
    to the document of its page before (a page of it with no page before it stays a
    document of its own, its other pages' fields flagged as missing)."""
    held: _Done | None = None
    for index, item in done:
        if (held is not None and held[0] == index and isinstance(item, Document)
                and isinstance(held[1], Document) and _continues(held[1], item)):
            held = (index, reader.joined(held[1], item))
            continue
        if held is not None:
            yield held
            held = None
        if isinstance(item, Document) and item.parts:
            held = (index, item)
        else:
            yield index, item
    if held is not None:
        yield held


def _aligned_onto(alignment: Alignment, templates: tuple[ReadingTemplate, ...]
                  ) -> ReadingTemplate | str:
    """The template (and page of it) a page was aligned onto (its form's built-in
    layout if unnamed)."""
    found = [t for t in templates if t.ref == alignment.template]
    return found[0] if found else alignment.kind


#: A listed item and the position of its input among the inputs (the same file may
#: come twice; a failure ends only its own input).
_Listed = tuple[int, DigitalPage | PageRef | InputFailure]
_Done = tuple[int, Document | InputFailure]
_Pending = tuple[int, Future[Document | InputFailure] | Document | InputFailure]


def extract(paths: Iterable[Path], settings: Settings,
            models: ReadingModels | None = None) -> Iterator[Document | InputFailure]:
    """Documents of every page of every input, in input order; failures in between.

    An input that fails part-way (a page that cannot be decoded) gives its documents
    up to there, then its failure, and nothing more. On a terminal, a bar on standard
    error shows the pages read, the rate and the time left (``intake.progress``)."""
    paths = list(paths)
    reader = Reader.load(settings, models)
    listed = _all_pages(paths, settings)
    read = _joined(_in_turn(listed, reader) if settings.workers <= 1
                   else _in_parallel(listed, reader), reader)
    failed: set[int] = set()
    total = _page_total(paths, settings) if on_terminal() else None
    with progress("Läser sidor", total=total, unit="sida", leave=False) as bar:
        for index, item in read:
            if index in failed:
                continue
            if isinstance(item, InputFailure):
                failed.add(index)
            else:
                bar.advance(len(item.pages) or 1)
            yield item


def _page_total(paths: list[Path], settings: Settings) -> int:
    """The pages of every input that can be counted (for the progress bar only: an
    input that cannot is reported when it is read)."""
    total = 0
    for path in paths:
        try:
            total += count_pages(path, max_pages=settings.max_pages_per_file)
        except InputError:
            continue
    return total


def _read(page: DigitalPage | PageRef, reader: Reader | None = None) -> Document | InputFailure:
    """The page's document, with a page that cannot be decoded as its input's failure;
    in a worker process, read by the worker's reader."""
    reader = reader or _worker_reader()
    try:
        return reader.read(page)
    except InputError as exc:
        log.warning("%s", exc.message)
        return InputFailure(source=page.source, message=exc.message)


def _all_pages(paths: Iterable[Path], settings: Settings) -> Iterator[_Listed]:
    for index, path in enumerate(paths):
        try:
            for page in list_pages(path, dpi=settings.render_dpi,
                                   max_pages=settings.max_pages_per_file,
                                   max_pixels=settings.max_pixels_per_page):
                yield index, page
        except InputError as exc:
            log.warning("%s", exc.message)
            yield index, InputFailure(source=path.name, message=exc.message)


def _in_turn(listed: Iterator[_Listed], reader: Reader) -> Iterator[_Done]:
    """Each page read here, one after another, as a pool's worker reads it: with one
    BLAS thread (a second one spinning after the digit classifier's small products
    took ~3x the processor time of ``extract --workers 1`` on hand pages)."""
    _single_threaded_blas()
    for index, item in listed:
        yield index, item if isinstance(item, InputFailure) else _read(item, reader)


def _in_parallel(listed: Iterator[_Listed], reader: Reader) -> Iterator[_Done]:
    """Scanned pages to a process pool, which loads them too, results in order. Digital
    pages need no OCR and are read here; the pool starts only when the first scanned
    page arrives."""
    workers = reader.settings.workers
    window: deque[_Pending] = deque()
    with ExitStack() as stack:
        pool: ProcessPoolExecutor | None = None
        for index, item in listed:
            if isinstance(item, PageRef):
                if pool is None:
                    pool = _start_pool(reader)
                    # pages not started yet are dropped when the caller stops early
                    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
                window.append((index, pool.submit(_read, item)))
            else:
                window.append((index, item if isinstance(item, InputFailure)
                               else _read(item, reader)))
            while len(window) > AHEAD_PER_WORKER * workers:
                yield _result(window.popleft())
        while window:
            yield _result(window.popleft())


def _result(pending: _Pending) -> _Done:
    index, item = pending
    return index, item.result() if isinstance(item, Future) else item


# --- worker processes ---------------------------------------------------------------------

#: The reader of this worker process, set once by the pool's initializer.
_WORKER: list[Reader] = []


def _start_pool(reader: Reader) -> ProcessPoolExecutor:
    """A pool of ``settings.workers`` processes, each given ``reader``. What every page
    needs is loaded here first, so that forked workers start with it."""
    reader.warm_up()
    return ProcessPoolExecutor(reader.settings.workers, initializer=_start_worker,
                               initargs=(reader,))


def _start_worker(reader: Reader) -> None:
    _single_threaded_blas()
    _WORKER[:] = [reader]


def start_reading_pool(reader: Reader, workers: int, *, nice: int = 0) -> ProcessPoolExecutor:
    """A pool of ``workers`` reading processes for a service's page jobs, set up as
    ``extract``'s (the reading data loaded once before forking, single-threaded BLAS),
    and at ``nice`` (lower CPU priority than the process serving people). The
    processes ignore SIGINT and SIGTERM: the process owning the pool decides when a
    page is abandoned and shuts the pool down. They are forked whatever this process's
    default start method (``serve``'s reading process is spawned, and a pool spawned
    from it would load the reading data again in every process)."""
    reader.warm_up()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_service_worker,
                               initargs=(reader, nice, os.getpid()))
    for ready in [pool.submit(os.getpid) for _ in range(workers)]:
        ready.result()  # started now, before the caller starts threads or an event loop
    return pool


def _start_service_worker(reader: Reader, nice: int, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent(parent)
    lower_priority(nice)
    _start_worker(reader)


def lower_priority(nice: int) -> None:
    """This process at ``nice`` at least (a pool started by a process already at a
    lower priority keeps that one, not twice as low)."""
    current = os.nice(0)
    if nice > current:
        os.nice(nice - current)


def die_with_parent(parent: int) -> None:
    """A reading process ends when the process that owns it dies, even by SIGKILL
    (Linux's PR_SET_PDEATHSIG), rather than lingering with what it holds."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died while this process started
        os._exit(1)


def worker_reader() -> Reader:
    """The reader of this pool process (given by :func:`start_reading_pool`)."""
    return _worker_reader()


def _worker_reader() -> Reader:
    if not _WORKER:
        raise RuntimeError("a page was sent to a process whose pool gave it no reader")
    return _WORKER[0]


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
