"""Finding a person or a document (issue 15, point 3): by personnummer, name, file name,
batch and date, within the user's scope, audited by id (never what was searched); the
queue tells documents apart by name, masked personnummer, form, file and page, batch
and förbund."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from intake.review.clock import now
from sus_store import audit_trail
from tests.review.conftest import (
    FORBUND,
    OTHER_FORBUND,
    OTHER_INSATS,
    csrf_of,
    login,
    make_forms,
    read_all,
    state_of,
    upload,
)

PERSONNUMMER = "199311162383"  # of make_forms' seed 5 (a Skatteverket test number)
NAME = "Mustafa Eliasson"


def _search(client: TestClient, q: str) -> list[int]:
    token = csrf_of(client.get("/sok").text)
    response = client.post("/sok", data={"q": q, "csrf": token})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    return [int(n) for n in re.findall(r'href="/granska/(\d+)"', response.text)]


def _uploaded(client: TestClient, tmp_path: Path) -> tuple[dict[str, object], Path]:
    forms = make_forms(tmp_path / "own")
    batch = upload(client, login(client, "forbund"), forms)
    token = login(client, "goteborg")
    upload(client, token, make_forms(tmp_path / "other", seed=7, forbund=OTHER_FORBUND,
                                     insats=OTHER_INSATS))
    read_all(client)
    return batch, forms[0]


def test_search_finds_by_personnummer_name_file_batch_and_date_within_scope(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a batch of Pyramis (a 9448 and its 9443) and one of Göteborg
    WHEN Pyramis' granskare searches by personnummer (with or without century and dash),
    name, file name, batch and upload date
    THEN the Pyramis documents are found each time; Göteborg's never; and Göteborg's
    uploader searching for the Pyramis person finds nothing."""
    batch, form_9448 = _uploaded(client, tmp_path)
    login(client, "granskare")
    assert len(_search(client, PERSONNUMMER)) == 2  # the 9448 and its consent
    assert len(_search(client, "931116-2383")) == 2
    assert len(_search(client, "eliasson")) == 2
    assert len(_search(client, form_9448.name[:12])) == 1
    assert len(_search(client, f"batch {batch['id']}")) == 2
    assert len(_search(client, now().date().isoformat())) == 2  # the day it was uploaded
    assert _search(client, "197810022397") == []  # Göteborg's person: not in scope
    login(client, "goteborg")
    assert _search(client, PERSONNUMMER) == []


def test_a_search_is_audited_by_who_and_ids_never_what_was_searched(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN documents in scope WHEN a granskare searches by personnummer
    THEN the audit trail names the granskare and the ids shown, and the personnummer
    appears nowhere in it."""
    _uploaded(client, tmp_path)
    login(client, "granskare")
    found = _search(client, PERSONNUMMER)
    with state_of(client).store.transaction() as session:
        events = audit_trail(session, entity="search")
    assert [e.actor for e in events] == ["granskare"]
    assert sorted(events[0].after["ids"]) == sorted(found)  # type: ignore[index]
    logged = json.dumps([e.model_dump(mode="json") for e in events])
    assert PERSONNUMMER not in logged and "2383" not in logged


def test_the_queue_tells_documents_apart(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read batch WHEN the granskare opens the queue
    THEN each row shows the person's name, the personnummer masked (never whole), the
    form, the source file and page, the batch and the förbund."""
    batch, form_9448 = _uploaded(client, tmp_path)
    login(client, "granskare")
    page = client.get("/ko").text
    assert NAME in page and "19931116-****" in page and PERSONNUMMER not in page
    assert f"{form_9448.name}, sida 1" in page
    assert f'href="/batch/{batch["id"]}"' in page and FORBUND in page
