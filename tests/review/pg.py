"""A PostgreSQL database of a test's own for the service (marker ``postgres``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import postgres_url


@contextmanager
def fresh_postgres(prefix: str = "sus_review") -> Iterator[str]:
    """The URL of an empty PostgreSQL database of its own, dropped afterwards."""
    base = make_url(postgres_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_service_url() -> Iterator[str]:
    """The URL of an empty database, dropped after the test."""
    with fresh_postgres() as url:
        yield url
