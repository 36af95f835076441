"""an upload knows when its reading finished

Revision ID: r0012
Revises: r0011

``review_upload.finished_at``: when the upload's reading ended — its last page
written (every document stored, in the same transaction), or the upload failed, or,
for a duplicate, when it was received (nothing to read). With ``created_at`` (when
the upload was accepted) it is how long the service took to read it, as the batch
API reports it. NULL while it is read, and for uploads finished before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0012"
down_revision = "r0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_upload", schema=None) as batch_op:
        batch_op.drop_column("finished_at")
