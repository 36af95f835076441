"""a document keeps the keys the batch vote finds its partner by

Revision ID: r0013
Revises: r0012

``review_document.vote_personnummer`` (the personnummer read, when twelve digits) and
``vote_name`` (the name read, folded: case, accents, hyphens and commas dropped, its
words sorted), kept with ``fields`` by the service (set whenever the row is written,
NULL once its fields are forgotten). The batch vote of each FK 9443 and FK 9448 asks
for the documents of its batch that share the name key or a group of four digits of
the personnummer, instead of loading every open document of the batch for every page
written (issue 14: the owner's CPU per page grew with the batch). Documents still
holding what was read get their keys here, folded as ``intake.review.names.fold``
folded names at this revision.
"""

from __future__ import annotations

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "r0013"
down_revision = "r0012"
branch_labels = None
depends_on = None

NAME_FIELD = {"9443": "namnfortydligande", "9448": "namn", "9449": "namn"}
_DASHES = str.maketrans(dict.fromkeys("-‐‑‒–—", " "))


def _name_key(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_DASHES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch) and ch != ",")
    return " ".join(sorted(folded.split())) or None


def _twelve_digits(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 12 and value.isascii() and value.isdigit():
        return value
    return None


def _keys(form: str, fields: object) -> dict[str, str | None]:
    read = json.loads(fields) if isinstance(fields, str) else fields
    read = read if isinstance(read, dict) else {}
    name = (read.get(NAME_FIELD.get(form, "")) or {}).get("value")
    return {"pnr": _twelve_digits((read.get("personnummer") or {}).get("value")),
            "name": _name_key(name)}


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vote_personnummer", sa.String(length=12),
                                      nullable=True))
        batch_op.add_column(sa.Column("vote_name", sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, form, fields FROM review_document"
                                      " WHERE fields IS NOT NULL")).all()
    update = sa.text("UPDATE review_document SET vote_personnummer = :pnr, vote_name = :name"
                     " WHERE id = :id")
    for row_id, form, fields in rows:
        keys = _keys(form, fields)
        if keys["pnr"] is not None or keys["name"] is not None:
            connection.execute(update, {"id": row_id, **keys})


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_column("vote_name")
        batch_op.drop_column("vote_personnummer")
