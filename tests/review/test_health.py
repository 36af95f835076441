"""/healthz and /readyz: for load balancers and orchestrators, without a login."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from intake.review.routes.health import DATA_DIR_UNWRITABLE, DATABASE_DOWN
from tests.review.conftest import service_client, state_of


def test_healthz_answers_while_the_process_serves(client: TestClient) -> None:
    """GIVEN the service WHEN /healthz is asked, logged in or not THEN 200 ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_the_database_and_data_directory(client: TestClient) -> None:
    """GIVEN the service with its store and data directory WHEN /readyz is asked
    THEN 200 ready, and the probe file it wrote is gone again."""
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "redo"}
    assert not list(state_of(client).files.root.glob(".readyz-*"))


def test_readyz_says_503_and_why_when_the_data_directory_is_gone(tmp_path: Path) -> None:
    """GIVEN the store elsewhere WHEN the data directory disappears THEN /readyz is 503
    saying so in Swedish, while /healthz still answers."""
    url = f"sqlite:///{tmp_path / 'store' / 'sus.db'}"
    with service_client(tmp_path / "data", database_url=url) as client:
        shutil.rmtree(tmp_path / "data")
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["problems"] == [DATA_DIR_UNWRITABLE]
        assert client.get("/healthz").status_code == 200


def test_readyz_says_503_when_the_database_does_not_answer(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the service WHEN its database stops answering THEN /readyz is 503 naming
    the database — without the driver's message or the address."""
    dead = create_engine("postgresql+psycopg://postgres@127.0.0.1:9/none",
                         connect_args={"connect_timeout": 2})
    monkeypatch.setattr(state_of(client).store, "engine", dead)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [DATABASE_DOWN]
    assert "127.0.0.1" not in response.text
