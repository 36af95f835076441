"""The audit trail: every change and every read of personal data, with who and when.

Snapshots (``before``/``after``) are plain JSON of a row's columns in which a
personnummer is replaced by a keyed pseudonym (HMAC-SHA256 under this store's own
random key): the same person gives the same pseudonym, so a trail can be
followed, but no personnummer is in clear.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, date, datetime
from hashlib import sha256

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from sus_store.schema import AuditEvent, Base, StoreKey

#: Columns holding a personnummer, pseudonymised in every snapshot.
PERSONNUMMER_COLUMNS = frozenset({"personnummer"})


def pseudonym(session: Session, personnummer: str) -> str:
    """A stable pseudonym for ``personnummer`` in this store: ``p:`` + 16 hex digits."""
    key = session.info.get("audit_key")
    if key is None:
        key = session.scalars(select(StoreKey.secret)).one().encode()
        session.info["audit_key"] = key
    return "p:" + hmac.new(key, personnummer.encode(), sha256).hexdigest()[:16]


def snapshot(session: Session, row: Base, *, only: tuple[str, ...] = ()) -> dict[str, object]:
    """A row's columns as JSON values, personnummer pseudonymised."""
    names = only or tuple(column.key for column in row.__table__.columns)
    return {name: _json_value(session, name, getattr(row, name)) for name in names}


def _json_value(session: Session, name: str, value: object) -> object:
    if name in PERSONNUMMER_COLUMNS and isinstance(value, str):
        return pseudonym(session, value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def record(session: Session, *, actor: str, action: str, entity: str,
           entity_id: int | None = None, before: Mapping[str, object] | None = None,
           after: Mapping[str, object] | None = None) -> None:
    """Append one event to the trail, in the caller's transaction."""
    session.add(AuditEvent(
        at=datetime.now(UTC), actor=actor, action=action, entity=entity,
        entity_id=entity_id, before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    ))


class AuditEntry(BaseModel):
    """One event of the trail as the admin view shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, object] | None
    after: dict[str, object] | None


def audit_trail(session: Session, *, entity: str | None = None, entity_id: int | None = None,
                actor: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest events first, optionally for one row or one actor."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    return [AuditEntry.model_validate(event) for event in session.scalars(query)]
