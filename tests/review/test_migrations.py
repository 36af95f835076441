"""The review queue's tables come from their own migrations, matching the models."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from intake.review.db import alembic_config, upgrade
from intake.review.state import open_service
from intake.settings import Settings
from sus_store import make_engine
from sus_store import upgrade as upgrade_store
from tests.review.pg import postgres_service_url

__all__ = ["postgres_service_url"]  # the fixture, used by name


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


def test_uploads_read_twice_before_the_unique_index_become_duplicates(tmp_path: Path) -> None:
    """GIVEN review tables at r0001 holding the same file read twice for one förbund
    (the race before the index) and once for another
    WHEN migrated to the newest THEN the later of the two is a duplicate of the first,
    the other förbund's stays read, and a third insert for the first förbund is refused."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sus.db'}")
    upgrade_store(engine)
    command.upgrade(alembic_config(engine), "r0001")
    row = ("INSERT INTO review_upload (id, batch_id, filename, sha256, size, status,"
           " pages_done, created_at) VALUES ({id}, {batch}, 'f.pdf', 'abc', 1, 'done', 0,"
           " '2026-11-25')")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO review_batch (id, forbund_id, uploaded_by,"
                                " created_at) VALUES (1, 7, 'a', '2026-11-25'),"
                                " (2, 7, 'a', '2026-11-25'), (3, 8, 'b', '2026-11-25')"))
        for upload_id, batch in ((1, 1), (2, 2), (3, 3)):
            connection.execute(text(row.format(id=upload_id, batch=batch)))
    upgrade(engine)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, scope, status, duplicate_of"
                                       " FROM review_upload ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 7, "done", None), (2, 7, "duplicate", 1),
                                        (3, 8, "done", None)]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(row.format(id=4, batch=1).replace(
            "pages_done", "scope, pages_done").replace("'done', 0", "'queued', 7, 0")))
    engine.dispose()


@pytest.mark.postgres
def test_nodes_starting_together_migrate_an_empty_postgresql_once(
        tmp_path: Path, postgres_service_url: str) -> None:
    """GIVEN an empty PostgreSQL WHEN four nodes (web nodes and workers) open the
    service at the same moment THEN each starts, and the store and review tables are
    at their newest migration, created once (no node fails on a half-made schema)."""

    settings = Settings(data_dir=tmp_path, database_url=postgres_service_url)
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def node() -> None:
        start.wait()
        try:
            open_service(settings).store.dispose()
        except Exception as exc:  # collected for the assertion
            failures.append(exc)
    threads = [threading.Thread(target=node, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120  # racing migrations can wait on each other for ever
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "nodes stuck migrating"
    assert failures == []
    engine = make_engine(postgres_service_url)
    with engine.connect() as connection:
        versions = connection.execute(text(
            "SELECT version_num FROM review_alembic_version")).scalars().all()
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    engine.dispose()
    assert versions == list(heads)
