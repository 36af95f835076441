"""Claims: only someone who may decide a document takes it, and only by asking (POST);
looking at it (GET) takes nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from intake.review.schema import Document
from tests.review.conftest import csrf_of, login, make_forms, read_all, state_of, upload


def _uploaded_9448(client: TestClient, tmp_path: Path) -> int:
    upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
    read_all(client)
    documents = client.get("/api/documents").json()
    return int(next(d["id"] for d in documents if d["form"] == "9448"))


def _claimed_by(client: TestClient, document_id: int) -> str | None:
    with state_of(client).store.transaction() as session:
        return session.get_one(Document, document_id).claimed_by


def test_an_uploader_cannot_claim_and_block_the_reviewer(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 the förbund's uploader sent WHEN the uploader posts a claim on it
    THEN 403 in Swedish, nobody holds it, and the granskare can take it at once."""
    document_id = _uploaded_9448(client, tmp_path)
    token = csrf_of(client.get("/").text)  # still the uploader
    refused = client.post(f"/api/documents/{document_id}/claim",
                          headers={"X-CSRF-Token": token})
    assert refused.status_code == 403 and "granska" in refused.json()["message"]
    assert _claimed_by(client, document_id) is None
    token = login(client, "granskare")
    taken = client.post(f"/api/documents/{document_id}/claim", headers={"X-CSRF-Token": token})
    assert taken.status_code == 200 and taken.json()["claimed_by"] == "granskare"


def test_opening_the_review_page_claims_nothing(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 waiting for review WHEN its granskare opens /granska/N
    THEN the page shows it, decidable, but nobody holds it until the page posts a claim."""
    document_id = _uploaded_9448(client, tmp_path)
    login(client, "granskare")
    page = client.get(f"/granska/{document_id}")
    assert page.status_code == 200 and page.context["decidable"]  # type: ignore[attr-defined]
    assert _claimed_by(client, document_id) is None


def test_the_review_page_shows_who_holds_the_document(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN admin has claimed a 9448 WHEN the granskare opens its page
    THEN it is shown (200), not decidable, saying admin is reviewing it; admin keeps it."""
    document_id = _uploaded_9448(client, tmp_path)
    token = login(client, "admin")
    assert client.post(f"/api/documents/{document_id}/claim",
                       headers={"X-CSRF-Token": token}).status_code == 200
    login(client, "granskare")
    page = client.get(f"/granska/{document_id}")
    assert page.status_code == 200
    assert page.context["decidable"] is False  # type: ignore[attr-defined]
    assert page.context["held_by"] == "admin"  # type: ignore[attr-defined]
    assert "granskas just nu av admin" in page.text
    assert _claimed_by(client, document_id) == "admin"
