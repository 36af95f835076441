"""uploads are read page by page: a document knows its page, once per upload; on
PostgreSQL the job engine's tables (procrastinate)

Revision ID: r0005
Revises: r0004

``review_document.page`` is the page of the upload a document was read from; a
unique index on (upload_id, page) makes writing a page's document idempotent, so a
page read again after its worker died never gives a second document. Documents
read before this revision keep ``page`` NULL (NULLs are distinct in the index).

On PostgreSQL the tables, types and functions of procrastinate (the job engine the
page jobs run on) are created here, in the same migration run as ours, so that N
nodes starting together create them once (``intake.review.db.upgrade`` holds an
advisory lock). A later procrastinate release that changes its schema ships its
own SQL migrations: apply them in a new revision of ours.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch_op.create_index("uq_review_document_page", ["upload_id", "page"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        exists = op.get_bind().execute(sa.text(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        if not exists:
            op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    with op.batch_alter_table("review_document", schema=None) as batch_op:
        batch_op.drop_index("uq_review_document_page")
        batch_op.drop_column("page")
