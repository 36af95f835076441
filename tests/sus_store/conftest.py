"""A fresh store per test, on SQLite and on PostgreSQL alike.

``store`` is parametrised over both databases: every store test runs twice. The
PostgreSQL case needs the server at 127.0.0.1:5432 (marker ``postgres``: skipped
where it is missing, a failure in CI). Each test session gets its own database,
dropped at the end; each test starts from empty tables.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sus_store.archive import ConsentArchive
from sus_store.db import Store, make_engine, upgrade
from tests.conftest import postgres_url

_KEEP = {"alembic_version", "store_key"}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating takes longer)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of a migrated PostgreSQL database of this test session's own."""
    base = make_url(postgres_url())
    name = f"sus_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        names = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        tables = ", ".join(f'"{n}"' for n in names if n not in _KEEP)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "sus.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _empty_tables(url)
    return url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store with its consent archive in ``tmp_path``."""
    opened = Store(make_engine(store_url), ConsentArchive(tmp_path / "archive"))
    yield opened
    opened.dispose()
