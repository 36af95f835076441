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


def test_documents_read_before_the_vote_keys_get_them(tmp_path: Path) -> None:
    """GIVEN review tables at r0012 holding a 9443 waiting for review and a document
    whose reading was forgotten WHEN migrated to the newest THEN the 9443 has the keys
    its partner is found by (the personnummer, the name folded), the other none: a
    batch read across the upgrade still votes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sus.db'}")
    upgrade_store(engine)
    command.upgrade(alembic_config(engine), "r0012")
    fields = ('{"personnummer": {"value": "198001022386", "confidence": 0.9},'
              ' "namnfortydligande": {"value": " Åsa Öberg-Test", "confidence": 0.8}}')
    document = ("INSERT INTO review_document (id, upload_id, batch_id, pages, form, status,"
                " fields, needs_review, issues, problems, created_at, updated_at) VALUES"
                " ({id}, 1, 1, '[1]', '9443', '{status}', {fields}, '[]', '[]', '{{}}',"
                " '2026-11-25', '2026-11-25')")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO review_batch (id, forbund_id, uploaded_by,"
                                " created_at) VALUES (1, 7, 'a', '2026-11-25')"))
        connection.execute(text("INSERT INTO review_upload (id, batch_id, filename, sha256,"
                                " size, status, pages_done, created_at) VALUES (1, 1,"
                                " 'f.pdf', 'abc', 1, 'done', 2, '2026-11-25')"))
        connection.execute(text(document.format(id=1, status="review",
                                                fields=f"'{fields}'")))
        connection.execute(text(document.format(id=2, status="returned", fields="NULL")))
    upgrade(engine)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, vote_personnummer, vote_name"
                                       " FROM review_document ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "198001022386", "asa oberg test"),
                                        (2, None, None)]
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
