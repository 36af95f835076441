"""a document knows how long its page took to read (the read-time histogram of
/metrics)

Revision ID: r0008
Revises: r0007

``review_document.read_seconds``: the seconds a reading process spent on the page
(loading, aligning, reading, interpreting). NULL for documents read before this
revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_column("read_seconds")
