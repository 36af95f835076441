"""Text a person enters, or a form carries, longer than the register keeps: refused
where it is entered, flagged and refused cleanly on approval — never stored cut or
past its column, never a server error (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sus_store.schema import Participation
from tests.review.conftest import login, make_forms, read_all, service_client, state_of, upload
from tests.review.pg import postgres_service_url
from tests.review.reads import ASA, add, forbund_id, new_batch, read_form
from tests.sus_store.builders import KVINNA

__all__ = ["postgres_service_url"]  # the fixture, used by name


def _document(client: TestClient, form: str = "9448") -> dict[str, Any]:
    documents: list[dict[str, Any]] = client.get("/api/documents").json()
    return next(d for d in documents if d["form"] == form)


@pytest.mark.parametrize("field, limit", [("namn", 200), ("kommun", 100), ("stadsdel", 100)])
def test_correction_longer_than_the_register_keeps_is_refused(
        client: TestClient, tmp_path: Path, field: str, limit: int) -> None:
    """GIVEN a read 9448 WHEN a reviewer corrects a text field to one character more
    than the register keeps THEN 422 in Swedish naming the limit, nothing changed;
    at the limit it is taken."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "granskare")
    document = _document(client)
    url = f"/api/documents/{document['id']}/fields"
    refused = client.put(url, json={"values": {field: "Å" * (limit + 1)}},
                         headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    assert refused.json()["message"].endswith(f"får vara högst {limit} tecken.")
    before = {f["name"]: f["value"] for f in document["fields"]}
    after = {f["name"]: f["value"] for f in _document(client)["fields"]}
    assert after[field] == before[field]
    taken = client.put(url, json={"values": {field: "Å" * limit}},
                       headers={"X-CSRF-Token": token})
    assert taken.status_code == 200


def test_any_corrected_value_is_bounded(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 WHEN a personnummer of 10,000 digits is entered THEN 422."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "granskare")
    response = client.put(f"/api/documents/{_document(client)['id']}/fields",
                          json={"values": {"personnummer": "1" * 10_000}},
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 422 and "högst" in response.json()["message"]


def _approve_long_name(client: TestClient) -> tuple[int, dict[str, Any]]:
    """A 9448 read with a 201-character name (and its consent), approved."""
    batch = new_batch(client, forbund=forbund_id(client))
    name = ASA + " " + "x" * (200 - len(ASA))
    document = add(client, batch, read_form("9448", personnummer=KVINNA, namn=name))
    add(client, batch, read_form("9443", personnummer=KVINNA))
    token = login(client, "granskare")
    client.post(f"/api/documents/{document}/claim", headers={"X-CSRF-Token": token})
    response = client.post(f"/api/documents/{document}/decision", json={"action": "approve"},
                           headers={"X-CSRF-Token": token})
    return response.status_code, response.json()


def _participants(client: TestClient) -> int:
    with state_of(client).store.transaction() as session:
        return session.scalar(select(func.count(Participation.id))) or 0


def test_a_name_read_too_long_is_flagged_and_approval_refused(client: TestClient) -> None:
    """GIVEN a 9448 whose name was read 201 characters long WHEN it is approved
    THEN 422 saying the name (or the consent's namnförtydligande, the same name by the
    batch's vote) is longer than 200 characters; nothing is registered."""
    status, body = _approve_long_name(client)
    assert status == 422, body
    assert "är längre än 200 tecken." in body["message"]
    assert _participants(client) == 0


@pytest.mark.postgres
def test_a_name_read_too_long_is_no_server_error_on_postgresql(
        tmp_path: Path, postgres_service_url: str) -> None:
    """GIVEN PostgreSQL, whose column refuses more than 200 characters
    WHEN such a 9448 is approved THEN the same 422, not a 500."""
    with service_client(tmp_path, database_url=postgres_service_url) as client:
        status, body = _approve_long_name(client)
        assert status == 422, body
        assert _participants(client) == 0
