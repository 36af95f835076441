"""a page of a learned form of several pages keeps what was read on it until its
upload is read

Revision ID: r0011
Revises: r0010

``review_document.reads``: for a page read as a page of a learned template of several
pages, what was read on it (its widgets' reads, as ``extract`` keeps them to join a
later page). When the upload's last page is written, a later page with fields joins
the document of its page 1: that document is read again from both pages' reads
together (the same rules as ``extract``), then ``reads`` is cleared. NULL otherwise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reads", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_column("reads")
