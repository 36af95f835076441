"""review queue tables

Revision ID: r0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_batch")),
    )
    with op.batch_alter_table("review_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_batch_forbund_id"), ["forbund_id"], unique=False
        )

    op.create_table(
        "review_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("pages_total", sa.Integer(), nullable=True),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["review_batch.id"], name=op.f("fk_review_upload_batch_id_review_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_upload")),
    )
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_upload_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_upload_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_upload_status"), ["status"], unique=False)

    op.create_table(
        "review_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=True),
        sa.Column("insats_id", sa.Integer(), nullable=True),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("form", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("needs_review", sa.JSON(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("image", sa.String(length=80), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("store_ref", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["review_batch.id"], name=op.f("fk_review_document_batch_id_review_batch")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["review_upload.id"],
            name=op.f("fk_review_document_upload_id_review_upload"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_document")),
    )
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_document_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_document_deadline"), ["deadline"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_document_forbund_id"), ["forbund_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_document_form"), ["form"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_document_insats_id"), ["insats_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_document_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_document_upload_id"), ["upload_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_document_upload_id"))
        batch_op.drop_index(batch_op.f("ix_review_document_status"))
        batch_op.drop_index(batch_op.f("ix_review_document_insats_id"))
        batch_op.drop_index(batch_op.f("ix_review_document_form"))
        batch_op.drop_index(batch_op.f("ix_review_document_forbund_id"))
        batch_op.drop_index(batch_op.f("ix_review_document_deadline"))
        batch_op.drop_index(batch_op.f("ix_review_document_batch_id"))

    op.drop_table("review_document")
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_upload_status"))
        batch_op.drop_index(batch_op.f("ix_review_upload_sha256"))
        batch_op.drop_index(batch_op.f("ix_review_upload_batch_id"))

    op.drop_table("review_upload")
    with op.batch_alter_table("review_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_batch_forbund_id"))

    op.drop_table("review_batch")
