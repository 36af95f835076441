"""Where a request's time went, in its answer's ``Server-Timing`` header (with
``SUS_SERVER_TIMING=true``; off by default, as it tells callers how the server spends
its time). ``bench --service`` turns it on to split each reviewer request it times:

    app     the request in the application, from the middleware to the answer's start
    db      SQL statements (the round trip, PostgreSQL's lock waits included) and
            transactions begun (SQLite's BEGIN IMMEDIATE waiting for the write lock)
    lock    of which: beginning transactions, from the connection made (SQLite: waiting
            for the write lock)
    cpu     processor time the web process used meanwhile (all its threads: the bench's
            reviewer asks one thing at a time, but a poll may run beside it)
    runq    time the web process's threads were ready to run but waited for a core
            (``/proc/self/task/*/schedstat``; Linux): other processes ran instead
    gc      Python's garbage collector, in any of its threads

``app`` less ``db``, ``cpu`` and ``runq`` is time the request waited otherwise (a
free thread of the thread pool, the event loop, the interpreter lock)."""

from __future__ import annotations

import gc
import time
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"server-timing"
_TASKS = Path("/proc/self/task")


@dataclass
class Split:
    """Seconds of one request's time, by where they went (see the module)."""

    db: float = 0.0
    lock: float = 0.0
    queries: int = 0
    gc: float = 0.0

    def header(self, *, app: float, cpu: float, runq: float) -> bytes:
        parts = [("app", app), ("db", self.db), ("lock", self.lock), ("cpu", cpu),
                 ("runq", runq), ("gc", self.gc)]
        text = ", ".join(f"{name};dur={1000 * seconds:.1f}" for name, seconds in parts)
        return f'{text}, queries;desc="{self.queries}"'.encode()


_current: ContextVar[Split | None] = ContextVar("server_timing", default=None)


def parse(value: str) -> dict[str, float]:
    """A ``Server-Timing`` header's durations (ms) by name, and ``queries``."""
    timings: dict[str, float] = {}
    for part in value.split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        for param in params:
            key, _, number = param.partition("=")
            if key in ("dur", "desc"):
                try:
                    timings[name] = float(number.strip('"'))
                except ValueError:
                    continue
    return timings


def run_queue_seconds() -> float:
    """Seconds this process's threads have waited, ready, for a core (0 off Linux)."""
    waited = 0
    try:
        tasks = list(_TASKS.iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        try:
            waited += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):  # a thread ended meanwhile
            continue
    return waited / 1e9


class ServerTiming:
    """ASGI middleware: the request's :class:`Split` in its answer's header."""

    def __init__(self, app: ASGIApp, *, enabled: bool) -> None:
        self.app = app
        self.enabled = enabled
        if enabled:
            watch_gc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        split = Split()
        token = _current.set(split)
        started, cpu, runq = time.perf_counter(), time.process_time(), run_queue_seconds()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = split.header(app=time.perf_counter() - started,
                                     cpu=time.process_time() - cpu,
                                     runq=run_queue_seconds() - runq)
                message = {**message, "headers": [*message.get("headers", []),
                                                  (HEADER, value)]}
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            _current.reset(token)


def watch_engine(engine: Engine) -> None:
    """Count ``engine``'s statements and transaction beginnings into the request's split."""
    event.listen(engine, "before_cursor_execute", _started)
    event.listen(engine, "after_cursor_execute", _ended)
    # the store's own BEGIN (SQLite: waiting for the write lock) runs between these two:
    # a session's connection is made and at once begun (its "begin" listener runs first)
    event.listen(engine, "engine_connect", _begin_started)
    event.listen(engine, "begin", _begin_ended)


def _started(connection: Any, *_: Any) -> None:
    connection.info["timing_started"] = time.perf_counter()


def _ended(connection: Any, *_: Any) -> None:
    started = connection.info.pop("timing_started", None)
    split = _current.get()
    if split is not None and started is not None:
        split.db += time.perf_counter() - started
        split.queries += 1


def _begin_started(connection: Any) -> None:
    split = _current.get()
    connection.info["timing_begun"] = (time.perf_counter(), split.db if split else 0.0)


def _begin_ended(connection: Any) -> None:
    """From the connection made to its transaction begun, less the statements (already
    in ``db``)."""
    begun = connection.info.pop("timing_begun", None)
    split = _current.get()
    if split is not None and begun is not None:
        started, db_before = begun
        waited = time.perf_counter() - started - (split.db - db_before)
        split.db += waited
        split.lock += waited


_gc_started: list[float] = []


def watch_gc() -> None:
    """Python's collections timed into the request whose thread made them (once)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def _on_gc(phase: str, _info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
        return
    split = _current.get()
    if split is not None and _gc_started:
        split.gc += time.perf_counter() - _gc_started[0]
