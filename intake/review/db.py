"""The review queue's tables live beside the store's, migrated by their own Alembic
environment (``intake/review/migrations``, version table ``review_alembic_version``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from sus_store.db import alembic_config as _store_config

_MIGRATIONS = Path(__file__).parent / "migrations"
#: The PostgreSQL advisory lock held while the service's migrations run (any number,
#: the same on every node): "SUS" in ASCII.
MIGRATION_LOCK = 0x535553


def alembic_config(engine: Engine) -> Config:
    return _store_config(engine, _MIGRATIONS)


def upgrade(engine: Engine) -> None:
    """Bring the review tables to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one node at a time inside (the others wait, then find the schema
    at head and do nothing): N web nodes and workers starting together never race
    on a migration. SQLite is one machine whose writers the database serialises."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": MIGRATION_LOCK})
            connection.commit()
