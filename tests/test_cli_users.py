"""``sus-intake users``: create users with a password, grant roles, list them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from intake.cli_users import users_group
from intake.review.security import verify_password
from intake.settings import Settings
from sus_store import (
    ForbundIn,
    InsatsIn,
    RuleViolation,
    Store,
    add_forbund,
    add_insats,
    open_store,
    password_hash_of,
    permissions_of,
)
from sus_store.users import latest_valid_until

TODAY = date(2026, 11, 25)
PASSWORD = "ett långt lösenord"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store the commands open (SUS_DATA_DIR), with one förbund and one insats."""
    monkeypatch.setenv("SUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUS_TODAY", TODAY.isoformat())
    settings = Settings()
    opened = open_store(settings.store_url(), settings.consent_archive_dir())
    with opened.transaction() as session:
        add_forbund(session, ForbundIn(name="Samordningsförbundet Pyramis",
                                       startdatum=date(2015, 1, 1)), actor="test")
        add_insats(session, InsatsIn(forbund="Samordningsförbundet Pyramis",
                                     name="Steg till arbete", period_start=date(2020, 1, 1)),
                   actor="test")
    yield opened
    opened.dispose()


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(users_group, list(args), input=stdin)


def test_create_with_password_from_stdin_and_a_role(store: Store) -> None:
    """GIVEN a password on standard input WHEN an admin is created with --role admin
    THEN the user can log in with it and holds admin for two years."""
    result = run("create", "Anna", "--name", "Anna Admin", "--role", "admin",
                 "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created user anna" in result.output
    with store.transaction() as session:
        assert verify_password(password_hash_of(session, "anna"), PASSWORD)
        (permission,) = permissions_of(session, "anna", today=TODAY)
    assert permission.role == "admin" and permission.valid_until == latest_valid_until(TODAY)


def test_create_asks_for_the_password_twice(store: Store) -> None:
    result = run("create", "berit", "--name", "Berit", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with store.transaction() as session:
        assert verify_password(password_hash_of(session, "berit"), PASSWORD)


def test_short_password_is_refused(store: Store) -> None:
    result = run("create", "berit", "--name", "Berit", "--password-stdin", stdin="kort\n")
    assert result.exit_code == 2
    assert "minst 10 tecken" in result.output
    with store.transaction() as session:
        assert password_hash_of(session, "berit") is None


def test_grant_granskare_for_an_insats_by_name(store: Store) -> None:
    """GIVEN a user WHEN granted granskare for an insats by its name, for 90 days
    THEN the permission names that insats and ends after 90 days; list shows it."""
    run("create", "cecilia", "--name", "Cecilia", "--password-stdin", stdin=PASSWORD + "\n")
    result = run("grant", "cecilia", "--role", "granskare", "--insats", "steg till arbete",
                 "--valid-days", "90")
    assert result.exit_code == 0, result.output
    with store.transaction() as session:
        (permission,) = permissions_of(session, "cecilia", today=TODAY)
    assert permission.insats_id is not None and permission.valid_until == date(2027, 2, 23)
    listing = run("list")
    assert "cecilia\tCecilia" in listing.output
    assert "granskare for insats Steg till arbete until 2027-02-23" in listing.output


def test_grant_refusals(store: Store) -> None:
    """GIVEN a user WHEN granted beyond two years, for an unknown insats, an unknown role
    or without a role THEN each is refused and nothing is granted."""
    run("create", "david", "--name", "David", "--password-stdin", stdin=PASSWORD + "\n")
    too_long = run("grant", "david", "--role", "diariet", "--valid-days", "800")
    assert isinstance(too_long.exception, RuleViolation)
    assert "högst två år" in too_long.exception.message
    unknown = run("grant", "david", "--role", "granskare", "--insats", "Steg till arbetet")
    assert unknown.exit_code == 2 and "did you mean: Steg till arbete" in unknown.output
    assert run("grant", "david", "--role", "kung").exit_code == 2
    assert run("grant", "david").exit_code == 2
    with store.transaction() as session:
        assert permissions_of(session, "david", today=TODAY) == []
