"""What a reviewer's requests ask of the database: who asks is read once per request
(and afresh on every one), the queue page's statements do not grow with the queue, and
a decision reads the rows it locks once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from intake.review.queue import QueueFilter, queue_query, viewer_for
from intake.review.views import queue_row, queue_rows
from intake.sus.personnummer import luhn_digit
from tests.review.conftest import TODAY, login, state_of
from tests.review.reads import add, forbund_id, new_batch, read_form


@contextmanager
def statements(client: TestClient) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) the service runs inside the block."""
    ran: list[tuple[str, Any]] = []

    def seen(_conn: object, _cursor: object, statement: str, parameters: Any,
             *_rest: object) -> None:
        ran.append((" ".join(statement.split()), parameters))

    engine = state_of(client).store.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def reads_of(ran: list[tuple[str, Any]], table: str) -> int:
    return sum(bool(re.match(rf"SELECT .* FROM {table}\b", s)) for s, _ in ran)


def personnummer(n: int) -> str:
    nine = f"800101{100 + n:03d}"
    return f"19{nine}{luhn_digit(nine)}"


def forms(client: TestClient, count: int, *, start: int = 0) -> list[int]:
    """``count`` read 9448s, each with its 9443 in a batch of their own; the 9448s' ids."""
    ids = []
    for n in range(start, start + count):
        batch = new_batch(client, forbund=forbund_id(client))
        ids.append(add(client, batch, read_form("9448", personnummer=personnummer(n),
                                                namn=f"Person {n} Test")))
        add(client, batch, read_form("9443", personnummer=personnummer(n)))
    return ids


@pytest.mark.parametrize("request_of", ["queue", "review page", "claim", "api list"])
def test_a_request_reads_the_login_the_user_and_their_permissions_once_each(
        client: TestClient, request_of: str) -> None:
    """GIVEN a logged-in granskare and a document WHEN they ask for the queue, a review
    page, claim it or list the documents THEN the request reads their login session, their
    user and their permissions once each (it read the user and permissions three times)."""
    document = forms(client, 1)[0]
    token = login(client, "granskare")
    ask = {"queue": lambda: client.get("/ko"),
           "review page": lambda: client.get(f"/granska/{document}"),
           "claim": lambda: client.post(f"/api/documents/{document}/claim",
                                        headers={"X-CSRF-Token": token}),
           "api list": lambda: client.get("/api/documents")}[request_of]
    with statements(client) as ran:
        assert ask().status_code == 200
    assert [reads_of(ran, t) for t in ("review_login_session", "app_user", "permission")
            ] == [1, 1, 1]


def test_the_queue_page_runs_as_many_statements_for_40_documents_as_for_2(
        client: TestClient) -> None:
    """GIVEN a granskare's queue of 2 documents, then of 40 WHEN they open /ko THEN it
    runs the same statements either way, at most 8 (login session, user, permissions,
    the queue's rows, the förbund and insatser to filter by; SQLite's 2 to begin)."""
    forms(client, 1)
    login(client, "granskare")
    with statements(client) as short:
        page = client.get("/ko")
    assert page.text.count('href="/granska/') == 2
    forms(client, 19, start=1)
    with statements(client) as long:
        page = client.get("/ko")
    assert page.text.count('href="/granska/') == 40
    assert [s for s, _ in long] == [s for s, _ in short]
    assert len(long) <= 8


def test_the_queue_shows_each_document_as_its_row_says(client: TestClient) -> None:
    """GIVEN open documents, one with a flagged personnummer and one with no name WHEN the
    queue's rows are read as plain columns THEN each is the row its whole document makes
    (number flagged, name, masked personnummer, file name and page)."""
    forms(client, 3)
    batch = new_batch(client, forbund=forbund_id(client))
    add(client, batch, read_form("9448", personnummer=("19800101", 0.2), namn=None))
    with state_of(client).store.transaction(read_only=True) as session:
        viewer = viewer_for(session, "granskare", today=TODAY)
        whole = [queue_row(d) for d in session.scalars(queue_query(viewer, QueueFilter()))]
        rows = queue_rows(session, viewer, QueueFilter(), limit=200)
    assert rows == whole and len(rows) == 7
    assert {(r.flagged > 0, r.person is None) for r in rows if r.form == "9448"} == {
        (False, False), (True, True)}


def test_approving_reads_the_document_and_its_consent_once_each(client: TestClient) -> None:
    """GIVEN a claimed 9448 with its consent in the batch WHEN it is approved THEN the
    document and the consent (filed with it) are each read by their id once, locked for
    the decision — not first looked at and then read again to lock."""
    document, ran = _approve_claimed(client)
    by_id = [p[0] for s, p in ran
             if re.match(r"SELECT .* FROM review_document WHERE review_document\.id = \?", s)]
    assert sorted(by_id) == [document, document + 1]  # the 9448, then its 9443


def test_deciding_does_not_load_every_document_of_the_upload(client: TestClient) -> None:
    """GIVEN a claimed 9448 WHEN it is approved THEN whether its upload's file may go is
    asked of the upload's forgotten documents alone: no statement loads every document
    of the upload (an upload may be a batch of 200 pages, and every decision asks)."""
    document, ran = _approve_claimed(client)
    whole = [s for s, _ in ran if re.match(
        r"SELECT review_document\.id, review_document\.upload_id, .* FROM review_document"
        r" WHERE (\? = review_document\.upload_id|review_document\.upload_id = \?)"
        r"( ORDER BY .*)?$", s)]
    assert whole == []


def _approve_claimed(client: TestClient) -> tuple[int, list[tuple[str, Any]]]:
    """Claims the first 9448 as granskare and approves it; its id and the statements
    the approval ran."""
    document = forms(client, 1)[0]
    headers = {"X-CSRF-Token": login(client, "granskare")}
    client.post(f"/api/documents/{document}/claim", headers=headers)
    with statements(client) as ran:
        decided = client.post(f"/api/documents/{document}/decision",
                              json={"action": "approve"}, headers=headers)
    assert decided.status_code == 200, decided.text
    return document, ran
