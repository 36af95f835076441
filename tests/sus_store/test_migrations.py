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


def test_upgrade_hides_names_and_forgets_removed_people_in_the_audit_trail(
        store: Store) -> None:
    """GIVEN a trail written before names were hidden: a registration's snapshot with
    the name in clear, of a participation since removed (felregistrering), a search
    for that person by pseudonym, and a registration of someone still registered
    WHEN the store is upgraded
    THEN no name is left, the removed person's snapshot and pseudonym are gone, and the
    one still registered keeps their pseudonym (names hidden)."""
    from datetime import UTC, datetime

    from sus_store import audit_trail, register_in
    from sus_store.audit import pseudonym
    from sus_store.schema import AuditEvent
    from tests.sus_store.builders import (
        ADMIN,
        KVINNA,
        MAN,
        consent,
        inregistrering,
        organisation,
    )

    organisation(store)
    with store.transaction() as session:
        kept = register_in(session, inregistrering(MAN), consent=consent(MAN), actor=ADMIN,
                           today=datetime(2026, 11, 25).date())
        gone, kept_alias = pseudonym(session, KVINNA), pseudonym(session, MAN)
        at = datetime.now(UTC)
        for entity_id, alias, namn in ((9999, gone, "Åsa Öberg-Test"),
                                       (kept.id, kept_alias, "Bo Berg-Test")):
            session.add(AuditEvent(at=at, actor=ADMIN, action="create", entity="participation",
                                   entity_id=entity_id, after={"personnummer": alias,
                                                               "namn": namn,
                                                               "kommun": "Uppsala"}))
        session.add(AuditEvent(at=at, actor="granskare1", action="search",
                               entity="participation", after={"personnummer": gone,
                                                              "found": 1}))
    command.downgrade(alembic_config(store.engine), "0001")
    upgrade(store.engine)
    with store.transaction() as session:
        entries = audit_trail(session, limit=1000)
        removed = audit_trail(session, entity="participation", entity_id=9999)
    trail = " ".join(e.model_dump_json() for e in entries)
    assert "Öberg" not in trail and "\\u00d6berg" not in trail and "Berg-Test" not in trail
    assert gone not in trail and kept_alias in trail
    assert [e.after for e in removed] == [{}]


def test_audit_trail_of_one_row_is_found_by_an_index(store: Store) -> None:
    """GIVEN a migrated store
    WHEN its audit_event indexes are listed
    THEN one covers (entity, entity_id), so a row's history (the admin's view of one
    participation, forgetting a removed person) is not a scan of the whole trail."""
    indexes = inspect(store.engine).get_indexes("audit_event")
    assert ["entity", "entity_id"] in [index["column_names"] for index in indexes]
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM audit_event"
                " WHERE entity = 'participation' AND entity_id = 7"))
        assert "ix_audit_event_entity_entity_id" in plan
