"""Claims (issue 15, point 4): "nästa" hands each tab its own document, a claim not
renewed lapses, and the holder or an admin can release one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from intake.review.clock import now
from intake.review.schema import Document
from tests.review.conftest import (
    login,
    make_forms,
    read_all,
    service_client,
    state_of,
    upload,
)


def _next(client: TestClient) -> str:
    location: str = client.get("/granska/nasta", follow_redirects=False).headers["location"]
    return location


def test_next_never_hands_the_same_document_to_two_tabs(
        tmp_path: Path, database: dict[str, Any]) -> None:
    """GIVEN two 9448 in the queue WHEN one granskare's two tabs each ask for "nästa"
    THEN they get different documents, and a third ask finds none free."""
    with service_client(tmp_path, **database) as client:
        token = login(client, "forbund")
        upload(client, token, make_forms(tmp_path / "a", consent=False))
        upload(client, token, make_forms(tmp_path / "b", seed=7, consent=False))
        read_all(client)
        login(client, "granskare")
        first, second = _next(client), _next(client)
        assert first.startswith("/granska/") and second.startswith("/granska/")
        assert first != second
        assert _next(client) == "/ko"


def test_a_claim_not_renewed_lapses_and_renewing_keeps_it(tmp_path: Path) -> None:
    """GIVEN a granskare holding a document (claims lapse after 60 s)
    WHEN an admin looks THEN it is held;
    WHEN it has not been renewed for 61 s THEN the admin's page no longer says so;
    WHEN the granskare's page renews it THEN it is held again, and the admin may not
    take it."""
    with service_client(tmp_path, claim_seconds=60) as client:
        upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
        read_all(client)
        login(client, "granskare")
        url = _next(client)
        document_id = int(url.rsplit("/", 1)[1])
        login(client, "admin")
        assert 'id="held-by"' in client.get(url).text
        with state_of(client).store.transaction() as session:
            held = session.get_one(Document, document_id)
            held.claimed_at = now() - timedelta(seconds=61)
        assert 'id="held-by"' not in client.get(url).text
        token = login(client, "granskare")
        assert client.post(f"/api/documents/{document_id}/claim",
                           headers={"X-CSRF-Token": token}).is_success  # the page renews
        admin_token = login(client, "admin")
        assert 'id="held-by"' in client.get(url).text
        refused = client.post(f"/api/documents/{document_id}/claim",
                              headers={"X-CSRF-Token": admin_token})
        assert refused.status_code == 403


def test_an_admin_and_the_holder_release_a_claim_others_cannot(tmp_path: Path) -> None:
    """GIVEN a document the granskare holds
    WHEN the uploader tries to release it THEN 403;
    WHEN an admin releases it THEN the admin can take it at once;
    WHEN the holder (now the admin) releases it THEN the granskare's "nästa" gets it."""
    with service_client(tmp_path) as client:
        upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
        read_all(client)
        login(client, "granskare")
        url = _next(client)
        release = f"/api/documents/{url.rsplit('/', 1)[1]}/release"
        claim = release.replace("/release", "/claim")
        token = login(client, "forbund")
        refused = client.post(release, headers={"X-CSRF-Token": token})
        assert refused.status_code == 403
        assert "administratör" in refused.json()["message"]
        token = login(client, "admin")
        assert client.post(claim, headers={"X-CSRF-Token": token}).status_code == 403
        assert 'id="release"' in client.get(url).text  # the admin's button
        assert client.post(release, headers={"X-CSRF-Token": token}).is_success
        assert client.post(claim, headers={"X-CSRF-Token": token}).is_success
        assert client.post(release, headers={"X-CSRF-Token": token}).is_success
        login(client, "granskare")
        assert _next(client) == url


def test_a_page_left_open_does_not_take_back_a_claim_an_admin_released(
        tmp_path: Path) -> None:
    """GIVEN a document the granskare holds, its page still open and renewing
    WHEN an admin releases it
    THEN the page's next renewal is refused with a Swedish reason (it does not take the
    document back from whoever opens it next), while a fresh claim by the same granskare
    (reloading the page) still works; a renewal of a claim still held keeps it."""
    with service_client(tmp_path) as client:
        upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
        read_all(client)
        token = login(client, "granskare")
        url = _next(client)
        claim = f"/api/documents/{url.rsplit('/', 1)[1]}/claim"
        release = claim.replace("/claim", "/release")
        renewal = {"headers": {"X-CSRF-Token": token}, "json": {"renew": True}}
        assert client.post(claim, **renewal).is_success  # held: kept
        admin = login(client, "admin")
        assert client.post(release, headers={"X-CSRF-Token": admin}).is_success
        token = login(client, "granskare")
        renewal = {"headers": {"X-CSRF-Token": token}, "json": {"renew": True}}
        refused = client.post(claim, **renewal)
        assert refused.status_code == 403
        assert "inte längre ditt" in refused.json()["message"]
        assert client.post(claim, headers={"X-CSRF-Token": token}).is_success
