"""Reading page jobs on this machine, for the embedded SQLite store: no broker to
install. The same job functions as on PostgreSQL (:mod:`.jobs`), run by one
runner at a time per data directory on a pool of reading processes (``extract``'s,
at lower CPU priority). Which runner reads is settled by an exclusive lock on
``data_dir/reading.lock``, which the kernel releases when its holder dies however
it dies: the next runner (a restarted ``serve`` or ``worker``) takes over and reads
the pages still missing — a page being read when the holder died is read again and
written once.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from intake.pipeline import start_reading_pool
from intake.review import jobs
from intake.review.reading import ReadPage, read_page
from intake.review.schema import Upload
from intake.review.state import ServiceState

log = logging.getLogger(__name__)

#: How often an idle runner looks for uploads (and a waiting one for the lock).
POLL_SECONDS = 0.5
#: Pages sent to the pool per reading process, so none waits for the runner.
AHEAD_PER_PROCESS = 2
LOCK_FILE = "reading.lock"

_Page = tuple[int, int]  # (upload id, page)


class LocalRunner:
    """Reads the pages of uploads waiting to be read until ``stop`` is set; then the
    pages being read are finished and written, those not begun left for the next
    runner."""

    def __init__(self, state: ServiceState, stop: threading.Event) -> None:
        self._state = state
        self._stop = stop
        self._processes = max(1, state.settings.workers)
        self._pools: list[ProcessPoolExecutor] = []

    def run(self) -> None:
        with _exclusive(self._state.settings.data_dir / LOCK_FILE, self._stop) as held:
            if not held:
                return
            self._pools = [self._pool()]
            try:
                self._read()
            finally:
                self._pools[-1].shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        return start_reading_pool(self._state.reader, self._processes,
                                  nice=self._state.settings.reader_nice)

    def _read(self) -> None:
        pool = self._pools[-1]
        in_flight: dict[Future[ReadPage], _Page] = {}
        room = AHEAD_PER_PROCESS * self._processes
        uploaded = self._state.uploaded
        while not self._stop.is_set():
            if len(in_flight) < room:
                uploaded.clear()  # before looking: an upload stored after it wakes the wait
                for upload_id, page, path in self._todo(set(in_flight.values()),
                                                        room - len(in_flight)):
                    in_flight[pool.submit(read_page, path, page)] = (upload_id, page)
            if not in_flight:
                uploaded.wait(POLL_SECONDS)
                continue
            done, _ = wait(in_flight, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            if self._write([(future, in_flight.pop(future)) for future in done]):
                for future in in_flight:  # a reading process died: its pages come again
                    future.cancel()
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = self._pool()
                self._pools[:] = [pool]
        for future in [f for f in in_flight if f.cancel()]:
            del in_flight[future]  # not begun: the next runner reads it
        self._write([(future, in_flight[future]) for future in wait(in_flight).done])

    def _todo(self, busy: set[_Page], limit: int) -> Iterator[tuple[int, int, Path]]:
        """Up to ``limit`` pages to read, oldest upload first, none of ``busy``: two
        queries however many uploads wait (this runs after every page read)."""
        with self._state.store.transaction(read_only=True) as session:
            waiting = list(session.execute(select(Upload.id, Upload.status, Upload.sha256)
                                           .where(Upload.status.in_(jobs.READING))
                                           .order_by(Upload.id)))
            missing = jobs.missing_pages_of(session, [upload_id for upload_id, status, _ in
                                                      waiting if status == "processing"])
        for upload_id, status, sha in waiting:
            if status == "queued":
                pages = jobs.list_upload(self._state, upload_id)
            else:
                pages = missing.get(upload_id, [])
            path = self._state.files.upload_path(sha)
            for page in pages:
                if (upload_id, page) in busy:
                    continue
                yield upload_id, page, path
                limit -= 1
                if limit <= 0:
                    return

    def _write(self, done: list[tuple[Future[ReadPage], _Page]]) -> bool:
        """Write the pages read, together (one transaction); True when a reading
        process died (the pool is broken)."""
        reads: list[jobs.PageRead] = []
        broken = False
        for future, (upload_id, page) in done:
            try:
                reads.append((upload_id, page, future.result()))
            except BrokenProcessPool:
                log.warning("a reading process died; page %d of upload %d is read again",
                            page, upload_id)
                broken = True
            except Exception as exc:  # the file (InputError) or a bug: the upload says which
                jobs.fail_page(self._state, upload_id, page, exc)
        if len(reads) > 1:
            try:
                jobs.store_pages(self._state, reads)
                return broken
            except Exception:  # one by one: only the page at fault fails its upload
                log.warning("writing %d pages together failed; one by one", len(reads))
        for read in reads:
            self._write_one(read)
        return broken

    def _write_one(self, read: jobs.PageRead) -> None:
        upload_id, page, _ = read
        try:
            jobs.store_page(self._state, *read)
        except Exception as exc:  # a bug writing it: the upload fails, can be retried
            log.exception("writing page %d of upload %d failed", page, upload_id)
            jobs.fail_page(self._state, upload_id, page, exc)


@contextmanager
def _exclusive(path: Path, stop: threading.Event) -> Iterator[bool]:
    """Hold the exclusive lock on ``path`` (waiting for it); False when stopped first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if stop.wait(POLL_SECONDS):
                    yield False
                    return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
