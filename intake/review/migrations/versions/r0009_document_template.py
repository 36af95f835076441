"""a document knows the template (layout and version of its form) it was read with

Revision ID: r0009
Revises: r0008

``review_document.template_id`` and ``template_version``: the template
(``intake.forms.store``) a scanned form was read with, for the review page to draw
that template's boxes and the templates page to count the documents read with each.
NULL for documents read before this revision and for digital forms.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_id", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("template_version", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_document_template_id"), ["template_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_document_template_id"))
        batch_op.drop_column("template_version")
        batch_op.drop_column("template_id")
