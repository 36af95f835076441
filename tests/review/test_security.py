"""The key that signs sessions: never a published or weak one, random beside the data in
development, required in production."""

from __future__ import annotations

import base64
import json
import stat
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from intake.errors import ConfigurationError
from intake.review.app import create_app
from intake.review.security import session_secret
from intake.settings import Settings
from tests.review.conftest import service_client

#: The development secret earlier versions signed every session with (it is in git).
PUBLISHED_SECRET = "development-only-secret-do-not-deploy"


def _forged_cookie(secret: str, session: dict[str, object]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it, with ``secret``."""
    data = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(secret).sign(data).decode()


def test_a_session_signed_with_the_published_secret_is_not_accepted(tmp_path: Path) -> None:
    """GIVEN a service started without SUS_ENVIRONMENT or SUS_SECRET_KEY
    WHEN an attacker signs an admin session with the secret published in the code
    THEN the service does not take it: 401 from the API."""
    with service_client(tmp_path) as client:
        cookie = _forged_cookie(PUBLISHED_SECRET, {"user": "admin",
                                                   "expires": time.time() + 3600})
        client.cookies.set("sus_session", cookie)
        response = client.get("/api/documents")
    assert response.status_code == 401


def test_development_makes_a_random_key_beside_the_data_only_the_owner_reads(
        tmp_path: Path) -> None:
    """GIVEN development settings without a key WHEN the service's key is asked for twice,
    and for another data folder
    THEN it is kept in DATA_DIR/secret_key with mode 0600, the same both times, strong,
    and another data folder gets another key."""
    settings = Settings(data_dir=tmp_path / "a")
    first, again = session_secret(settings), session_secret(settings)
    kept = tmp_path / "a" / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first == again and len(first) >= 32 and first != PUBLISHED_SECRET
    assert session_secret(Settings(data_dir=tmp_path / "b")) != first


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """GIVEN a kept key someone made readable by everyone WHEN the service starts
    THEN it refuses, saying what to do, without printing the key."""
    settings = Settings(data_dir=tmp_path)
    key = session_secret(settings)
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(ConfigurationError) as refused:
        session_secret(settings)
    assert "chmod 600" in refused.value.message and key not in refused.value.message


def test_production_without_a_key_does_not_start(tmp_path: Path) -> None:
    """GIVEN SUS_ENVIRONMENT=production and no SUS_SECRET_KEY WHEN the app is made
    THEN it refuses to start, naming the setting; no key file is made."""
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(environment="production", data_dir=tmp_path), run_worker=False)
    assert "SUS_SECRET_KEY" in refused.value.message
    assert not (tmp_path / "secret_key").exists()


def test_production_signs_with_the_key_given(tmp_path: Path) -> None:
    """GIVEN a production key WHEN a session is signed with it THEN the signature holds for
    the service (nothing else is used), and no key file is made."""
    key = "Zq8v3Jm1-xK7pL0aRt5Yb2Nc9We4Hs6Ud"
    settings = Settings(environment="production", secret_key=key, data_dir=tmp_path)
    assert session_secret(settings) == key
    app = create_app(settings, run_worker=False)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/login").status_code == 200
    assert not (tmp_path / "secret_key").exists()
