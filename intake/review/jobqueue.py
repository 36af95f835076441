"""Page jobs on procrastinate, the PostgreSQL job engine (the embedded SQLite store
reads with a local runner instead: :mod:`.runner`).

Why procrastinate: its jobs live in the same PostgreSQL as the uploads and are
queued in the *same transaction* (an upload is never stored without its job, nor a
listing without its page jobs); workers take jobs with ``SKIP LOCKED`` and wake on
LISTEN/NOTIFY; each worker keeps a heartbeat, and the jobs a dead worker held
(SIGKILL, a lost machine) are found by :func:`recover_stalled` and run again by
another. A worker stopped with SIGTERM or SIGINT finishes the pages it is reading
and exits.

Two tasks: ``list_uploads`` (one per upload request, however many files it brought:
their pages counted, a ``read_page`` job queued per page still missing, all in one
transaction) and ``read_page`` (one page read in this worker's reading pool — the
processes ``extract`` uses — and its document written once,
:func:`intake.review.jobs.store_page`). A job per file was an eighth of the worker's
processor time on a batch of one-page files (its fetch, its own transactions, its
end), and a page job looked up its upload's file in a transaction of its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procrastinate import App, PsycopgConnector, SyncPsycopgConnector
from procrastinate.jobs import Job
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from intake.errors import InputError
from intake.review import jobs
from intake.review.schema import Upload
from intake.review.state import ServiceState

if TYPE_CHECKING:  # reading is imported by the processes that read, not by the web's
    from intake.review.reading import ReadPage

log = logging.getLogger(__name__)

QUEUE = "reading"
LIST_TASK = "intake.list_uploads"
#: The listing job of one upload, as queued before uploads were listed per batch: run
#: still if queued then.
LIST_ONE_TASK = "intake.list_upload"
#: The advisory lock of :func:`adopt_unqueued` ("SUSA").
ADOPT_LOCK = 0x53555341
PAGE_TASK = "intake.read_page"
#: Page jobs a worker holds per reading process: while one is read, the next is
#: already waiting in the pool, so no process sits idle while a page is written and
#: the next job fetched.
AHEAD_PER_PROCESS = 2
#: How long an idle worker waits for a NOTIFY before looking for jobs anyway
#: (procrastinate's default is 5 s: a notification missed while the worker was
#: fetching left the processes idle that long, in a batch read in a few seconds).
FETCH_POLL_SECONDS = 0.5
#: Uploads whose file a worker remembers (their page jobs come close together).
PATHS_KEPT = 256


def uses_jobqueue(session_or_state: Session | ServiceState) -> bool:
    """Reading runs on procrastinate when the store is PostgreSQL."""
    if isinstance(session_or_state, Session):
        return session_or_state.get_bind().dialect.name == "postgresql"
    return session_or_state.store.engine.dialect.name == "postgresql"


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- queueing, inside the caller's transaction ---------------------------------------------

@cache
def _queueing() -> App:
    """The app jobs are queued through: it never opens a pool of its own, each job
    goes through the connection of the transaction that stores what it is about."""
    return App(connector=SyncPsycopgConnector())


def enqueue_uploads(session: Session, upload_ids: list[int]) -> None:
    """Queue the reading of stored uploads, one job for all, in ``session``'s
    transaction (PostgreSQL); the local runner finds queued uploads by their status."""
    if upload_ids and uses_jobqueue(session):
        _defer(session, [{"task_name": LIST_TASK,
                          "task_kwargs": {"upload_ids": sorted(upload_ids)}}])


def enqueue_pages(session: Session, todo: dict[int, list[int]]) -> None:
    """Queue a ``read_page`` job per page (upload id → pages), all in one statement, in
    ``session``'s transaction (PostgreSQL)."""
    if todo and uses_jobqueue(session):
        _defer(session, [{"task_name": PAGE_TASK,
                          "task_kwargs": {"upload_id": upload_id, "page": page}}
                         for upload_id, pages in sorted(todo.items()) for page in pages])


