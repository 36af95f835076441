"""initial tables

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_actor"), ["actor"], unique=False)

    op.create_table(
        "forbund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("finansieringsform", sa.String(length=32), nullable=False),
        sa.Column("startdatum", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forbund")),
        sa.UniqueConstraint("name", name=op.f("uq_forbund_name")),
    )
    op.create_table(
        "store_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_key")),
    )
    op.bulk_insert(
        sa.table("store_key", sa.column("id", sa.Integer), sa.column("secret", sa.String)),
        [{"id": 1, "secret": secrets.token_hex(32)}],
    )
    op.create_table(
        "forbund_budget",
        sa.Column("forbund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("belopp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forbund_id"], ["forbund.id"], name=op.f("fk_forbund_budget_forbund_id_forbund")
        ),
        sa.PrimaryKeyConstraint("forbund_id", "year", name=op.f("pk_forbund_budget")),
    )
    op.create_table(
        "insats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kategori", sa.String(length=32), nullable=False),
        sa.Column("inriktning", sa.String(length=32), nullable=False),
        sa.Column("deltagarform", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "period_end IS NULL OR period_end >= period_start", name=op.f("ck_insats_period")
        ),
        sa.ForeignKeyConstraint(
            ["forbund_id"], ["forbund.id"], name=op.f("fk_insats_forbund_id_forbund")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insats")),
        sa.UniqueConstraint("name", name=op.f("uq_insats_name")),
    )
    with op.batch_alter_table("insats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insats_forbund_id"), ["forbund_id"], unique=False)

    op.create_table(
        "anonymous_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insats_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kon", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["insats_id"], ["insats.id"], name=op.f("fk_anonymous_participant_insats_id_insats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_participant")),
    )
    with op.batch_alter_table("anonymous_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_anonymous_participant_insats_id"), ["insats_id"], unique=False
        )

    op.create_table(
        "insats_budget",
        sa.Column("insats_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("belopp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["insats_id"], ["insats.id"], name=op.f("fk_insats_budget_insats_id_insats")
        ),
        sa.PrimaryKeyConstraint("insats_id", "year", name=op.f("pk_insats_budget")),
    )
    op.create_table(
        "participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insats_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("personnummer", sa.String(length=12), nullable=False),
        sa.Column("namn", sa.String(length=200), nullable=False),
        sa.Column("kommun", sa.String(length=100), nullable=True),
        sa.Column("stadsdel", sa.String(length=100), nullable=True),
        sa.Column("kon", sa.String(length=8), nullable=False),
        sa.Column("startdatum", sa.Date(), nullable=False),
        sa.Column("utbildning", sa.String(length=32), nullable=False),
        sa.Column("forsorjningstid", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("avslutningsdatum", sa.Date(), nullable=True),
        sa.Column("avslutningsanledning", sa.Integer(), nullable=True),
        sa.Column("personal_data_stopped", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'open', 'closed')", name=op.f("ck_participation_status")
        ),
        sa.ForeignKeyConstraint(
            ["insats_id"], ["insats.id"], name=op.f("fk_participation_insats_id_insats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation")),
    )
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participation_insats_id"), ["insats_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_participation_personnummer"), ["personnummer"], unique=False
        )
        batch_op.create_index(
            "uq_participation_live",
            ["insats_id", "personnummer"],
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'open')"),
            sqlite_where=sa.text("status IN ('pending', 'open')"),
        )

    op.create_table(
        "permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=True),
        sa.Column("insats_id", sa.Integer(), nullable=True),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forbund_id"], ["forbund.id"], name=op.f("fk_permission_forbund_id_forbund")
        ),
        sa.ForeignKeyConstraint(
            ["insats_id"], ["insats.id"], name=op.f("fk_permission_insats_id_insats")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_permission_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission")),
    )
    with op.batch_alter_table("permission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permission_user_id"), ["user_id"], unique=False)

    op.create_table(
        "volym_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insats_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("antal", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["insats_id"], ["insats.id"], name=op.f("fk_volym_entry_insats_id_insats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volym_entry")),
    )
    with op.batch_alter_table("volym_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volym_entry_insats_id"), ["insats_id"], unique=False)

    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=True),
        sa.Column("personnummer", sa.String(length=12), nullable=False),
        sa.Column("ort", sa.String(length=100), nullable=True),
        sa.Column("datum", sa.Date(), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participation.id"],
            name=op.f("fk_consent_participation_id_participation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        sa.UniqueConstraint("participation_id", name=op.f("uq_consent_participation_id")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_personnummer"), ["personnummer"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_sha256"), ["sha256"], unique=False)

    op.create_table(
        "matning",
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("tillfalle", sa.String(length=2), nullable=False),
        sa.Column("forsorjning", sa.JSON(), nullable=False),
        sa.Column("aktivt_arbetssokande", sa.Boolean(), nullable=True),
        sa.Column("forvarvsarbete", sa.Boolean(), nullable=True),
        sa.Column("arbete_procent", sa.Integer(), nullable=True),
        sa.Column("arbete_typ", sa.String(length=32), nullable=True),
        sa.Column("studerar", sa.Boolean(), nullable=True),
        sa.Column("studier_procent", sa.Integer(), nullable=True),
        sa.CheckConstraint("tillfalle IN ('in', 'ut')", name=op.f("ck_matning_tillfalle")),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participation.id"],
            name=op.f("fk_matning_participation_id_participation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participation_id", "tillfalle", name=op.f("pk_matning")),
    )


def downgrade() -> None:
    op.drop_table("matning")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_sha256"))
        batch_op.drop_index(batch_op.f("ix_consent_personnummer"))

    op.drop_table("consent")
    with op.batch_alter_table("volym_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volym_entry_insats_id"))

    op.drop_table("volym_entry")
    with op.batch_alter_table("permission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permission_user_id"))

    op.drop_table("permission")
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_participation_live",
            postgresql_where=sa.text("status IN ('pending', 'open')"),
            sqlite_where=sa.text("status IN ('pending', 'open')"),
        )
        batch_op.drop_index(batch_op.f("ix_participation_personnummer"))
        batch_op.drop_index(batch_op.f("ix_participation_insats_id"))

    op.drop_table("participation")
    op.drop_table("insats_budget")
    with op.batch_alter_table("anonymous_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anonymous_participant_insats_id"))

    op.drop_table("anonymous_participant")
    with op.batch_alter_table("insats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insats_forbund_id"))

    op.drop_table("insats")
    op.drop_table("forbund_budget")
    op.drop_table("store_key")
    op.drop_table("forbund")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_actor"))

    op.drop_table("audit_event")
    op.drop_table("app_user")
