"""``Server-Timing`` (``SUS_SERVER_TIMING``, ``intake.review.servertiming``): where a
request's time went in the web process, so that a slow reviewer request can be told
apart — its SQL, SQLite's write lock, the processor, waiting for a core, the garbage
collector."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from intake.review.servertiming import Split, parse
from tests.review.conftest import PASSWORD, csrf_of, login, service_client, state_of


def test_an_answer_says_where_its_time_went_when_asked_to(
        tmp_path: Path, database: dict[str, Any]) -> None:
    """GIVEN the service with server_timing on (SQLite and PostgreSQL)
    WHEN a granskare opens the queue and claims nothing
    THEN the answer's Server-Timing gives the request's time in the application, its
    SQL (at least one statement, no longer than the whole) and the other parts."""
    with service_client(tmp_path, server_timing=True, **database) as client:
        login(client, "granskare")
        response = client.get("/ko")
    timing = parse(response.headers["server-timing"])
    assert set(timing) == {"app", "db", "lock", "cpu", "runq", "gc", "queries"}
    assert timing["queries"] >= 1
    assert 0 < timing["db"] <= timing["app"]


def test_waiting_for_sqlites_write_lock_is_timed_as_the_lock(tmp_path: Path) -> None:
    """GIVEN the service with server_timing on, on SQLite, and another writer holding
    the write lock for 0.3 s
    WHEN a granskare logs in meanwhile (a writing transaction: it waits for the lock)
    THEN the answer's lock part is that wait, and is within its database time."""
    with service_client(tmp_path, server_timing=True) as client:
        token = csrf_of(client.get("/login").text)
        holder = sqlite3.connect(state_of(client).store.engine.url.database or "",
                                 isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
        release.start()
        response = client.post("/login", data={"username": "granskare", "password": PASSWORD,
                                               "csrf": token}, follow_redirects=False)
        release.join()
        holder.close()
    assert response.status_code == 303
    timing = parse(response.headers["server-timing"])
    assert 200 <= timing["lock"] <= timing["db"] <= timing["app"]


def test_answers_say_nothing_of_their_timing_by_default(tmp_path: Path) -> None:
    """GIVEN the service as configured by default WHEN a page is asked for THEN its
    answer has no Server-Timing (it would tell anyone how the server spends its time)."""
    with service_client(tmp_path) as client:
        response = client.get("/login")
    assert "server-timing" not in response.headers


def test_the_header_reads_back_as_it_was_written() -> None:
    """GIVEN a split of 12.5 ms SQL (2 ms of it beginning) in 7 statements, 0.5 ms of
    collection WHEN written as a header and parsed THEN the figures come back in ms."""
    split = Split(db=0.0125, lock=0.002, queries=7, gc=0.0005)
    header = split.header(app=0.040, cpu=0.020, runq=0.010).decode()
    assert parse(header) == {"app": 40.0, "db": 12.5, "lock": 2.0, "cpu": 20.0,
                             "runq": 10.0, "gc": 0.5, "queries": 7.0}
