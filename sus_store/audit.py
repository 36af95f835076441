"""The audit trail: every change and every read of personal data, with who and when.

Snapshots (``before``/``after``) are plain JSON of a row's columns in which a
personnummer is replaced by a keyed pseudonym (HMAC-SHA256 under this store's own
random key): the same person gives the same pseudonym, so a trail can be
followed, but no personnummer is in clear; a name is never written at all.

When a person's data must go (felregistrering, anonymous, protected identity), the
snapshots of the removed rows are emptied and their pseudonym replaced
(:func:`forget`): the trail keeps who did what and when, not about whom.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, date, datetime
from hashlib import sha256

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from sus_store.schema import AuditEvent, Base, StoreKey

#: Columns holding a personnummer, pseudonymised in every snapshot.
PERSONNUMMER_COLUMNS = frozenset({"personnummer"})
#: Columns holding a name, never written to the trail (the admin sees that it changed).
NAME_COLUMNS = frozenset({"namn", "namnfortydligande"})
#: What stands in a snapshot for a name, and for a forgotten person's pseudonym.
HIDDEN = "(dolt)"
FORGOTTEN = "(borttagen)"


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
    if name in NAME_COLUMNS and value is not None:
        return HIDDEN
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


def forget(session: Session, *, personnummer: str, rows: Mapping[str, list[int]]) -> None:
    """Empty the snapshots of the removed ``rows`` (entity → ids) and replace the
    person's pseudonym wherever else the trail holds it (searches, matches)."""
    alias = pseudonym(session, personnummer)
    about = [and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids))
             for entity, ids in rows.items() if ids]
    mentions = [cast(AuditEvent.before, String).contains(alias),
                cast(AuditEvent.after, String).contains(alias)]
    for event in session.scalars(select(AuditEvent).where(or_(*about, *mentions))):
        if event.entity_id is not None and event.entity_id in rows.get(event.entity, ()):
            event.before = _forgotten(event.before, alias, keep=())
            event.after = _forgotten(event.after, alias, keep=_KEPT)
        elif _mentions(event.before, alias) or _mentions(event.after, alias):
            event.before = _forgotten(event.before, alias, keep=None)
            event.after = _forgotten(event.after, alias, keep=None)
        else:
            continue
        flag_modified(event, "before")
        flag_modified(event, "after")


#: What a forgotten row's events keep: the why and where, none of the person.
_KEPT = ("reason", "insats_id", "status")


def _mentions(snapshot: Mapping[str, object] | None, alias: str) -> bool:
    return bool(snapshot) and alias in snapshot.values()  # type: ignore[union-attr]


def _forgotten(snapshot: Mapping[str, object] | None, alias: str,
               keep: tuple[str, ...] | None) -> dict[str, object] | None:
    """``snapshot`` with only ``keep`` (all when None) and ``alias`` replaced."""
    if snapshot is None:
        return None
    return {name: FORGOTTEN if value == alias else value for name, value in snapshot.items()
            if keep is None or name in keep}


def read(session: Session, *, actor: str, entity: str, entity_id: int | None = None,
         ids: list[int] | None = None) -> None:
    """Record that ``actor`` was shown personal data: one row, or a list of them (by
    id only; never what was shown)."""
    record(session, actor=actor, action="read" if ids is None else "list", entity=entity,
           entity_id=entity_id, after=None if ids is None else {"ids": ids})


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
