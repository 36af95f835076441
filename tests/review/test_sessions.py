"""Sessions live on the server: logging out ends that session for good, and a password
change or a permission taken away ends every session of the user."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from intake.review.schema import LoginSession
from intake.review.security import hash_password
from sus_store import deactivate_user, grant, permissions_of, revoke, set_password_hash
from tests.review.conftest import TODAY, login, state_of


def _logged_in(client: TestClient) -> bool:
    response = client.get("/api/documents")
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def test_a_cookie_kept_after_logout_no_longer_works(client: TestClient) -> None:
    """GIVEN a granskare's session cookie, copied WHEN they log out and the copy is sent
    again (a shared computer, a stolen cookie) THEN it is refused: 401."""
    token = login(client, "granskare")
    kept = client.cookies["sus_session"]
    assert _logged_in(client)
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("sus_session", kept)
    assert not _logged_in(client)


def test_logging_out_ends_only_that_session(client: TestClient) -> None:
    """GIVEN the granskare logged in on two computers WHEN they log out on one
    THEN the other stays logged in."""
    other = TestClient(client.app)
    login(other, "granskare")
    token = login(client, "granskare")
    client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert not _logged_in(client) and _logged_in(other)


def test_a_password_change_ends_the_users_sessions(client: TestClient) -> None:
    """GIVEN a logged-in granskare WHEN their password is changed (by an admin or the
    command line) THEN their session ends; another user's does not."""
    login(client, "granskare")
    bystander = TestClient(client.app)
    login(bystander, "diariet")
    with state_of(client).store.transaction() as session:
        set_password_hash(session, "granskare", hash_password("ett helt nytt lösenord"),
                          actor="admin")
    assert not _logged_in(client) and _logged_in(bystander)


def test_taking_a_permission_away_ends_the_users_sessions(client: TestClient) -> None:
    """GIVEN a logged-in granskare WHEN an admin revokes their permission
    THEN their session ends at the next request (they must log in again)."""
    login(client, "granskare")
    with state_of(client).store.transaction() as session:
        held = permissions_of(session, "granskare", today=TODAY)
        revoke(session, held[0].id, actor="admin")
    assert not _logged_in(client)
    page = client.get("/ko", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_user_stopped_while_logged_in_is_refused_at_the_next_request(
        client: TestClient) -> None:
    """GIVEN a granskare who has just opened a page WHEN an admin stops their account
    THEN their very next request is refused (nothing of who they are is kept between
    requests), a page sends them to the login."""
    login(client, "granskare")
    assert _logged_in(client)
    with state_of(client).store.transaction() as session:
        deactivate_user(session, "granskare", actor="admin")
    assert not _logged_in(client)
    page = client.get("/ko", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_permission_given_keeps_the_session(client: TestClient) -> None:
    """GIVEN a logged-in uploader WHEN they are given one more permission
    THEN they stay logged in (only a loss ends sessions)."""
    from datetime import date

    from sus_store.vocab import Role

    login(client, "forbund")
    with state_of(client).store.transaction() as session:
        grant(session, username="forbund", role=Role.RAPPORT, valid_until=date(2027, 1, 1),
              today=TODAY, actor="admin")
    assert _logged_in(client)


def test_the_database_never_holds_the_cookie_token(client: TestClient) -> None:
    """GIVEN a login WHEN the sessions table is read (a backup, say)
    THEN it holds no token a cookie could carry: only its hash."""
    login(client, "granskare")
    cookie = client.cookies["sus_session"]  # base64(JSON).timestamp.signature
    carried = json.loads(base64.b64decode(cookie.split(".")[0])).values()
    with state_of(client).store.transaction() as session:
        rows = list(session.scalars(select(LoginSession)))
    assert [row.username for row in rows] == ["granskare"]
    assert all(row.id not in carried for row in rows)
