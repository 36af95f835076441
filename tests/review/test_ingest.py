"""Duplicate uploads: the same bytes are read once per förbund, held by the
database under concurrency (several servers at once, on PostgreSQL and SQLite);
another förbund's upload of the same file is its own and reveals nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

import intake.review.ingest as ingest
from intake.review.app import create_app
from intake.review.schema import Upload
from intake.settings import Settings
from sus_store import list_forbund
from tests.review.conftest import (
    OTHER_FORBUND,
    TODAY,
    login,
    read_all,
    service_client,
    state_of,
)
from tests.review.hostile import blank_pdf_pages, multipart, orphans
from tests.review.pg import postgres_service_url

__all__ = ["postgres_service_url"]  # the fixture, used by name

SCAN = blank_pdf_pages(1, size_pt=300.0)


def post(client: TestClient, token: str, data: bytes = SCAN,
         name: str = "skanning.pdf") -> dict[str, Any]:
    kind, body = multipart([(name, data)])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    upload: dict[str, Any] = response.json()["uploads"][0]
    return upload


def statuses(client: TestClient) -> list[tuple[str, int | None]]:
    with state_of(client).store.transaction() as session:
        return [(u.status, u.duplicate_of) for u in session.scalars(
            select(Upload).order_by(Upload.id))]


def test_same_file_again_in_one_forbund_is_a_duplicate(client: TestClient) -> None:
    """GIVEN Pyramis uploaded a file WHEN Pyramis uploads it again
    THEN the second is a duplicate of the first, not read again."""
    token = login(client, "forbund")
    first = post(client, token)
    again = post(client, token)
    assert first["status"] == "queued"
    assert again["status"] == "duplicate" and again["duplicate_of"] == first["id"]
    assert again["message"] == f"Samma fil som uppladdning {first['id']}; läses inte igen."


def test_another_forbunds_upload_of_the_same_file_is_its_own(client: TestClient) -> None:
    """GIVEN Pyramis uploaded a file WHEN Göteborg uploads the same bytes
    THEN Göteborg's upload is read for Göteborg (not "duplicate of upload N", which
    would tell of Pyramis's upload), and both are read with the file still there."""
    post(client, login(client, "forbund"))
    theirs = post(client, login(client, "goteborg"))
    assert theirs["status"] == "queued"
    assert theirs["duplicate_of"] is None and theirs["message"] is None
    read_all(client)
    assert [s for s, _ in statuses(client)] == ["done", "done"]
    assert orphans(client) == []


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None for SQLite in the data directory; a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_service_url")
    return url


BOTH = pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def servers(data_dir: Path, database_url: str | None, count: int) -> Iterator[TestClient]:
    """``count`` more servers (own application, own event loop) on the same store and
    data directory, as separate processes would be."""
    settings = Settings(data_dir=data_dir, today=TODAY, database_url=database_url)
    for _ in range(count):
        yield TestClient(create_app(settings, run_worker=False))


@BOTH
def test_simultaneous_uploads_of_one_file_are_read_once(
        tmp_path: Path, database_url: str | None) -> None:
    """GIVEN six servers on one store WHEN the same uploader sends the same file to
    each at the same moment THEN exactly one upload is read and the five others are
    told they duplicate it."""
    with service_client(tmp_path, database_url=database_url) as first, ExitStack() as stack:
        token = login(first, "forbund")
        clients = [first] + [stack.enter_context(c) for c in servers(tmp_path, database_url, 5)]
        for other in clients[1:]:
            other.cookies.update(first.cookies)
        # Each test client runs its app on an event loop of its own; FastAPI completes a
        # route's shared parameter models on first use, which six loops racing at once
        # trip over (one server answers on one loop). A refused upload warms each first.
        for client in clients:
            assert client.post("/api/batches", headers={"X-CSRF-Token": token}).is_client_error
        start = threading.Barrier(len(clients))
        answers: list[dict[str, Any]] = []

        def send(client: TestClient) -> None:
            start.wait()
            answers.append(post(client, token))
        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        read_ids = [a["id"] for a in answers if a["status"] == "queued"]
        assert len(read_ids) == 1
        assert sorted(a["duplicate_of"] for a in answers if a["status"] == "duplicate") == \
            [read_ids[0]] * 5


def _lock_waits(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_upload_arriving_while_the_first_is_uncommitted_is_a_duplicate(
        tmp_path: Path, postgres_service_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN server A has recorded an upload of a file but not yet committed it
    WHEN server B receives the same file from the same förbund
    THEN B waits for A and, once A commits, records a duplicate: one upload is read
    (a check before inserting would see nothing and read it twice)."""
    recorded, release = threading.Event(), threading.Event()
    validate = ingest.BatchView.model_validate
    paused: list[int] = []

    def pause_first(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not paused:  # server A: rows flushed, transaction still open
            paused.append(1)
            recorded.set()
            release.wait()
        return validate(obj, *args, **kwargs)
    with service_client(tmp_path, database_url=postgres_service_url) as a, \
            next(servers(tmp_path, postgres_service_url, 1)) as b:
        token = login(a, "forbund")
        b.cookies.update(a.cookies)
        monkeypatch.setattr(ingest.BatchView, "model_validate", pause_first)
        answers: dict[str, dict[str, Any]] = {}
        thread_a = threading.Thread(target=lambda: answers.update(a=post(a, token)))
        thread_a.start()
        assert recorded.wait(60)
        thread_b = threading.Thread(target=lambda: answers.update(b=post(b, token)))
        thread_b.start()
        for _ in range(600):  # until B is done (check-then-insert) or waits on A's row
            if not thread_b.is_alive() or _lock_waits(postgres_service_url):
                break
            thread_b.join(0.05)
        release.set()
        thread_a.join()
        thread_b.join()
        assert answers["a"]["status"] == "queued"
        assert answers["b"]["status"] == "duplicate"
        assert answers["b"]["duplicate_of"] == answers["a"]["id"]


@pytest.mark.postgres
def test_nul_in_a_file_name_is_no_server_error_on_postgresql(
        tmp_path: Path, postgres_service_url: str) -> None:
    """GIVEN PostgreSQL (which refuses NUL in text) WHEN a file named with a NUL byte
    is uploaded THEN 200 with the name cleaned, and its bytes have their row."""
    with service_client(tmp_path, database_url=postgres_service_url) as client:
        upload = post(client, login(client, "forbund"), name="blan\x00kett.pdf")
        assert upload["filename"] == "blankett.pdf"
        assert orphans(client) == []


def test_other_forbund_id_is_not_in_a_duplicates_message(client: TestClient) -> None:
    """GIVEN Göteborg has uploaded a file twice WHEN Pyramis lists its batches
    THEN nothing in them names Göteborg's uploads."""
    token = login(client, "goteborg")
    theirs = [post(client, token)["id"], post(client, token)["id"]]
    mine = post(client, login(client, "forbund"))
    assert mine["status"] == "queued" and mine["duplicate_of"] is None
    with state_of(client).store.transaction() as session:
        other = next(f.id for f in list_forbund(session) if f.name == OTHER_FORBUND)
    listed = client.get("/api/batches").json()
    assert all(b["forbund_id"] != other for b in listed)
    assert all(f"uppladdning {i}" not in str(listed) for i in theirs)
