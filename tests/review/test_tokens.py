"""API tokens: a script uploads a batch and reads its result with a token alone (no
cookie, no CSRF); an expired, revoked or page-used token is refused, a guessing client
is throttled like a login, and the page shows a new token once."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from intake.review.clock import now
from intake.review.tokens import TokenIn, list_tokens, make_token, revoke_token
from sus_store import UserIn, audit_trail, create_user, grant, list_users, password_hash_of
from sus_store.vocab import Role
from tests.review.conftest import (
    TODAY,
    csrf_of,
    login,
    read_all,
    service_client,
    state_of,
)
from tests.review.hostile import blank_pdf_pages, multipart

SCAN = blank_pdf_pages(1, size_pt=300.0)


def token_for(client: TestClient, username: str, *, days: int = 30,
              made_days_ago: int = 0) -> str:
    with state_of(client).store.transaction() as session:
        made = make_token(session, TokenIn(username=username, label="skript", days=days),
                          actor="test", at=now() - timedelta(days=made_days_ago))
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def upload_with(client: TestClient, secret: str) -> Any:
    kind, body = multipart([("skanning.pdf", SCAN)])
    return client.post("/api/batches", content=body,
                       headers={"content-type": kind, **bearer(secret)})


def test_a_token_uploads_a_batch_and_reads_its_result(client: TestClient) -> None:
    """GIVEN a token of an uppladdare and no login at all
    WHEN a script uploads a file with it (no CSRF header) and polls the batch
    THEN the batch is the uppladdare's förbund's, and its read result is shown."""
    secret = token_for(client, "forbund")
    response = upload_with(client, secret)
    assert response.status_code == 200, response.text
    batch = response.json()
    assert batch["uploaded_by"] == "forbund" and batch["forbund_id"] is not None
    read_all(client)
    polled = client.get(f"/api/batches/{batch['id']}", headers=bearer(secret))
    assert polled.status_code == 200, polled.text
    assert [u["status"] for u in polled.json()["uploads"]] == ["done"]
    assert client.cookies.get("sus_session") is None  # nothing of a login was made


def test_a_token_has_its_users_scope(client: TestClient) -> None:
    """A granskare's token may not upload (403), an uppladdare's sees only its batches."""
    refused = upload_with(client, token_for(client, "granskare"))
    assert refused.status_code == 403
    upload_with(client, token_for(client, "forbund"))
    other = client.get("/api/batches", headers=bearer(token_for(client, "goteborg")))
    assert other.status_code == 200 and other.json() == []


def test_expired_revoked_or_unknown_token_is_refused(client: TestClient) -> None:
    """An expired, a revoked and a made-up token are all 401 on the API."""
    expired = token_for(client, "forbund", days=1, made_days_ago=2)
    revoked = token_for(client, "forbund")
    with state_of(client).store.transaction() as session:
        token_id = list_tokens(session, "forbund")[0].id
        revoke_token(session, token_id, actor="test", at=now())
    for secret in (expired, revoked, "sus_not-a-real-token", "x"):
        response = client.get("/api/batches", headers=bearer(secret))
        assert response.status_code == 401, (secret, response.text)
        assert response.json()["code"] == "bad_token"


def test_a_token_is_not_accepted_on_pages(client: TestClient) -> None:
    """GIVEN a valid token WHEN it is sent to a page (the overview, the admin page, the
    API's HTML docs) THEN it is refused there, even beside a logged-in cookie."""
    secret = token_for(client, "admin")
    for page in ("/", "/admin", "/ko", "/api/docs", "/nycklar"):
        response = client.get(page, headers=bearer(secret), follow_redirects=False)
        assert response.status_code == 401, (page, response.status_code)
    login(client, "admin")
    assert client.get("/", headers=bearer(secret)).status_code == 401
    assert client.get("/").status_code == 200


def test_a_token_of_a_stopped_account_is_refused(client: TestClient) -> None:
    from sus_store import deactivate_user

    secret = token_for(client, "forbund")
    with state_of(client).store.transaction() as session:
        deactivate_user(session, "forbund", actor="test")
    assert client.get("/api/batches", headers=bearer(secret)).status_code == 401


def test_a_cookie_call_still_needs_its_csrf_token(client: TestClient) -> None:
    """Tokens need no CSRF; a logged-in browser's upload without the header still fails."""
    login(client, "forbund")
    kind, body = multipart([("skanning.pdf", SCAN)])
    response = client.post("/api/batches", content=body, headers={"content-type": kind})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_a_guessing_client_is_locked_out_like_a_login(tmp_path: Path) -> None:
    """GIVEN a client that sent wrong tokens past the free failures
    WHEN it sends more, even a right one THEN 429 with Retry-After, no token checked."""
    with service_client(tmp_path, login_free_failures=1) as client:
        good = token_for(client, "forbund")
        codes = [client.get("/api/batches", headers=bearer(f"sus_guess{i}")).status_code
                 for i in range(6)]
        assert codes[0] == 401 and codes[-1] == 429, codes
        locked = client.get("/api/batches", headers=bearer(good))
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_token_page_shows_a_new_token_once_and_revokes_it(client: TestClient) -> None:
    """GIVEN an uppladdare on /nycklar WHEN they make a token THEN the page shows its
    secret once (not on the next visit), the token works, and once revoked on the page
    it is refused; both are in the audit trail."""
    csrf = login(client, "forbund")
    made = client.post("/nycklar", data={"label": "förbundets skript", "days": "30",
                                         "csrf": csrf})
    assert made.status_code == 200
    secret = re.search(r'id="token-secret">(sus_[^<]+)<', made.text)
    assert secret, made.text
    assert secret.group(1) not in client.get("/nycklar").text
    assert client.get("/api/batches", headers=bearer(secret.group(1))).status_code == 200
    token_id = re.search(r'action="/nycklar/(\d+)/aterkalla"', client.get("/nycklar").text)
    assert token_id
    csrf = csrf_of(client.get("/nycklar").text)
    revoked = client.post(f"/nycklar/{token_id.group(1)}/aterkalla", data={"csrf": csrf})
    assert revoked.status_code == 200 and "återkallad" in revoked.text
    assert client.get("/api/batches", headers=bearer(secret.group(1))).status_code == 401
    with state_of(client).store.transaction() as session:
        trail = [(e.action, e.entity) for e in audit_trail(session)]
    assert ("create", "api_token") in trail and ("revoke", "api_token") in trail


def test_admin_makes_tokens_for_service_users_only(client: TestClient) -> None:
    """An admin makes a token for a service user (no password), not for a person."""
    with state_of(client).store.transaction() as session:
        create_user(session, UserIn(username="skanner", display_name="Skannern"),
                    actor="test")
        grant(session, username="skanner", role=Role.DIARIET, valid_until=date(2027, 6, 30),
              today=TODAY, actor="test")
    csrf = login(client, "admin")
    for_service = client.post("/nycklar", data={"label": "skanner", "days": "10",
                                                "username": "skanner", "csrf": csrf})
    assert for_service.status_code == 200 and 'id="token-secret"' in for_service.text
    for_person = client.post("/nycklar", data={"label": "x", "days": "10",
                                               "username": "granskare", "csrf": csrf})
    assert for_person.status_code == 403 and 'id="token-secret"' not in for_person.text
    with state_of(client).store.transaction() as session:
        assert [t.username for t in list_tokens(session)] == ["skanner"]


def test_a_service_user_cannot_log_in(client: TestClient) -> None:
    """A user without a password (a service user) cannot log in to the pages."""
    with state_of(client).store.transaction() as session:
        create_user(session, UserIn(username="skanner", display_name="Skannern"),
                    actor="test")
    token = csrf_of(client.get("/login").text)
    for password in ("", "correct horse battery"):
        response = client.post("/login", data={"username": "skanner", "password": password,
                                               "csrf": token}, follow_redirects=False)
        assert response.status_code in (401, 422), response.status_code


def test_no_secret_is_stored(client: TestClient) -> None:
    from intake.review.schema import ApiToken

    secret = token_for(client, "forbund")
    with state_of(client).store.transaction() as session:
        keys = list(session.scalars(select(ApiToken.key)))
    assert secret not in keys and all(len(k) == 64 for k in keys)


def test_admin_creates_a_service_user_on_the_admin_page(client: TestClient) -> None:
    """GIVEN an admin WHEN they create a user ticked as a service user, without a
    password THEN it exists without one; a person without a password is refused."""
    csrf = login(client, "admin")
    made = client.post("/admin/anvandare", follow_redirects=False, data={
        "username": "skanner", "display_name": "Skannern", "service": "1", "csrf": csrf})
    assert made.status_code == 303, made.text
    person = client.post("/admin/anvandare", data={
        "username": "berit", "display_name": "Berit", "password": "", "csrf": csrf})
    assert person.status_code == 422 and "minst 10 tecken" in person.text
    with state_of(client).store.transaction() as session:
        assert password_hash_of(session, "skanner") is None
        assert "berit" not in [u.username for u in list_users(session)]
