"""The store's tables (SQLAlchemy). Only ``sus_store`` touches them.

Personal data lives in three places only: ``participation`` (personnummer, namn,
kommun, stadsdel and the measurements), ``consent`` (personnummer, ort, datum, the
archived scan's hash) and nowhere else: anonymous and volym registrations are
counts, and the audit trail names people by pseudonym.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Constraint names fixed by convention, so migrations are the same on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Statuses in which a participation is "live": at most one per person and insats.
LIVE_STATUSES = "status IN ('pending', 'open')"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Forbund(Base):
    """A samverkansorganisation (samordningsförbund)."""

    __tablename__ = "forbund"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    finansieringsform: Mapped[str] = mapped_column(String(32))
    startdatum: Mapped[date] = mapped_column(Date)
    insatser: Mapped[list[Insats]] = relationship(back_populates="forbund")


class Insats(Base):
    """An insats of a förbund, with its category, period and way of registering."""

    __tablename__ = "insats"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kategori: Mapped[str] = mapped_column(String(32))
    inriktning: Mapped[str] = mapped_column(String(32))
    deltagarform: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    forbund: Mapped[Forbund] = relationship(back_populates="insatser")

    __table_args__ = (
        CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period"),
    )


class ForbundBudget(Base):
    """A förbund's budget for one calendar year, in kronor."""

    __tablename__ = "forbund_budget"

    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    belopp: Mapped[int] = mapped_column(Integer)


class InsatsBudget(Base):
    """An insats's budget for one calendar year, in kronor."""

    __tablename__ = "insats_budget"

    insats_id: Mapped[int] = mapped_column(ForeignKey("insats.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    belopp: Mapped[int] = mapped_column(Integer)


class Participation(Base):
    """One person in one insats, from inregistrering to utregistrering."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    insats_id: Mapped[int] = mapped_column(ForeignKey("insats.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    personnummer: Mapped[str] = mapped_column(String(12), index=True)
    namn: Mapped[str] = mapped_column(String(200))
    kommun: Mapped[str | None] = mapped_column(String(100))
    stadsdel: Mapped[str | None] = mapped_column(String(100))
    kon: Mapped[str] = mapped_column(String(8))
    startdatum: Mapped[date] = mapped_column(Date)
    utbildning: Mapped[str] = mapped_column(String(32))
    forsorjningstid: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    avslutningsdatum: Mapped[date | None] = mapped_column(Date)
    avslutningsanledning: Mapped[int | None] = mapped_column(Integer)
    personal_data_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    matningar: Mapped[list[MatningRow]] = relationship(
        cascade="all, delete-orphan", back_populates="participation"
    )
    insats: Mapped[Insats] = relationship()

    __table_args__ = (
        Index(
            "uq_participation_live",
            "insats_id",
            "personnummer",
            unique=True,
            postgresql_where=text(LIVE_STATUSES),
            sqlite_where=text(LIVE_STATUSES),
        ),
        CheckConstraint("status IN ('pending', 'open', 'closed')", name="status"),
    )


class MatningRow(Base):
    """A measurement: ``in`` (before the insats, FK 9448) or ``ut`` (after, FK 9449)."""

    __tablename__ = "matning"

    participation_id: Mapped[int] = mapped_column(
        ForeignKey("participation.id", ondelete="CASCADE"), primary_key=True
    )
    tillfalle: Mapped[str] = mapped_column(String(2), primary_key=True)
    forsorjning: Mapped[list[str]] = mapped_column(JSON)
    aktivt_arbetssokande: Mapped[bool | None] = mapped_column(Boolean)
    forvarvsarbete: Mapped[bool | None] = mapped_column(Boolean)
    arbete_procent: Mapped[int | None] = mapped_column(Integer)
    arbete_typ: Mapped[str | None] = mapped_column(String(32))
    studerar: Mapped[bool | None] = mapped_column(Boolean)
    studier_procent: Mapped[int | None] = mapped_column(Integer)
    participation: Mapped[Participation] = relationship(back_populates="matningar")

    __table_args__ = (CheckConstraint("tillfalle IN ('in', 'ut')", name="tillfalle"),)


class Consent(Base):
    """A signed FK 9443, its archived scan, and the one participation it covers."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation.id"), unique=True
    )
    personnummer: Mapped[str] = mapped_column(String(12), index=True)
    ort: Mapped[str | None] = mapped_column(String(100))
    datum: Mapped[date | None] = mapped_column(Date)
    signed: Mapped[bool] = mapped_column(Boolean)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date] = mapped_column(Date)


class AnonymousParticipant(Base):
    """An anonymous participant: only the insats, inregistreringsår and kön (rule 10)."""

    __tablename__ = "anonymous_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    insats_id: Mapped[int] = mapped_column(ForeignKey("insats.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kon: Mapped[str] = mapped_column(String(8))


class VolymEntry(Base):
    """A number of participants of a volyminsats in a year, without kön (rule 11)."""

    __tablename__ = "volym_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    insats_id: Mapped[int] = mapped_column(ForeignKey("insats.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    antal: Mapped[int] = mapped_column(Integer)


class User(Base):
    """A person who works with the service."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    permissions: Mapped[list[Permission]] = relationship(
        cascade="all, delete-orphan", back_populates="user"
    )


class Permission(Base):
    """A role for a user, for one förbund or insats where the role needs it, until an
    end date at most two years after it was granted (seed 000)."""

    __tablename__ = "permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id"))
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"))
    granted_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    user: Mapped[User] = relationship(back_populates="permissions")


class AuditEvent(Base):
    """Who did what, when, to which row: every change and every read of personal data.

    ``before`` and ``after`` never hold a personnummer in clear: it is replaced by a
    keyed pseudonym (:mod:`sus_store.audit`).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)

    #: a row's history (the admin's trail of one row; forgetting a removed person)
    __table_args__ = (Index("ix_audit_event_entity_entity_id", "entity", "entity_id"),)


class StoreKey(Base):
    """The random key of this store's audit pseudonyms, made at the first migration."""

    __tablename__ = "store_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
