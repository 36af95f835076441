"""Alembic environment: runs on the engine :func:`sus_store.db.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from sus_store.schema import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
