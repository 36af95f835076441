"""A running intake service (TestClient) on a fresh SQLite store, with a small
organisation and one user per role; helpers to log in and to make forms."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from intake.demo import case_for, consent_case_for
from intake.review.app import create_app
from intake.review.ingest import process_next
from intake.review.security import hash_password
from intake.review.state import ServiceState
from intake.samples.make import write_cases
from intake.settings import Settings
from sus_store import (
    ForbundIn,
    InsatsIn,
    UserIn,
    add_forbund,
    add_insats,
    create_user,
    grant,
)
from sus_store.vocab import Role

TODAY = date(2026, 11, 25)
FORBUND = "Samordningsförbundet Pyramis"
OTHER_FORBUND = "Finsam Göteborg Nordost"
INSATS = "Steg till arbete"
OTHER_INSATS = "Unga till arbete"
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The service's store settings: the SQLite file in its data directory, or a fresh
    PostgreSQL database of this test's own (dropped after it)."""
    if request.param == "sqlite":
        yield {}
        return
    from tests.review.pg import fresh_postgres

    with fresh_postgres() as url:
        yield {"database_url": url}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with service_client(tmp_path) as test_client:
        yield test_client


@contextmanager
def service_client(data_dir: Path, *, run_worker: bool = False,
                   **settings: Any) -> Iterator[TestClient]:
    """The service on a fresh store in ``data_dir``, with these ``settings`` changed
    (reading uploads in the background with ``run_worker``)."""
    app = create_app(Settings(data_dir=data_dir, today=TODAY, **settings),
                     run_worker=run_worker)
    with TestClient(app) as test_client:
        _organisation(state_of(test_client))
        yield test_client


def state_of(client: TestClient) -> ServiceState:
    state: ServiceState = client.app.state.service  # type: ignore[attr-defined]
    return state


def _organisation(state: ServiceState) -> None:
    with state.store.transaction() as session:
        ids = {}
        for name, insats in ((FORBUND, INSATS), (OTHER_FORBUND, OTHER_INSATS)):
            forbund = add_forbund(session, ForbundIn(name=name, startdatum=date(2015, 1, 1)),
                                  actor="test")
            ids[name] = forbund.id
            ids[insats] = add_insats(session, InsatsIn(forbund=name, name=insats,
                                                       period_start=date(2020, 1, 1)),
                                     actor="test").id
        users = {
            "admin": (Role.ADMIN, {}),
            "granskare": (Role.GRANSKARE, {"insats_id": ids[INSATS]}),
            "annan": (Role.GRANSKARE, {"insats_id": ids[OTHER_INSATS]}),
            "diariet": (Role.DIARIET, {}),
            "forbund": (Role.UPPLADDARE, {"forbund_id": ids[FORBUND]}),
            "goteborg": (Role.UPPLADDARE, {"forbund_id": ids[OTHER_FORBUND]}),
        }
        hashed = hash_password(PASSWORD)
        for username, (role, scope) in users.items():
            create_user(session, UserIn(username=username, display_name=username.title(),
                                        password_hash=hashed), actor="test")
            grant(session, username=username, role=role, valid_until=date(2027, 6, 30),
                  today=TODAY, actor="test", **scope)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; the CSRF token for further requests."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def make_forms(folder: Path, *, style: str = "digital", consent: bool = True,
               insats: str = INSATS, forbund: str = FORBUND, seed: int = 5,
               blank: tuple[str, ...] = (), written: dict[str, str] | None = None
               ) -> list[Path]:
    """A filled 9448 (and its signed 9443) for ``insats``, written in ``style``; the
    ``blank`` fields of the 9448 are left empty (to make a rule flag them), and
    ``written`` replaces what is written in some (a misspelling, say)."""
    rng = random.Random(seed)
    case = case_for("9448", rng, forbund, insats, today=TODAY)
    for name in blank:
        case.written.pop(name, None)
        case.truth[name] = None
    case.written.update(written or {})
    case.truth.update(written or {})  # a digital form is filled from the truth
    paths = [write_cases([case], style, folder / f"fk9448-{seed}", rng)]
    if consent:
        paths.append(write_cases([consent_case_for(case, rng)], style,
                                 folder / f"fk9443-{seed}", rng))
    return paths


def upload(client: TestClient, token: str, paths: list[Path],
           forbund_id: int | None = None) -> dict[str, object]:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    data = {} if forbund_id is None else {"forbund_id": str(forbund_id)}
    response = client.post("/api/batches", files=files, data=data,
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    batch: dict[str, object] = response.json()
    return batch


def read_all(client: TestClient) -> None:
    """Run the background worker's step until every queued upload is read."""
    while process_next(state_of(client)):
        pass
