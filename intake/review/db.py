"""The review queue's tables live beside the store's, migrated by their own Alembic
environment (``intake/review/migrations``, version table ``review_alembic_version``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from sus_store.db import alembic_config as _store_config

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    return _store_config(engine, _MIGRATIONS)


def upgrade(engine: Engine) -> None:
    """Bring the review tables to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")
