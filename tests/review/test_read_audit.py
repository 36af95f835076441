"""Reads of personal data in the review queue are audited (who, what, when): the
document list, a document, the review page and the page image — by document id,
never with the personnummer or name that was shown."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sus_store import audit_trail
from tests.review.conftest import login, make_forms, read_all, state_of, upload


def _trail(client: TestClient) -> list[tuple[str, str, str, int | None]]:
    with state_of(client).store.transaction() as session:
        return [(e.actor, e.action, e.entity, e.entity_id)
                for e in reversed(audit_trail(session, actor="granskare"))]


def test_reads_of_documents_and_page_images_are_audited_without_personal_data(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 waiting for review
    WHEN the granskare lists the queue, opens the document through the API, opens its
    review page and its page image
    THEN each read is in the audit trail with who, what and when, and no event holds
    the personnummer (in any form) or the name."""
    upload(client, login(client, "forbund"), make_forms(tmp_path / "in", consent=False))
    read_all(client)
    login(client, "granskare")
    listed = client.get("/api/documents").json()
    document = listed[0]
    fields = {f["name"]: f["value"] for f in document["fields"]}
    assert client.get(f"/api/documents/{document['id']}").status_code == 200
    assert client.get(f"/granska/{document['id']}").status_code == 200
    assert client.get(f"/sida/{document['id']}.jpg").status_code == 200
    assert _trail(client) == [
        ("granskare", "list", "document", None),
        ("granskare", "read", "document", document["id"]),
        ("granskare", "read", "document", document["id"]),
        ("granskare", "read", "page_image", document["id"]),
    ]
    with state_of(client).store.transaction() as session:
        events = audit_trail(session, actor="granskare")
        dumped = " ".join(e.model_dump_json() for e in events)
        assert all(e.at is not None for e in events)
    assert events[-1].after == {"ids": [document["id"]]}
    personnummer, namn = str(fields["personnummer"]), str(fields["namn"])
    for trace in (personnummer, personnummer[2:], f"{personnummer[2:8]}-{personnummer[8:]}",
                  *namn.split()):
        assert trace not in dumped


def test_audit_page_names_document_reads_in_swedish(client: TestClient,
                                                    tmp_path: Path) -> None:
    """GIVEN a granskare who opened a page image
    WHEN the admin looks at the audit trail
    THEN the read is listed as 'läste Sidbild'."""
    upload(client, login(client, "forbund"), make_forms(tmp_path / "in", consent=False))
    read_all(client)
    login(client, "granskare")
    document = client.get("/api/documents").json()[0]
    client.get(f"/sida/{document['id']}.jpg")
    login(client, "admin")
    page = client.get("/admin/logg")
    assert page.status_code == 200, page.status_code
    assert "Sidbild" in page.text and "listade" in page.text


def test_consent_desk_list_is_audited_by_consent_id(client: TestClient) -> None:
    """GIVEN a consent Diariet filed that waits for its participation
    WHEN Diariet opens the consent desk (date of birth, ort and datum of each)
    THEN the list is in the audit trail by consent id, without the personnummer."""
    from tests.review.test_consents_desk import Waiting, with_consent_routes
    from tests.sus_store.builders import KVINNA

    with_consent_routes(client.app)  # type: ignore[arg-type]
    waiting = Waiting(client)
    login(client, "diariet")
    assert client.get("/samtycken").status_code == 200
    with state_of(client).store.transaction() as session:
        (event,) = [e for e in audit_trail(session, actor="diariet", entity="consent")
                    if e.action != "archive"]  # Waiting filed it as Diariet
    assert (event.action, event.after) == ("list", {"ids": [waiting.consent_id]})
    assert KVINNA not in event.model_dump_json() and KVINNA[2:] not in event.model_dump_json()
