"""Participations near a read personnummer: the same number or one digit off.

A reader that misreads one digit of a personnummer still lands next to the person's
participation. :func:`near_participations` finds the live participations whose
personnummer differs from the one read in at most one position, within one förbund
when given (so another förbund's people are never offered), for the intake side to
weigh together with the name. :func:`named_participations` finds those of one
förbund whose name the intake side's test accepts, for a personnummer misread in
more than one digit. Neither decides anything; each read is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from sus_store import audit
from sus_store.schema import Consent, Insats, Participation
from sus_store.vocab import Status

_DIGITS = frozenset("0123456789")


class NearParticipation(BaseModel):
    """A live participation whose personnummer is the one read or one digit off."""

    id: int
    insats_id: int
    insats: str
    forbund_id: int
    status: Status
    personnummer: str = Field(repr=False)
    namn: str = Field(repr=False)
    startdatum: date
    has_consent: bool
    #: how many of the twelve digits differ from the number read (0 or 1 when found
    #: by the number; any when found by the name)
    distance: int


def near_participations(session: Session, personnummer: str, *, statuses: tuple[Status, ...],
                        actor: str, forbund_id: int | None = None) -> list[NearParticipation]:
    """Participations in ``statuses`` whose personnummer is ``personnummer`` or differs
    from it in one digit (of one förbund when ``forbund_id`` is given), nearest first."""
    if len(personnummer) != 12 or not set(personnummer) <= _DIGITS:
        return []
    patterns = [personnummer[:i] + "_" + personnummer[i + 1:] for i in range(12)]
    query = _participations(statuses).where(
        or_(*(Participation.personnummer.like(p) for p in patterns)))
    if forbund_id is not None:
        query = query.where(Insats.forbund_id == forbund_id)
    found = [_near(row, insats, bool(has_consent), personnummer)
             for row, insats, has_consent in session.execute(query)]
    return _audited(session, found, personnummer, actor=actor, forbund_id=forbund_id)


def named_participations(session: Session, personnummer: str, *, named: Callable[[str], bool],
                         statuses: tuple[Status, ...], actor: str,
                         forbund_id: int) -> list[NearParticipation]:
    """Participations of one förbund in ``statuses`` whose name ``named`` accepts, with
    their distance from the twelve digits ``personnummer`` read, nearest first."""
    query = _participations(statuses).where(Insats.forbund_id == forbund_id)
    found = [_near(row, insats, bool(has_consent), personnummer)
             for row, insats, has_consent in session.execute(query) if named(row.namn)]
    return _audited(session, found, personnummer, actor=actor, forbund_id=forbund_id,
                    by="namn")


def _participations(statuses: tuple[Status, ...]) -> Select[Participation, Insats, bool]:
    """Participations in ``statuses`` with their insats and whether they have a consent."""
    consented = exists().where(Consent.participation_id == Participation.id)
    return (select(Participation, Insats, consented)
            .join(Insats, Participation.insats_id == Insats.id)
            .where(Participation.status.in_([s.value for s in statuses])))


def _audited(session: Session, found: list[NearParticipation], personnummer: str, *,
             actor: str, **asked: object) -> list[NearParticipation]:
    """``found``, nearest first, the look-up audited (the number read as a pseudonym)."""
    audit.record(session, actor=actor, action="match", entity="participation",
                 after={"personnummer": audit.pseudonym(session, personnummer), **asked,
                        "found": len(found)})
    return sorted(found, key=lambda near: (near.distance, near.startdatum, near.id))


def _near(row: Participation, insats: Insats, has_consent: bool,
          personnummer: str) -> NearParticipation:
    distance = sum(a != b for a, b in zip(row.personnummer, personnummer, strict=True))
    return NearParticipation(
        id=row.id, insats_id=insats.id, insats=insats.name, forbund_id=insats.forbund_id,
        status=next(s for s in Status if s.value == row.status),
        personnummer=row.personnummer, namn=row.namn, startdatum=row.startdatum,
        has_consent=has_consent, distance=distance)