def _defer(session: Session, specs: list[dict[str, Any]]) -> None:
    connection = session.connection().connection.driver_connection
    _queueing().job_manager.batch_defer_jobs(
        [Job(id=None, queue=QUEUE, lock=None, queueing_lock=None, **spec) for spec in specs],
        connection=connection)


def adopt_unqueued(state: ServiceState) -> list[int]:
    """Uploads waiting to be read with no job of theirs queued or running — left by
    the poller before page jobs (an upload stranded "Läses" by a killed reader) —
    get their listing job; their ids. Workers starting together do it one at a time."""
    with state.store.transaction() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADOPT_LOCK})
        stranded = list(session.scalars(text(
            "SELECT id FROM review_upload WHERE status IN ('queued', 'processing')"
            " AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs AS job"
            " WHERE job.status IN ('todo', 'doing')"
            " AND ((job.args ->> 'upload_id') = review_upload.id::text"
            " OR (job.args -> 'upload_ids') @> to_jsonb(review_upload.id))) ORDER BY id")))
        enqueue_uploads(session, stranded)
    if stranded:
        log.warning("%d uploads waiting without a job were queued again", len(stranded))
    return stranded


# --- the worker -------------------------------------------------------------------------------


@dataclass
class _Runtime:
    """What this worker process's tasks use: the service and its reading pool."""

    state: ServiceState
    pool: ProcessPoolExecutor
    writer: Writer
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: the files of the uploads whose pages this worker read lately (upload id → path)
    paths: dict[int, Path] = field(default_factory=dict)

    def read(self, upload_id: int, page: int) -> ReadPage:
        from intake.review.reading import read_page

        path = self.path_of(upload_id)
        pool = self.pool
        try:
            return pool.submit(read_page, path, page).result()
        except BrokenProcessPool:  # a reading process died (killed): a new pool, and
            with self.lock:        # the job fails now to be run again
                if self.pool is pool:
                    self.pool = _pool(self.state)
            raise

    def path_of(self, upload_id: int) -> Path:
        """An upload's file, looked up once for all its page jobs (it never changes)."""
        path = self.paths.get(upload_id)
        if path is None:
            with self.state.store.transaction(read_only=True) as session:
                path = self.state.files.upload_path(session.get_one(Upload, upload_id).sha256)
            with self.lock:
                if len(self.paths) >= PATHS_KEPT:
                    self.paths.clear()
                self.paths[upload_id] = path
        return path


@dataclass
class Write:
    """A page read by a job, waiting to be written."""

    page: jobs.PageRead
    written: bool | None = None
    error: Exception | None = None


