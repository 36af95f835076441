"""names out of the audit trail; removed people forgotten in it

Before this revision the trail wrote a participant's name in clear in the snapshot of
their registration, and kept that snapshot (with the person's pseudonym, kommun and
dates) after a felregistrering or an anonymous registration removed them. This
revision hides every name, empties the snapshots of participations and consents that
no longer exist, and replaces their pseudonyms wherever else they appear (searches,
matches) — as :func:`sus_store.audit.forget` does from now on. Nothing to undo.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from hashlib import sha256

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAMES = ("namn", "namnfortydligande")
KEPT = ("reason", "insats_id", "status")
HIDDEN, FORGOTTEN = "(dolt)", "(borttagen)"

events = sa.table("audit_event", sa.column("id", sa.Integer()), sa.column("entity", sa.String()),
                  sa.column("entity_id", sa.Integer()), sa.column("before", sa.JSON()),
                  sa.column("after", sa.JSON()))


def upgrade() -> None:
    bind = op.get_bind()
    live = {name: set(bind.execute(sa.text(f"SELECT id FROM {name}")).scalars())
            for name in ("participation", "consent")}
    key = bind.execute(sa.text("SELECT secret FROM store_key")).scalars().first() or ""
    kept = {_pseudonym(key, p) for p in bind.execute(sa.text(
        "SELECT personnummer FROM participation UNION SELECT personnummer FROM consent"
    )).scalars()}
    rows = list(bind.execute(sa.select(events)))
    gone = {alias for row in rows if _removed(row, live)
            for snapshot in (row.before, row.after) if snapshot
            for alias in [snapshot.get("personnummer")]
            if isinstance(alias, str) and alias.startswith("p:") and alias not in kept}
    for row in rows:
        removed = _removed(row, live)
        before = _cleaned(row.before, gone, keep=() if removed else None)
        after = _cleaned(row.after, gone, keep=KEPT if removed else None)
        if (before, after) != (row.before, row.after):
            bind.execute(events.update().where(events.c.id == row.id)
                         .values(before=before, after=after))


def _removed(row: sa.Row[tuple[object, ...]], live: Mapping[str, set[int]]) -> bool:
    return row.entity in live and row.entity_id is not None and row.entity_id not in live[
        row.entity]


def _cleaned(snapshot: Mapping[str, object] | None, gone: set[str],
             keep: tuple[str, ...] | None) -> dict[str, object] | None:
    if snapshot is None:
        return None
    return {name: HIDDEN if name in NAMES and value is not None
            else FORGOTTEN if isinstance(value, str) and value in gone else value
            for name, value in snapshot.items() if keep is None or name in keep}


def _pseudonym(key: str, personnummer: str) -> str:
    return "p:" + hmac.new(key.encode(), personnummer.encode(), sha256).hexdigest()[:16]


def downgrade() -> None:
    """Hidden names and forgotten people do not come back."""
