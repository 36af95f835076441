"""The schema is made by the Alembic migrations, and they match the models."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from sus_store import Store
from sus_store.db import alembic_config, upgrade
from sus_store.schema import Base


def test_migrated_schema_matches_the_models(store: Store) -> None:
    """GIVEN a store made by the migrations
    WHEN Alembic compares it with the models
    THEN there is nothing to migrate (a model change without a migration fails here)."""
    command.check(alembic_config(store.engine))
    assert set(inspect(store.engine).get_table_names()) >= set(Base.metadata.tables)


def test_upgrade_is_idempotent_and_downgrade_removes_every_table(store: Store) -> None:
    """GIVEN a migrated store
    WHEN it is upgraded again, downgraded to nothing and upgraded back
    THEN each step succeeds and the tables come back."""
    upgrade(store.engine)
    command.downgrade(alembic_config(store.engine), "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade(store.engine)
    assert set(inspect(store.engine).get_table_names()) >= set(Base.metadata.tables)
