"""Diariet's consent desk: a mailed consent waits for its participation, shown with a
masked personnummer and its candidates, and is linked by a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from intake.review.routes import consents
from sus_store import file_consent, get_participation, register_in, unlinked_consents
from sus_store.vocab import Status
from tests.review.conftest import (
    INSATS,
    TODAY,
    login,
    make_forms,
    read_all,
    state_of,
    upload,
)
from tests.sus_store.builders import KVINNA, MAN, consent, inregistrering


def with_consent_routes(app: FastAPI) -> None:
    """Include this router until ``create_app`` does."""
    if not any(getattr(route, "path", None) == "/samtycken" for route in app.routes):
        app.include_router(consents.router)


class Waiting:
    """A consent filed before its participation existed, and that pending participation."""

    def __init__(self, client: TestClient) -> None:
        with state_of(client).store.transaction() as session:
            filed = file_consent(session, consent(KVINNA), actor="diariet", today=TODAY)
            assert filed.linked_to is None  # nothing to link to yet
            self.consent_id = filed.consent.id
            self.participation_id = register_in(session, inregistrering(KVINNA),
                                                hold_for_consent=True, actor="granskare",
                                                today=TODAY).id


@pytest.fixture
def desk(client: TestClient) -> TestClient:
    with_consent_routes(client.app)  # type: ignore[arg-type]
    return client


@pytest.fixture
def waiting(desk: TestClient) -> Waiting:
    return Waiting(desk)


def context(response: Any) -> dict[str, Any]:
    result: dict[str, Any] = response.context
    return result


def test_desk_lists_a_waiting_consent_with_masked_personnummer(
        desk: TestClient, waiting: Waiting) -> None:
    """GIVEN a consent waiting for a pending participation WHEN Diariet opens the desk
    THEN it is listed with the date of birth only and the participation as candidate."""
    login(desk, "diariet")
    response = desk.get("/samtycken")
    assert response.status_code == 200
    assert response.template.name == "consents.html"
    (row,) = context(response)["consents"]
    assert row.id == waiting.consent_id
    assert row.personnummer == "19800102-****"
    (candidate,) = row.candidates
    assert candidate.id == waiting.participation_id
    assert candidate.insats.startswith(INSATS) and candidate.status == "Väntar på samtycke"
    assert KVINNA not in response.text and KVINNA[-4:] not in response.text


def test_desk_names_the_person_as_registered_beside_the_masked_personnummer(
        desk: TestClient, waiting: Waiting) -> None:
    """GIVEN a consent waiting for a participation the store holds (registered as
    "Åsa Öberg-Test")
    WHEN Diariet opens the desk
    THEN the row names the person beside the masked personnummer, as registered, and the
    participation whose name was shown is in the audit trail (by id)."""
    from sus_store import audit_trail

    login(desk, "diariet")
    response = desk.get("/samtycken")
    (row,) = context(response)["consents"]
    assert (row.personnummer, row.namn, row.namn_fran) == (
        "19800102-****", "Åsa Öberg-Test", "register")
    assert "19800102-**** <span class=\"namn\">Åsa Öberg-Test</span>" in response.text
    with state_of(desk).store.transaction() as session:
        (shown,) = audit_trail(session, entity="participation", actor="diariet")
    assert shown.action == "list" and shown.after == {"ids": [waiting.participation_id]}


def test_desk_names_a_person_the_store_does_not_know_as_the_consent_was_read(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a mailed consent Diariet filed for someone with no participation yet
    WHEN the desk is opened
    THEN the row names the person as read from the consent (namnförtydligande), marked
    "enligt blanketten", never a blank beside the masked personnummer."""
    upload(client, login(client, "diariet"), make_forms(tmp_path)[1:])
    read_all(client)
    token = login(client, "diariet")
    document = client.get("/api/documents").json()[0]
    client.post(f"/api/documents/{document['id']}/claim", headers={"X-CSRF-Token": token})
    decided = client.post(f"/api/documents/{document['id']}/decision",
                          json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert decided.status_code == 200, decided.text
    with_consent_routes(client.app)  # type: ignore[arg-type]
    written = client.get(f"/api/documents/{document['id']}").json()
    (name,) = [f["value"] for f in written["fields"] if f["name"] == "namnfortydligande"]
    response = client.get("/samtycken")
    (row,) = context(response)["consents"]
    assert name and (row.namn, row.namn_fran) == (name, "blankett")
    assert "(enligt blanketten)" in response.text


def test_linking_opens_the_participation(desk: TestClient, waiting: Waiting) -> None:
    """GIVEN the waiting consent WHEN Diariet links it to the candidate
    THEN the desk says so, nothing waits any more and the participation is open."""
    token = login(desk, "diariet")
    response = desk.post(f"/samtycken/{waiting.consent_id}/koppla", follow_redirects=False,
                         data={"participation_id": str(waiting.participation_id),
                               "csrf": token})
    assert response.status_code == 303
    page = desk.get(response.headers["location"])
    assert context(page)["message"] == "Samtycket har kopplats till deltagandet."
    assert context(page)["consents"] == []
    with state_of(desk).store.transaction() as session:
        assert unlinked_consents(session) == []
        participation = get_participation(session, waiting.participation_id, actor="test")
        assert participation.status is Status.OPEN


def test_linking_to_another_persons_participation_is_refused(
        desk: TestClient, waiting: Waiting) -> None:
    """GIVEN a participation of another person WHEN the consent is linked to it
    THEN the desk shows the store's refusal and the consent still waits."""
    with state_of(desk).store.transaction() as session:
        other = register_in(session, inregistrering(MAN), hold_for_consent=True,
                            actor="granskare", today=TODAY).id
    token = login(desk, "admin")
    response = desk.post(f"/samtycken/{waiting.consent_id}/koppla",
                         data={"participation_id": str(other), "csrf": token})
    assert response.status_code == 422
    assert context(response)["error"] == "Samtycket gäller en annan person än deltagandet."
    assert [c.id for c in context(response)["consents"]] == [waiting.consent_id]


def test_link_without_csrf_is_refused(desk: TestClient, waiting: Waiting) -> None:
    login(desk, "diariet")
    response = desk.post(f"/samtycken/{waiting.consent_id}/koppla",
                         data={"participation_id": str(waiting.participation_id)})
    assert response.status_code == 403
    with state_of(desk).store.transaction() as session:
        assert [c.id for c in unlinked_consents(session)] == [waiting.consent_id]


def test_desk_is_for_diariet_and_admin_only(desk: TestClient) -> None:
    """GIVEN a granskare WHEN the desk is opened THEN 403; an admin sees it (empty)."""
    login(desk, "granskare")
    assert desk.get("/samtycken").status_code == 403
    login(desk, "admin")
    response = desk.get("/samtycken")
    assert response.status_code == 200 and context(response)["consents"] == []
    assert "Inga samtycken väntar." in response.text


def test_desk_shows_the_archived_scan_and_audits_the_read(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a consent Diariet filed that waits for its participation
    WHEN its scan is opened from the desk
    THEN the archived bytes come back and the read is in the audit trail."""
    from sus_store import audit_trail

    forms = make_forms(tmp_path)
    upload(client, login(client, "diariet"), forms[1:])
    read_all(client)
    token = login(client, "diariet")
    document = client.get("/api/documents").json()[0]
    claimed = client.post(f"/api/documents/{document['id']}/claim",
                          headers={"X-CSRF-Token": token})
    assert claimed.status_code == 200, claimed.text
    decided = client.post(f"/api/documents/{document['id']}/decision",
                          json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert decided.status_code == 200, decided.text
    with state_of(client).store.transaction() as session:
        consent_id = unlinked_consents(session)[0].id
    response = client.get(f"/samtycken/{consent_id}/skanning")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    with state_of(client).store.transaction() as session:
        assert audit_trail(session, entity="consent", entity_id=consent_id)[0].action == "read"


def test_the_archived_scan_is_a_download_never_shown_inline(
        desk: TestClient, waiting: Waiting) -> None:
    """GIVEN an archived consent PDF (which could carry JavaScript) WHEN Diariet opens it
    THEN it comes as an attachment, sandboxed and unsniffed, not rendered in the
    service's origin."""
    login(desk, "diariet")
    response = desk.get(f"/samtycken/{waiting.consent_id}/skanning")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert f"samtycke-{waiting.consent_id}.pdf" in response.headers["content-disposition"]
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
