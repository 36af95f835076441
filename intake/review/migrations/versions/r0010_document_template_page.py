"""a document knows which page of its template its page is

Revision ID: r0010
Revises: r0009

``review_document.template_page``: which page of the template (``template_id``) the
document's page was read as — 1, or 2 and on for a learned template of several pages
(a page of text after the form). When an upload is read, a template's page of text
joins the document of the page before it (its page number added to that document's
``pages``). NULL for documents read before this revision and for digital forms.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_page", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_column("template_page")
