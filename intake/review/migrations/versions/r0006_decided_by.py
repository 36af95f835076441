"""who decided a document and when (a decided document shows it, read-only)

Revision ID: r0006
Revises: r0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document") as batch:
        batch.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_document") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
