"""A request's unit of work: GETs read without SQLite's write lock, so a reviewer's page
neither waits for a batch being stored nor holds one up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sus_store import ForbundIn, add_forbund, list_forbund
from sus_store.schema import Forbund
from tests.review.conftest import login, state_of


def test_queue_page_is_served_while_a_writer_holds_the_database(client: TestClient) -> None:
    """GIVEN a granskare logged in, and a writer (the worker storing a batch, say) in the
    middle of its transaction on the SQLite store
    WHEN the granskare opens /ko
    THEN the page comes at once: reading takes no write lock, so it does not queue
    behind the writer (before, it waited up to 30 s and then failed)."""
    login(client, "granskare")
    with state_of(client).store.transaction() as writer:
        add_forbund(writer, ForbundIn(name="Finsam Skrivaren", startdatum=date(2020, 1, 1)),
                    actor="test")
        writer.flush()  # the writer holds the lock from BEGIN IMMEDIATE on
        response = client.get("/ko")
        assert response.status_code == 200
        assert "Finsam Skrivaren" not in response.text  # not committed yet


def test_a_writer_commits_while_a_queue_page_is_being_read(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a granskare's /ko request in the middle of its reads
    WHEN a writer stores something and commits meanwhile
    THEN the writer's commit goes through without waiting for the page, and the page is
    served (before, the GET held the write lock to its end: the writer waited 30 s and
    failed with 'database is locked')."""
    import intake.review.routes.pages as pages

    login(client, "granskare")
    store = state_of(client).store
    original = pages.list_insatser
    committed: list[str] = []

    def write_meanwhile(session: Any) -> Any:
        with store.transaction() as writer:
            add_forbund(writer, ForbundIn(name="Finsam Under Läsning",
                                          startdatum=date(2020, 1, 1)), actor="test")
        committed.append("Finsam Under Läsning")
        return original(session)

    monkeypatch.setattr(pages, "list_insatser", write_meanwhile)
    assert client.get("/ko").status_code == 200
    assert committed
    with store.transaction() as session:
        assert session.scalar(select(Forbund.id).where(Forbund.name == committed[0]))
        assert committed[0] in [f.name for f in list_forbund(session)]
