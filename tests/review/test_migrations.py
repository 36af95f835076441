"""The review queue's tables come from their own migrations, matching the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from intake.review.db import alembic_config, upgrade
from sus_store import make_engine
from sus_store import upgrade as upgrade_store


def test_review_migrations_match_the_models_beside_the_store(tmp_path: Path) -> None:
    """GIVEN a store with the review tables migrated beside it
    WHEN Alembic compares the review models with the database
    THEN nothing is missing (and the store's tables are not this environment's)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sus.db'}")
    upgrade_store(engine)
    upgrade(engine)
    upgrade(engine)  # idempotent
    command.check(alembic_config(engine))
    engine.dispose()
