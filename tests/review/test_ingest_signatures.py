"""Reading uploads into the queue: a mailed consent Diariet uploads is filed without a
person only when it is really signed — never on a name typed into a digital form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from intake.forms.blank import blank_pdf
from intake.forms.fill import fill_pdf
from intake.mapping.choices import DIGITAL_SIGNATURE, TYPED_SIGNATURE
from intake.review.schema import Document
from sus_store.schema import Consent, Participation
from tests.review.conftest import TODAY, login, make_forms, read_all, state_of, upload


def _waiting_participation(client: TestClient, tmp_path: Path) -> str:
    """A 9448 approved to wait for its consent; the person's personnummer."""
    upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
    read_all(client)
    token = login(client, "granskare")
    (document,) = client.get("/api/documents").json()
    headers = {"X-CSRF-Token": token}
    assert client.post(f"/api/documents/{document['id']}/claim", headers=headers).is_success
    waited = client.post(f"/api/documents/{document['id']}/decision",
                         json={"action": "wait_consent"}, headers=headers)
    assert waited.status_code == 200, waited.text
    with state_of(client).store.transaction() as session:
        personnummer = session.scalar(select(Participation.personnummer))
    assert personnummer is not None
    return personnummer


def _digital_consent(folder: Path, personnummer: str, underskrift: str | bool) -> Path:
    """A digitally filled 9443: ``underskrift`` typed into the box, or True for a PDF
    signature (a signature field with a signature dictionary)."""
    path = folder / "fk9443-digital.pdf"
    fill_pdf(blank_pdf("9443"), {
        "personnummer": personnummer, "underskrift": underskrift,
        "ort_och_datum": f"Uppsala {TODAY.isoformat()}",
        "namnfortydligande": "Testperson Testsson"}, path)
    return path


def _consent_document(client: TestClient) -> dict[str, Any]:
    documents: list[dict[str, Any]] = client.get("/api/documents").json()
    (document,) = (d for d in documents if d["form"] == "9443")
    return document


def _field(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in document["fields"] if f["name"] == name)


def _archived(client: TestClient) -> int:
    with state_of(client).store.transaction() as session:
        return int(session.scalar(select(func.count(Consent.id))) or 0)


def test_a_name_typed_into_a_digital_consent_is_no_signature(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a participation waiting for its consent
    WHEN Diariet uploads a digitally filled 9443 for that person with a name typed into
    'Underskrift', and it is read
    THEN nothing is archived and the participation still waits; the consent is in
    Diariet's queue as unsigned, flagged with why (a typed name is no signature)."""
    personnummer = _waiting_participation(client, tmp_path)
    upload(client, login(client, "diariet"),
           [_digital_consent(tmp_path, personnummer, "Testperson Testsson")])
    read_all(client)
    assert _archived(client) == 0
    with state_of(client).store.transaction() as session:
        assert list(session.scalars(select(Participation.status))) == ["pending"]
    document = _consent_document(client)
    assert document["status"] == "review"
    underskrift = _field(document, "underskrift")
    assert underskrift["value"] is False and underskrift["flagged"]
    assert TYPED_SIGNATURE in underskrift["messages"]


def test_a_pdf_signature_in_a_digital_consent_is_left_for_diariet_to_check(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a participation waiting for its consent
    WHEN Diariet uploads the person's 9443 filled and signed digitally (a PDF signature
    this service cannot verify)
    THEN it is not archived by itself: it waits for Diariet, signed but flagged 'check
    the digital signature'; once Diariet approves it, it is archived and linked."""
    personnummer = _waiting_participation(client, tmp_path)
    token = login(client, "diariet")
    upload(client, token, [_digital_consent(tmp_path, personnummer, True)])
    read_all(client)
    assert _archived(client) == 0
    document = _consent_document(client)
    underskrift = _field(document, "underskrift")
    assert underskrift["value"] is True and underskrift["flagged"]
    assert DIGITAL_SIGNATURE in underskrift["messages"]
    headers = {"X-CSRF-Token": token}
    assert client.post(f"/api/documents/{document['id']}/claim", headers=headers).is_success
    approved = client.post(f"/api/documents/{document['id']}/decision",
                           json={"action": "approve"}, headers=headers)
    assert approved.status_code == 200, approved.text
    assert _archived(client) == 1
    with state_of(client).store.transaction() as session:
        assert list(session.scalars(select(Participation.status))) == ["open"]
        row = session.get_one(Document, document["id"])
        assert row.status == "approved"
