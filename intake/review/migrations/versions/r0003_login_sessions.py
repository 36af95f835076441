"""login sessions kept on the server (logout, password change and revoked permissions
end them)

Revision ID: r0003
Revises: r0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_login_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_mark", sa.String(length=64), nullable=False),
        sa.Column("permission_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_login_session")),
    )
    with op.batch_alter_table("review_login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_login_session_username"), ["username"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_review_login_session_expires_at"),
                              ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_login_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_review_login_session_username"))
    op.drop_table("review_login_session")
