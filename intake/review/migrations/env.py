"""Alembic environment of the review queue's tables (own version table)."""

from __future__ import annotations

from alembic import context

from intake.review.schema import ReviewBase

engine = context.config.attributes["engine"]


def _own_tables(name: str | None, type_: str, _parent: object) -> bool:
    """Only the review_* tables are this environment's; the store's are sus_store's."""
    return type_ != "table" or (name or "").startswith("review_")


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=ReviewBase.metadata,
        version_table="review_alembic_version",
        include_name=_own_tables,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
