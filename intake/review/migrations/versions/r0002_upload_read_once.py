"""an upload's bytes are read once per förbund, held by a unique index

Revision ID: r0002
Revises: r0001

``review_upload.scope`` is the batch's förbund (0 for none: Diariet). Rows read
twice before the index existed (two uploads at the same moment) keep their
documents; the later of them is marked a duplicate of the first, as it would have
been, so that the index can hold from now on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

READ_UPLOADS = "status != 'duplicate'"


def upgrade() -> None:
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.Integer(), server_default="0",
                                      nullable=False))
    op.execute("UPDATE review_upload SET scope = COALESCE((SELECT forbund_id FROM review_batch"
               " WHERE review_batch.id = review_upload.batch_id), 0)")
    op.execute(
        "UPDATE review_upload SET status = 'duplicate', duplicate_of = (SELECT MIN(first.id)"
        " FROM review_upload AS first WHERE first.sha256 = review_upload.sha256"
        " AND first.scope = review_upload.scope AND first.status != 'duplicate')"
        " WHERE status != 'duplicate' AND EXISTS (SELECT 1 FROM review_upload AS earlier"
        " WHERE earlier.sha256 = review_upload.sha256 AND earlier.scope = review_upload.scope"
        " AND earlier.status != 'duplicate' AND earlier.id < review_upload.id)")
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.create_index(
            "uq_review_upload_read_once", ["sha256", "scope"], unique=True,
            postgresql_where=sa.text(READ_UPLOADS), sqlite_where=sa.text(READ_UPLOADS))


def downgrade() -> None:
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_review_upload_read_once",
            postgresql_where=sa.text(READ_UPLOADS), sqlite_where=sa.text(READ_UPLOADS))
        batch_op.drop_column("scope")