class Writer:
    """The pages this worker's jobs read, written together: a job hands its page over
    and waits until it is committed (a job ends only once its page is in); the job
    whose turn it is writes every page then waiting, in one transaction
    (:func:`intake.review.jobs.store_pages`). Alone, a page is written at once; pages
    finishing while a write is under way go together in the next. Should that
    transaction fail, its pages are written one by one, so that only the page at
    fault fails its job."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state
        self._turn = threading.Lock()
        self._lock = threading.Lock()
        self._waiting: list[Write] = []

    def write(self, upload_id: int, page: int, read: ReadPage) -> bool:
        mine = Write((upload_id, page, read))
        with self._lock:
            self._waiting.append(mine)
        with self._turn:
            if mine.written is None and mine.error is None:  # not written by another
                with self._lock:
                    batch, self._waiting = self._waiting, []
                self.write_together(batch)
        if mine.error is not None:
            raise mine.error
        return bool(mine.written)

    def write_together(self, batch: list[Write]) -> None:
        try:
            for item, written in zip(batch, jobs.store_pages(
                    self._state, [item.page for item in batch]), strict=True):
                item.written = written
            return
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
        for item in batch:
            try:
                item.written = jobs.store_page(self._state, *item.page)
            except Exception as exc:
                item.error = exc


_RUNTIME: list[_Runtime] = []


def _runtime() -> _Runtime:
    if not _RUNTIME:
        raise RuntimeError("a page job ran in a process that is not a reading worker")
    return _RUNTIME[0]


def _list_uploads(upload_ids: list[int]) -> None:
    jobs.list_uploads(_runtime().state, upload_ids, then=enqueue_pages)


def _list_upload(upload_id: int) -> None:
    _list_uploads([upload_id])


def _read_page(upload_id: int, page: int) -> None:
    runtime = _runtime()
    try:
        read = runtime.read(upload_id, page)
    except BrokenProcessPool:
        raise
    except Exception as exc:  # the file (InputError) or a bug: the upload says which
        if not isinstance(exc, InputError):
            log.exception("reading page %d of upload %d failed", page, upload_id)
        jobs.fail_page(runtime.state, upload_id, page, exc)
        return
    runtime.writer.write(upload_id, page, read)


def worker_app(state: ServiceState) -> App:
    """The procrastinate app a worker runs: its tasks, on the store's PostgreSQL."""
    # its connections' backends keep the server's priority (not the readers' nice, as
    # the page writes'): a heartbeat late on a busy machine gets its jobs run again
    app = App(connector=PsycopgConnector(conninfo=conninfo(state.settings.store_url())))
    app.task(name=LIST_TASK, queue=QUEUE, retry=3)(_list_uploads)
    app.task(name=LIST_ONE_TASK, queue=QUEUE, retry=3)(_list_upload)
    app.task(name=PAGE_TASK, queue=QUEUE, retry=3)(_read_page)
    return app


def _pool(state: ServiceState) -> ProcessPoolExecutor:
    from intake.pipeline import start_reading_pool

    return start_reading_pool(state.reader, max(1, state.settings.workers),
                              nice=state.settings.reader_nice)


async def recover_stalled(app: App, stalled_seconds: float) -> int:
    """The page jobs of workers silent for ``stalled_seconds`` (dead) queued again."""
    stalled = list(await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=stalled_seconds))
    for job in stalled:
        log.warning("job %s (%s) of a stopped worker is run again", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


async def _keep_recovering(app: App, state: ServiceState) -> None:
    while True:
        try:
            await recover_stalled(app, state.settings.job_stalled_seconds)
        except Exception:  # the database away for a moment: try again next beat
            log.exception("looking for stalled jobs failed")
        await asyncio.sleep(state.settings.job_heartbeat_seconds)


def reading_pool(state: ServiceState) -> ProcessPoolExecutor:
    """This worker's reading processes; start them before any thread or event loop."""
    return _pool(state)


async def run_worker(state: ServiceState, pool: ProcessPoolExecutor, *, signals: bool) -> None:
    """Read page jobs on ``pool`` until stopped (SIGTERM/SIGINT with ``signals``, else
    by cancelling this coroutine); the pages being read are finished first, then the
    pool is shut down."""
    settings = state.settings
    _RUNTIME[:] = [_Runtime(state=state, pool=pool, writer=Writer(state))]
    await asyncio.to_thread(adopt_unqueued, state)
    app = worker_app(state)
    try:
        async with app.open_async():
            recovering = asyncio.create_task(_keep_recovering(app, state))
            try:
                await app.run_worker_async(
                    queues=[QUEUE], concurrency=AHEAD_PER_PROCESS * max(1, settings.workers),
                    name=f"{socket.gethostname()}:{os.getpid()}",
                    install_signal_handlers=signals, delete_jobs="successful",
                    fetch_job_polling_interval=FETCH_POLL_SECONDS,
                    update_heartbeat_interval=settings.job_heartbeat_seconds,
                    stalled_worker_timeout=settings.job_stalled_seconds)
            finally:
                recovering.cancel()
    finally:
        runtime = _RUNTIME.pop()
        runtime.pool.shutdown(wait=True, cancel_futures=True)
