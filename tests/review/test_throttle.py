"""Login throttling: guessing locks the account and the client address with growing
locks, kept in the database (shared by web processes), logged without the username or
password; password checks are bounded, so guessers queue instead of slowing everyone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from intake.review.throttle import LoginGuard
from sus_store import get_user
from tests.review.conftest import PASSWORD, csrf_of, service_client, state_of
from tests.review.pg import fresh_postgres

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _try(client: TestClient, username: str, password: str) -> Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": token}, follow_redirects=False)


def _guard(client: TestClient) -> LoginGuard:
    guard: LoginGuard = client.app.state.login_guard  # type: ignore[attr-defined]
    return guard


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(
        client: TestClient) -> None:
    """GIVEN a guesser WHEN 30 wrong passwords for the granskare are tried
    THEN after the fifth each is refused with 429, a Swedish message and Retry-After,
    and the right password is refused too while the lock holds."""
    answers = [_try(client, "granskare", f"gissning {n}") for n in range(30)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    assert 0 < int(answers[-1].headers["retry-after"]) <= 900
    assert "Försök igen om" in answers[-1].text
    right = _try(client, "granskare", PASSWORD)
    assert right.status_code == 429 and "sus_session" not in right.headers.get("set-cookie", "")


def test_the_lock_is_the_same_for_an_account_that_does_not_exist(client: TestClient) -> None:
    """GIVEN a guesser WHEN an unknown username is tried as often THEN it is locked alike
    (the answers do not tell which accounts exist)."""
    answers = [_try(client, "finns-inte", f"gissning {n}").status_code for n in range(7)]
    assert answers == [401] * 5 + [429] * 2


def test_one_address_guessing_many_accounts_is_locked(tmp_path: Path) -> None:
    """GIVEN one client address WHEN it fails 20 times spread over accounts (4 each, under
    any account's limit) THEN its next login, even a right one, is refused with 429;
    another address logs in as usual."""
    with service_client(tmp_path) as client:
        app = client.app
        guesser = TestClient(app, client=("203.0.113.7", 40000))
        for username in ("admin", "granskare", "annan", "diariet", "forbund"):
            assert {_try(guesser, username, f"fel {n}").status_code for n in range(4)} == {401}
        assert _try(guesser, "goteborg", PASSWORD).status_code == 429
        colleague = TestClient(app, client=("198.51.100.20", 40000))
        assert _try(colleague, "goteborg", PASSWORD).status_code == 303


def test_a_successful_login_forgets_the_accounts_failures(client: TestClient) -> None:
    """GIVEN four wrong passwords and then the right one WHEN four more wrong ones follow
    THEN none is locked (the count began again at the login)."""
    assert {_try(client, "diariet", f"fel {n}").status_code for n in range(4)} == {401}
    assert _try(client, "diariet", PASSWORD).status_code == 303
    assert {_try(client, "diariet", f"fel {n}").status_code for n in range(4)} == {401}


def test_locks_end_and_grow_and_old_failures_are_forgotten(client: TestClient) -> None:
    """GIVEN an account's failures counted at set times
    WHEN its fifth fails THEN it is locked 30 s; after that the next failure locks 60 s,
    then 120 s; an hour without failures forgets them all."""
    guard, store = _guard(client), state_of(client).store
    keys = guard.keys("admin", "192.0.2.1")
    for _ in range(5):
        guard.failed(store, keys, at=T0, user_id=1)
    assert guard.refusal(store, keys, at=T0).retry_after == 30  # type: ignore[union-attr]
    assert guard.refusal(store, keys, at=T0 + timedelta(seconds=30)) is None
    later = T0 + timedelta(seconds=31)
    guard.failed(store, keys, at=later, user_id=1)
    assert guard.refusal(store, keys, at=later).retry_after == 60  # type: ignore[union-attr]
    later += timedelta(seconds=61)
    guard.failed(store, keys, at=later, user_id=1)
    assert guard.refusal(store, keys, at=later).retry_after == 120  # type: ignore[union-attr]
    much_later = later + timedelta(hours=1, minutes=3)
    guard.failed(store, keys, at=much_later, user_id=1)
    assert guard.refusal(store, keys, at=much_later) is None


def test_a_lockout_is_logged_by_user_id_without_username_or_password(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a guesser WHEN the granskare's account gets locked
    THEN a warning says so with the account's id, never the username or a password."""
    with state_of(client).store.transaction() as session:
        user_id = get_user(session, "granskare").id
    with caplog.at_level(logging.WARNING, logger="intake.review.throttle"):
        for n in range(6):
            _try(client, "granskare", f"hemlig-gissning-{n}")
    locked = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert locked and f"account {user_id} " in locked[0]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "granskare" not in logged and "hemlig-gissning" not in logged


def test_the_lock_holds_in_every_web_process(tmp_path: Path) -> None:
    """GIVEN two web processes on one database (two apps on one data folder)
    WHEN a guesser is locked out through one THEN the other refuses the account too."""
    from intake.review.app import create_app

    with service_client(tmp_path) as first:
        for n in range(5):
            _try(first, "admin", f"fel {n}")
        second_app = create_app(state_of(first).settings, run_worker=False)
        with TestClient(second_app) as second:
            assert _try(second, "admin", PASSWORD).status_code == 429


def test_when_every_password_check_is_taken_a_login_is_told_to_wait(tmp_path: Path) -> None:
    """GIVEN every slot for checking passwords taken (guessers hashing) WHEN someone logs in
    THEN they get 429 with Retry-After at once, not a long wait; with a slot free again,
    the same login works."""
    with service_client(tmp_path, login_hash_slots=1, login_wait_seconds=0) as client:
        guard = _guard(client)
        assert guard.slots.acquire(blocking=False)  # a guesser's check in progress
        busy = _try(client, "admin", PASSWORD)
        guard.slots.release()
        assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
        assert "belastad" in busy.text
        assert _try(client, "admin", PASSWORD).status_code == 303


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """The URL of an empty PostgreSQL database of this test's own, dropped after."""
    with fresh_postgres("sus_auth") as url:
        yield url


@pytest.mark.postgres
def test_the_lock_holds_in_every_web_process_on_postgresql(
        tmp_path: Path, empty_postgres: str) -> None:
    """GIVEN two web processes on one PostgreSQL store WHEN a guesser is locked out
    through one THEN the other refuses the account too, the right password included."""
    from intake.review.app import create_app

    with service_client(tmp_path, database_url=empty_postgres) as first:
        for n in range(5):
            assert _try(first, "admin", f"fel {n}").status_code == 401
        second_app = create_app(state_of(first).settings, run_worker=False)
        with TestClient(second_app) as second:
            assert _try(second, "admin", PASSWORD).status_code == 429
            assert _try(second, "granskare", PASSWORD).status_code == 303
