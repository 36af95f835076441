"""The service's reading, in a process of its own beside the web process.

``serve`` (without ``--no-worker``) starts one reading process: the same reading as
``sus-intake worker`` — procrastinate's worker on PostgreSQL, the local runner on
SQLite — with its pool of reading processes at ``reader_nice`` (the process itself,
which writes the pages read, keeps the web process's priority: a page written late
holds the SQLite write lock longer and leaves a reading process waiting). The web process
only serves people: it never loads the reading models nor writes a page, so neither
the readers' work nor their memory competes with reviewers (the readers' page writes
used to hold the web process's interpreter lock between requests). An upload stored
by the web process wakes the reader through ``state.uploaded``, an event the two
processes share. Stopping the service sends the reading process SIGTERM, which
finishes the pages being read (as systemd stopping a worker does); the reading
process dies with the web process however that dies (its pages are read again, once).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from multiprocessing.process import BaseProcess

from intake.logs import configure_logging
from intake.review.state import ServiceState, Signal, open_service
from intake.settings import Settings

log = logging.getLogger(__name__)

#: A fresh interpreter, not a fork of a web process with its threads and event loop.
_SPAWN = multiprocessing.get_context("spawn")
#: How long a stopped reading process may take to finish the pages it is reading.
STOP_SECONDS = 60.0


def reading_signal() -> Signal:
    """The ``uploaded`` event of a service whose reading runs in :class:`Worker`."""
    return _SPAWN.Event()


class Worker:
    """The service's reading process (see the module); ``state.uploaded`` must come
    from :func:`reading_signal`."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state
        self._process: BaseProcess | None = None

    def start(self) -> None:
        verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO
        self._process = _SPAWN.Process(
            target=_read, name="intake-reading",
            args=(self._state.settings, self._state.uploaded, os.getpid(), verbose))
        self._process.start()

    def stop(self) -> None:
        """SIGTERM: the pages being read are finished and written, then it exits."""
        process = self._process
        if process is None or process.exitcode is not None:
            return
        process.terminate()
        process.join(STOP_SECONDS)
        if process.exitcode is None:
            log.warning("the reading process did not stop in %.0f s: killed", STOP_SECONDS)
            process.kill()
            process.join()


def _read(settings: Settings, uploaded: Signal, parent: int, verbose: bool) -> None:
    """The reading process: ``sus-intake worker``'s loop."""
    from intake.pipeline import die_with_parent
    from intake.review.engine import run_worker_process

    die_with_parent(parent)
    os.setpgid(0, 0)  # Ctrl+C on serve's terminal reaches serve only: it sends SIGTERM once
    configure_logging(json_lines=True, verbose=verbose)
    state = open_service(settings, uploaded=uploaded)
    try:
        run_worker_process(state)
    finally:
        state.store.dispose()
