"""The reading side's PostgreSQL backends at the readers' priority
(``intake.review.dbpriority``), so that reviewers' SQL comes first while a batch is
read; connections of others, databases elsewhere and other processes left alone."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from intake.review.dbpriority import _on_connect, lower_backend, lower_backends
from sus_store.db import make_engine


def _backend_nice(connection: object) -> int:
    pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()  # type: ignore[attr-defined]
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.postgres
def test_a_reading_processs_backends_run_at_the_readers_nice_and_the_webs_do_not() -> None:
    """GIVEN PostgreSQL on this machine, the reading side's engine (a connection already
    pooled) and the web's engine
    WHEN the reading side's backends are lowered to nice 7
    THEN its connections are served at nice 7, the web's at the server's priority."""
    from tests.review.pg import fresh_postgres

    if os.geteuid() != 0:
        pytest.skip("only root (or the server's user) may renice PostgreSQL's backends")
    with fresh_postgres() as url:
        reading, web = make_engine(url), make_engine(url)
        try:
            with reading.connect() as connection:
                connection.execute(text("SELECT 1"))
            lower_backends(reading, 7)
            with reading.connect() as mine, web.connect() as theirs:
                assert (_backend_nice(mine), _backend_nice(theirs)) == (7, 0)
        finally:
            reading.dispose()
            web.dispose()


def test_a_database_on_another_machine_is_left_as_it_is() -> None:
    """GIVEN an engine on a database on another host WHEN its backends are to be
    lowered THEN nothing is done to its connections (a number there is no process here)."""
    engine = make_engine("postgresql+psycopg://sus@db.internal/sus")
    lower_backends(engine, 10)
    assert all(getattr(fn, "func", None) is not _on_connect
               for fn in engine.pool.dispatch.connect)


def test_a_process_that_is_not_a_postgresql_backend_is_never_reniced() -> None:
    """GIVEN a process number that is this test's own (as a containerised server's
    backend number could be) WHEN it is to be lowered THEN it is refused, untouched."""
    before = os.getpriority(os.PRIO_PROCESS, os.getpid())
    assert lower_backend(os.getpid(), before + 5) is False
    assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == before
