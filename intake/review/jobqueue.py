"""Page jobs on procrastinate, the PostgreSQL job engine (the embedded SQLite store
reads with a local runner instead: :mod:`.runner`).

Why procrastinate: its jobs live in the same PostgreSQL as the uploads and are
queued in the *same transaction* (an upload is never stored without its job, nor a
listing without its page jobs); workers take jobs with ``SKIP LOCKED`` and wake on
LISTEN/NOTIFY; each worker keeps a heartbeat, and the jobs a dead worker held
(SIGKILL, a lost machine) are found by :func:`recover_stalled` and run again by
another. A worker stopped with SIGTERM or SIGINT finishes the pages it is reading
and exits.

Two tasks: ``list_upload`` (one per upload: its pages counted, a ``read_page`` job
queued per page still missing) and ``read_page`` (one page read in this worker's
reading pool — the processes ``extract`` uses — and its document written once,
:func:`intake.review.jobs.store_page`).
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
LIST_TASK = "intake.list_upload"
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


def enqueue_upload(session: Session, upload_id: int) -> None:
    """Queue the reading of a stored upload in ``session``'s transaction (PostgreSQL);
    the local runner finds queued uploads by their status."""
    if uses_jobqueue(session):
        _defer(session, [{"task_name": LIST_TASK, "task_kwargs": {"upload_id": upload_id}}])


def enqueue_pages(session: Session, upload_id: int, pages: list[int]) -> None:
    """Queue a ``read_page`` job per page, in ``session``'s transaction (PostgreSQL)."""
    if uses_jobqueue(session):
        _defer(session, [{"task_name": PAGE_TASK,
                          "task_kwargs": {"upload_id": upload_id, "page": page}}
                         for page in pages])


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
            " AND (job.args ->> 'upload_id') = review_upload.id::text) ORDER BY id")))
        for upload_id in stranded:
            enqueue_upload(session, upload_id)
    if stranded:
        log.warning("%d uploads waiting without a job were queued again", len(stranded))
    return stranded


# --- the worker -------------------------------------------------------------------------------


@dataclass
class _Runtime:
    """What this worker process's tasks use: the service and its reading pool."""

    state: ServiceState
    pool: ProcessPoolExecutor
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, upload_id: int, page: int) -> ReadPage:
        from intake.review.reading import read_page

        with self.state.store.transaction(read_only=True) as session:
            path = self.state.files.upload_path(session.get_one(Upload, upload_id).sha256)
        pool = self.pool
        try:
            return pool.submit(read_page, path, page).result()
        except BrokenProcessPool:  # a reading process died (killed): a new pool, and
            with self.lock:        # the job fails now to be run again
                if self.pool is pool:
                    self.pool = _pool(self.state)
            raise


_RUNTIME: list[_Runtime] = []


def _runtime() -> _Runtime:
    if not _RUNTIME:
        raise RuntimeError("a page job ran in a process that is not a reading worker")
    return _RUNTIME[0]


def _list_upload(upload_id: int) -> None:
    jobs.list_upload(_runtime().state, upload_id, then=enqueue_pages)


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
    jobs.store_page(runtime.state, upload_id, page, read)


def worker_app(state: ServiceState) -> App:
    """The procrastinate app a worker runs: its tasks, on the store's PostgreSQL."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(state.settings.store_url())))
    app.task(name=LIST_TASK, queue=QUEUE, retry=3)(_list_upload)
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
    _RUNTIME[:] = [_Runtime(state=state, pool=pool)]
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
