"""Which job engine reads uploads: procrastinate on PostgreSQL (:mod:`.jobqueue`),
the local runner on SQLite (:mod:`.runner`); the same page jobs (:mod:`.jobs`)."""

from __future__ import annotations

import asyncio
import signal
import threading

from sqlalchemy.orm import Session

from intake.review import jobqueue, jobs
from intake.review.dbpriority import lower_backends
from intake.review.state import ServiceState


def run_worker_process(state: ServiceState) -> None:
    """``sus-intake worker``: read uploads until SIGTERM or SIGINT, which finish the
    pages being read and return."""
    from intake.review.runner import LocalRunner  # the reading side: not the web's

    lower_backends(state.store.engine, state.settings.reader_nice)
    if jobqueue.uses_jobqueue(state):
        pool = jobqueue.reading_pool(state)
        asyncio.run(jobqueue.run_worker(state, pool, signals=True))
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    LocalRunner(state, stop).run()


def retry_upload(state: ServiceState, upload_id: int) -> list[int]:
    """A failed upload read again from the pages it is missing (their jobs queued on
    PostgreSQL; the local runner finds them); those pages."""
    pages = jobs.retry_upload(state, upload_id, then=jobqueue.enqueue_pages)
    state.uploaded.set()
    return pages


def retry_upload_in(session: Session, state: ServiceState, upload_id: int) -> list[int]:
    """:func:`retry_upload` in the caller's unit of work (a request's)."""
    pages = jobs.retry_upload_in(session, state, upload_id, then=jobqueue.enqueue_pages)
    state.uploaded.set()
    return pages
