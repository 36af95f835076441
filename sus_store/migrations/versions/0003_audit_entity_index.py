"""an index on the audit trail's (entity, entity_id)

A row's history (the admin's trail of one participation, :func:`sus_store.audit.forget`
when a person is removed) was found by reading the whole trail, which grows by a
row per read of personal data.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_entity_entity_id", ["entity", "entity_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_entity_entity_id")
