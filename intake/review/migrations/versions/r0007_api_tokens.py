"""API tokens for scripts: the SHA-256 of each secret, its user, expiry and revocation

Revision ID: r0007
Revises: r0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_api_token")),
        sa.UniqueConstraint("key", name=op.f("uq_review_api_token_key")),
    )
    op.create_index(op.f("ix_review_api_token_username"), "review_api_token", ["username"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_api_token_username"), table_name="review_api_token")
    op.drop_table("review_api_token")
