"""Samverkansorganisationer (förbund), their insatser and budgets (seed 002)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.sus.rules import MAX_SAMVERKANSORGANISATION_LENGTH
from sus_store import audit
from sus_store.errors import RuleViolation
from sus_store.lookup import name_key, resolve_forbund, resolve_insats
from sus_store.schema import Forbund, ForbundBudget, Insats, InsatsBudget, Participation
from sus_store.vocab import INRIKTNINGAR, Deltagarform, Finansieringsform, Inriktning, Kategori

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ForbundIn(BaseModel):
    """A new samverkansorganisation (blankett 9447's fields)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    finansieringsform: Finansieringsform = Finansieringsform.FINSAM
    startdatum: date


class InsatsIn(BaseModel):
    """A new insats of a förbund, categorised as seed 000 describes."""

    model_config = ConfigDict(extra="forbid")

    forbund: Name
    name: Name
    kategori: Kategori = Kategori.INDIVIDINRIKTAD
    inriktning: Inriktning = Inriktning.FORBEREDANDE
    deltagarform: Deltagarform = Deltagarform.PERSONUPPGIFTER
    period_start: date
    period_end: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.inriktning not in INRIKTNINGAR[self.kategori]:
            raise ValueError(f"{self.inriktning.label} hör inte till {self.kategori.label}")
        if self.period_end is not None and self.period_end < self.period_start:
            raise ValueError("insatsens period slutar innan den börjar")
        return self


class ForbundView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    finansieringsform: Finansieringsform
    startdatum: date


class InsatsView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    forbund_id: int
    name: str
    kategori: Kategori
    inriktning: Inriktning
    deltagarform: Deltagarform
    period_start: date
    period_end: date | None


def add_forbund(session: Session, data: ForbundIn, *, actor: str) -> ForbundView:
    """Create a samverkansorganisation; names are unique and ≤ 50 characters (rule 13)."""
    if len(data.name) > MAX_SAMVERKANSORGANISATION_LENGTH:
        raise RuleViolation(
            f"Namnet är {len(data.name)} tecken; högst {MAX_SAMVERKANSORGANISATION_LENGTH}"
            " är tillåtet.", rule="R13", fields=("samverkansorganisation",))
    _refuse_taken(session, Forbund, data.name, "Samverkansorganisationen")
    row = Forbund(name=data.name, finansieringsform=data.finansieringsform.value,
                  startdatum=data.startdatum)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="forbund", entity_id=row.id,
                 after=audit.snapshot(session, row))
    return ForbundView.model_validate(row)


def add_insats(session: Session, data: InsatsIn, *, actor: str) -> InsatsView:
    """Create an insats; insats names are unique across SUS (rule 13)."""
    forbund = resolve_forbund(session, data.forbund)
    _refuse_taken(session, Insats, data.name, "Insatsen")
    if data.period_start < forbund.startdatum:
        raise RuleViolation(
            f"Insatsen kan inte börja före samverkansorganisationens startdatum"
            f" {forbund.startdatum.isoformat()}.", rule="R6", fields=("period_start",))
    row = Insats(forbund_id=forbund.id, name=data.name, kategori=data.kategori.value,
                 inriktning=data.inriktning.value, deltagarform=data.deltagarform.value,
                 period_start=data.period_start, period_end=data.period_end)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="insats", entity_id=row.id,
                 after=audit.snapshot(session, row))
    return InsatsView.model_validate(row)


def _refuse_taken(session: Session, table: type[Forbund] | type[Insats], name: str,
                  what: str) -> None:
    key = name_key(name)
    if any(name_key(existing) == key for existing in session.scalars(select(table.name))):
        raise RuleViolation(f"{what} '{name}' finns redan; namnet måste vara unikt.",
                            rule="R13", fields=("name",))


def recategorise_insats(session: Session, insats_id: int, *, kategori: Kategori,
                        inriktning: Inriktning, actor: str) -> InsatsView:
    """Change an insats's category — refused once participants are registered (seed 002)."""
    row = session.get_one(Insats, insats_id)
    if session.scalar(select(Participation.id).where(Participation.insats_id == insats_id)):
        raise RuleViolation("Kategoriseringen kan inte ändras när deltagare är registrerade.",
                            rule="R6", fields=("kategori",))
    InsatsIn(forbund="-", name=row.name, kategori=kategori, inriktning=inriktning,
             period_start=row.period_start)  # validates the pair
    before = audit.snapshot(session, row)
    row.kategori, row.inriktning = kategori.value, inriktning.value
    audit.record(session, actor=actor, action="update", entity="insats", entity_id=row.id,
                 before=before, after=audit.snapshot(session, row))
    return InsatsView.model_validate(row)


class BudgetIn(BaseModel):
    """A budget for one calendar year, in kronor, for a förbund or one of its insatser."""

    model_config = ConfigDict(extra="forbid")

    forbund: Name
    insats: Name | None = None
    year: int = Field(ge=2000, le=2100)
    belopp: int = Field(ge=0)


def set_budget(session: Session, data: BudgetIn, *, actor: str) -> None:
    """Set (or replace) the year's budget; not for years before the förbund started."""
    forbund = resolve_forbund(session, data.forbund)
    if data.year < forbund.startdatum.year:
        raise RuleViolation(f"{forbund.name} startade {forbund.startdatum.year}; ingen budget"
                            f" kan registreras för {data.year}.", rule="R6", fields=("year",))
    row: ForbundBudget | InsatsBudget
    if data.insats is None:
        row = session.get(ForbundBudget, (forbund.id, data.year)) or ForbundBudget(
            forbund_id=forbund.id, year=data.year, belopp=0)
        entity, entity_id = "forbund_budget", forbund.id
    else:
        insats = resolve_insats(session, data.forbund, data.insats)
        row = session.get(InsatsBudget, (insats.id, data.year)) or InsatsBudget(
            insats_id=insats.id, year=data.year, belopp=0)
        entity, entity_id = "insats_budget", insats.id
    before = {"year": data.year, "belopp": row.belopp}
    row.belopp = data.belopp
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="set", entity=entity, entity_id=entity_id,
                 before=before, after={"year": data.year, "belopp": data.belopp})


def list_forbund(session: Session) -> list[ForbundView]:
    rows = session.scalars(select(Forbund).order_by(Forbund.name))
    return [ForbundView.model_validate(row) for row in rows]


def list_insatser(session: Session, *, forbund_id: int | None = None) -> list[InsatsView]:
    query = select(Insats).order_by(Insats.name)
    if forbund_id is not None:
        query = query.where(Insats.forbund_id == forbund_id)
    return [InsatsView.model_validate(row) for row in session.scalars(query)]
