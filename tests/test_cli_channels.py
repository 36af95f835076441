"""``sus-intake tokens`` and ``users create --service``: a service user for the scanner
folder or a script, and its tokens made (printed once), listed and revoked."""

from __future__ import annotations

from click.testing import CliRunner

from intake.cli import cli
from sus_store import Store, get_user, password_hash_of
from tests.test_cli_users import store

__all__ = ["store"]  # the fixture, used by name


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_service_user_has_no_password_and_gets_a_token_listed_and_revoked(
        store: Store) -> None:
    """GIVEN a service user made on the command line (no password asked)
    WHEN a token is made for it, listed and revoked
    THEN the secret is printed once (never listed), and the list says revoked."""
    code, out = run("users", "create", "skanner", "--service", "--name", "Skannern",
                    "--role", "diariet")
    assert code == 0, out
    with store.transaction() as session:
        assert get_user(session, "skanner").active
        assert password_hash_of(session, "skanner") is None
    code, out = run("tokens", "create", "skanner", "--label", "skannerns skript",
                    "--days", "30")
    assert code == 0, out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("sus_") and len(secret) > 40
    code, listed = run("tokens", "list")
    assert code == 0 and "skannerns skript" in listed and "giltig" in listed
    assert secret not in listed
    token_id = listed.split("\t", 1)[0]
    code, out = run("tokens", "revoke", token_id)
    assert code == 0 and "revoked" in out
    assert "återkallad" in run("tokens", "list", "skanner")[1]


def test_token_for_nobody_or_too_long_is_refused(store: Store) -> None:
    assert run("tokens", "create", "ingen", "--label", "x")[0] != 0
    code, out = run("users", "create", "skanner", "--service", "--name", "Skannern")
    assert code == 0, out
    assert run("tokens", "create", "skanner", "--label", "x", "--days", "400")[0] != 0
