"""The reading side's PostgreSQL work at the readers' CPU priority.

A PostgreSQL connection is served by a backend process of its own, started by the
database server at the server's priority: the pages a worker writes ran at the
priority of the reviewers' queries, which could
wait for a core behind them (``bench --service`` on PostgreSQL, 60 pages, a loaded
machine: the slowest tenth of ``/ko`` while reading spent 91 ms in SQL against 41 idle
after; the reading side's backends used ~5 ms of processor per page, so most of that
was the machine's other work). When the database runs on this machine and this
process may (the same user as the server, or root), a reading process's backends get
its readers' ``nice`` (the engine's, which writes the pages; procrastinate's
connections — job fetches, heartbeats — keep the server's: a heartbeat late on a busy
machine gets a worker's jobs run again); a database elsewhere, or one this process may not touch, is
left as it is (said once in the log). A backend lives as long as its connection, so
the web process's connections are never affected."""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

#: Hosts (and a socket directory: no host) that are this machine.
_LOCAL = {None, "", "localhost", "127.0.0.1", "::1"}
_refused: list[str] = []


def is_local(host: str | None) -> bool:
    return host in _LOCAL or (host or "").startswith("/")


def lower_backends(engine: Engine, nice: int) -> None:
    """Every connection of ``engine`` served at ``nice`` (PostgreSQL on this machine
    only): those in its pool are closed, opened again when needed."""
    if engine.dialect.name == "postgresql" and nice > 0 and is_local(engine.url.host):
        event.listen(engine, "connect", partial(_on_connect, nice=nice))
        engine.dispose()


def _on_connect(dbapi_connection: Any, _record: Any, *, nice: int) -> None:
    lower_backend(dbapi_connection.info.backend_pid, nice)


def lower_backend(pid: int, nice: int) -> bool:
    """The local PostgreSQL backend ``pid`` at ``nice`` at least; whether it is. A
    process of that number that is not PostgreSQL's (a server in a container has
    numbers of its own) is never touched."""
    try:
        if not Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
            return _refuse(f"process {pid} is not a PostgreSQL backend here")
        if os.getpriority(os.PRIO_PROCESS, pid) < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        return True
    except OSError as exc:
        return _refuse(f"{type(exc).__name__}: {exc.strerror}")


def _refuse(why: str) -> bool:
    if not _refused:
        log.info("the reading side's database work keeps the server's priority (%s)", why)
    _refused.append(why)
    return False
