"""Rows inserted straight into the tables, for tests that need a store in a given state.

These skip the store's rules on purpose, so a test builds exactly the counts it
asserts on in a few lines. Personnummer are Skatteverket's test numbers
(``intake/samples/data/test_personnummer.txt``), never issued to real people.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache

from pydantic import BaseModel
from sqlalchemy.orm import Session

from intake.samples.vocab import words
from intake.sus.codes import Forsorjning, Kon
from sus_store.schema import (
    AnonymousParticipant,
    Forbund,
    ForbundBudget,
    Insats,
    InsatsBudget,
    MatningRow,
    Participation,
    VolymEntry,
)
from sus_store.vocab import Deltagarform, Status

_names = itertools.count(1)
_picks = itertools.count()


@cache
def _test_numbers(kon: Kon) -> tuple[str, ...]:
    """Test numbers born 1950–2006 of one kön (11th digit odd: man)."""
    odd = kon is Kon.MAN
    return tuple(n for n in words("test_personnummer")
                 if 1950 <= int(n[:4]) <= 2006 and (int(n[10]) % 2 == 1) == odd)


def personnummer(kon: Kon) -> str:
    """A different test personnummer of ``kon`` on each call."""
    numbers = _test_numbers(kon)
    return numbers[next(_picks) % len(numbers)]


def forbund(session: Session, *, name: str | None = None,
            startdatum: date = date(2020, 1, 1)) -> Forbund:
    row = Forbund(name=name or f"Samordningsförbundet Test {next(_names)}",
                  finansieringsform="finsam", startdatum=startdatum)
    session.add(row)
    session.flush()
    return row


def insats(session: Session, owner: Forbund, *, name: str | None = None,
           period_start: date = date(2020, 1, 1), period_end: date | None = None,
           deltagarform: Deltagarform = Deltagarform.PERSONUPPGIFTER) -> Insats:
    row = Insats(forbund_id=owner.id, name=name or f"Insats {next(_names)}",
                 kategori="individinriktad", inriktning="forberedande",
                 deltagarform=deltagarform.value, period_start=period_start,
                 period_end=period_end)
    session.add(row)
    session.flush()
    return row


class Svar(BaseModel):
    """The answers of one measurement (section 2 of FK 9448/9449)."""

    forsorjning: list[Forsorjning] = [Forsorjning.FORSORJNINGSSTOD]
    aktivt_arbetssokande: bool = False
    forvarvsarbete: bool = False
    studerar: bool = False

    def row(self, tillfalle: str) -> MatningRow:
        return MatningRow(
            tillfalle=tillfalle, forsorjning=sorted(code.value for code in self.forsorjning),
            aktivt_arbetssokande=self.aktivt_arbetssokande, forvarvsarbete=self.forvarvsarbete,
            arbete_procent=50 if self.forvarvsarbete else None,
            arbete_typ="inte_subventionerat" if self.forvarvsarbete else None,
            studerar=self.studerar, studier_procent=50 if self.studerar else None)


def participation(session: Session, where: Insats, *, kon: Kon,
                  startdatum: date = date(2025, 3, 1), status: Status = Status.OPEN,
                  fore: Svar | None = None) -> Participation:
    """A participation registered in with its before-measurement."""
    row = Participation(
        insats_id=where.id, status=status.value, personnummer=personnummer(kon),
        namn=f"Testperson {next(_names)}", kommun=None, stadsdel=None, kon=kon.value,
        startdatum=startdatum, utbildning="gymnasium", forsorjningstid="upp_till_1_ar",
        received_on=startdatum,
        registered_on=None if status is Status.PENDING else startdatum,
        personal_data_stopped=False, matningar=[(fore or Svar()).row("in")])
    session.add(row)
    session.flush()
    return row


def closed(session: Session, where: Insats, *, kon: Kon, avslutningsanledning: int = 1,
           startdatum: date = date(2025, 3, 1), avslutningsdatum: date = date(2025, 9, 1),
           fore: Svar | None = None, efter: Svar | None = None) -> Participation:
    """A participation registered out; ``efter`` adds the after-measurement."""
    row = participation(session, where, kon=kon, startdatum=startdatum, fore=fore)
    row.status = Status.CLOSED.value
    row.avslutningsdatum = avslutningsdatum
    row.avslutningsanledning = avslutningsanledning
    if efter is not None:
        row.matningar.append(efter.row("ut"))
    session.flush()
    return row


def anonymous(session: Session, where: Insats, *, year: int, kon: Kon, antal: int = 1) -> None:
    session.add_all(AnonymousParticipant(insats_id=where.id, year=year, kon=kon.value)
                    for _ in range(antal))
    session.flush()


def volym(session: Session, where: Insats, *, year: int, antal: int) -> None:
    session.add(VolymEntry(insats_id=where.id, year=year, antal=antal))
    session.flush()


def forbund_budget(session: Session, owner: Forbund, *, year: int, belopp: int) -> None:
    session.add(ForbundBudget(forbund_id=owner.id, year=year, belopp=belopp))
    session.flush()


def insats_budget(session: Session, where: Insats, *, year: int, belopp: int) -> None:
    session.add(InsatsBudget(insats_id=where.id, year=year, belopp=belopp))
    session.flush()
