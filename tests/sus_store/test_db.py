"""Units of work: a read-only one writes nothing, except the audit of what it read."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sus_store import ForbundIn, Store, add_forbund, audit_read, audit_trail
from sus_store.schema import Forbund


def test_a_write_in_a_read_only_transaction_fails(store: Store) -> None:
    """GIVEN a förbund
    WHEN a read-only unit of work tries to rename it
    THEN the database refuses (SQLite query_only, PostgreSQL READ ONLY) and nothing
    changes, whether or not a writer happens to be about."""
    with store.transaction() as session:
        add_forbund(session, ForbundIn(name="Finsam Läsaren", startdatum=date(2020, 1, 1)),
                    actor="test")
    with pytest.raises(DBAPIError), store.transaction(read_only=True) as session:
        session.execute(update(Forbund).values(name="Finsam Ändrad"))
    with store.transaction() as session:
        assert session.scalars(select(Forbund.name)).all() == ["Finsam Läsaren"]


def test_reads_audited_in_a_read_only_transaction_are_in_the_trail(store: Store) -> None:
    """GIVEN a read-only unit of work that shows personal data and audits it
    WHEN it ends
    THEN the read is in the audit trail (written after the reads, in a write of its
    own), and a later writer works as before."""
    with store.transaction(read_only=True) as session:
        assert session.scalars(select(Forbund)).all() == []
        audit_read(session, actor="granskare", entity="participation", entity_id=7)
        session.scalars(select(Forbund)).all()  # a query after: the event waits
    with store.transaction() as session:
        trail = audit_trail(session, entity="participation", entity_id=7)
        add_forbund(session, ForbundIn(name="Finsam Efteråt", startdatum=date(2020, 1, 1)),
                    actor="test")
    assert [(e.actor, e.action) for e in trail] == [("granskare", "read")]


def _synced(session: Session) -> bool:
    """Whether this transaction's commit waits for the disk."""
    if session.get_bind().dialect.name == "sqlite":
        return bool(session.execute(text("PRAGMA synchronous")).scalar_one() == 2)  # FULL
    return session.execute(text("SHOW synchronous_commit")).scalar_one() == "on"


def test_a_write_that_need_not_outlive_a_power_cut_is_committed_and_leaves_others_synced(
        store: Store) -> None:
    """GIVEN a unit of work marked not durable (a page written, read again if lost)
    WHEN it commits
    THEN what it wrote is there for everyone at once, its commit did not wait for the
    disk, and the next ordinary unit on the same connection waits for it again (a
    reviewer's approval is never left unsynced)."""
    with store.transaction(durable=False) as session:
        add_forbund(session, ForbundIn(name="Finsam Snabb", startdatum=date(2020, 1, 1)),
                    actor="test")
        assert not _synced(session)
    with store.transaction() as session:
        assert session.scalars(select(Forbund.name)).all() == ["Finsam Snabb"]
        assert _synced(session)
