"""A generated SUS store: förbund, insatser, budgets and participants, all synthetic.

For the demo, the store's report example and tests of anything that reads a
populated store. Participants are Skatteverket test personnummer; consent scans
are the project's own 9443 filled digitally. Every record goes through the
store's public API, so every rule holds.
"""

from __future__ import annotations

import logging
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel

from intake.forms.blank import blank_pdf
from intake.forms.fill import fill_pdf
from intake.progress import tracked
from intake.samples.content import StoreNames, make_case, random_day
from intake.samples.vocab import kommuner, words
from intake.sus.records import Inregistrering, Utregistrering, record_from_contract
from intake.sus.rules import check
from sus_store import (
    BudgetIn,
    ConsentIn,
    ForbundIn,
    InsatsIn,
    NotFound,
    Store,
    StoreError,
    add_forbund,
    add_insats,
    list_forbund,
    list_insatser,
    register_anonymous_from,
    register_in,
    register_out,
    register_volym,
    set_budget,
)
from sus_store.vocab import Deltagarform

log = logging.getLogger(__name__)

ACTOR = "demo"
FORBUND_START = date(2015, 1, 1)
INSATS_PERIOD = (date(2023, 1, 1), date(2027, 12, 31))


class Organisation(BaseModel):
    """The förbund made and, per förbund, its insatser with personal data."""

    insatser: dict[str, list[str]]


class Populated(BaseModel):
    """What :func:`populate` registered."""

    organisation: Organisation
    open: int = 0
    closed: int = 0
    felregistrerade: int = 0
    anonymous: int = 0
    refused: int = 0


def populate(store: Store, *, seed: int = 1, participants: int = 200, forbund: int = 3,
             today: date) -> Populated:
    """Fill ``store`` with ``forbund`` förbund (3 insatser each, one a volyminsats),
    budgets, and ``participants`` participants in, many of them out again."""
    rng = random.Random(seed)
    organisation = make_organisation(store, rng, count=forbund)
    result = Populated(organisation=organisation)
    for _ in tracked(range(participants), "Fyller registret", unit="deltagare"):
        forbund_name = rng.choice(sorted(organisation.insatser))
        insats = rng.choice(organisation.insatser[forbund_name])
        _one_participant(store, rng, forbund_name, insats, today=today, result=result)
    return result


def make_organisation(store: Store, rng: random.Random, *, count: int) -> Organisation:
    names = rng.sample(words("forbund"), count)
    insats_names = iter(make_insats_names(rng, 3 * count))
    made: dict[str, list[str]] = {}
    with store.transaction() as session:
        for name in names:
            add_forbund(session, ForbundIn(name=name, startdatum=FORBUND_START), actor=ACTOR)
            personal = [next(insats_names), next(insats_names)]
            volym = next(insats_names)
            for insats, form in ((personal[0], Deltagarform.PERSONUPPGIFTER),
                                 (personal[1], Deltagarform.PERSONUPPGIFTER),
                                 (volym, Deltagarform.VOLYM)):
                view = add_insats(session, InsatsIn(
                    forbund=name, name=insats, deltagarform=form,
                    period_start=INSATS_PERIOD[0], period_end=INSATS_PERIOD[1]), actor=ACTOR)
                set_budget(session, BudgetIn(forbund=name, insats=insats, year=2026,
                                             belopp=rng.randrange(200, 900) * 1000), actor=ACTOR)
                if form is Deltagarform.VOLYM:
                    register_volym(session, insats_id=view.id, year=2026,
                                   antal=rng.randrange(20, 120), actor=ACTOR)
            set_budget(session, BudgetIn(forbund=name, year=2026,
                                         belopp=rng.randrange(30, 90) * 100_000), actor=ACTOR)
            made[name] = personal
    return Organisation(insatser=made)


def make_insats_names(rng: random.Random, count: int) -> list[str]:
    """``count`` insats names, unique as the store requires (R13): the word list's
    names first; past them, a name with its place, as förbund name a project run in
    several kommuner ("Jobbspåret Kalmar")."""
    base = words("insatser")
    names = rng.sample(base, min(count, len(base)))
    taken = {name.casefold() for name in names}
    places = kommuner()
    while len(names) < count:
        name = f"{rng.choice(base)} {rng.choice(places)}"
        if name.casefold() not in taken:
            taken.add(name.casefold())
            names.append(name)
    return names


def _one_participant(store: Store, rng: random.Random, forbund: str, insats: str, *,
                     today: date, result: Populated) -> None:
    record = _inregistrering(rng, forbund, insats, today=today)
    try:
        with store.transaction() as session:
            if rng.random() < 0.15:
                register_anonymous_from(session, record, actor=ACTOR, today=today)
                result.anonymous += 1
                return
            register_in(session, record, consent=consent_for(record, rng), actor=ACTOR,
                        today=today)
            out = _utregistrering(rng, record, today=today)
            if out is None:
                result.open += 1
                return
            outcome = register_out(session, out, actor=ACTOR, today=today)
            result.felregistrerade += outcome.removed
            result.closed += not outcome.removed
    except StoreError as exc:  # the same person drawn twice into one insats
        log.info("demo participant refused: %s", exc.code)
        result.refused += 1


def _inregistrering(rng: random.Random, forbund: str, insats: str, *,
                    today: date) -> Inregistrering:
    while True:
        truth = dict(make_case("9448", rng, defect_share=0).truth)
        truth.update(samverkansorganisation=forbund, insats=insats,
                     startdatum=random_day(rng, date(2025, 1, 1), today).isoformat())
        record = record_from_contract("9448", truth)
        assert isinstance(record, Inregistrering)
        if not [i for i in check(record, today=today) if i.severity == "error"]:
            return record


def _utregistrering(rng: random.Random, record: Inregistrering, *,
                    today: date) -> Utregistrering | None:
    assert record.startdatum is not None
    if rng.random() < 0.4 or record.startdatum > today - timedelta(days=30):
        return None
    while True:
        truth = dict(make_case("9449", rng, defect_share=0).truth)
        truth.update(samverkansorganisation=record.samverkansorganisation,
                     insats=record.insats, personnummer=record.personnummer,
                     namn=record.namn, avslutningsdatum=random_day(
                         rng, record.startdatum + timedelta(days=14), today).isoformat())
        out = record_from_contract("9449", truth)
        assert isinstance(out, Utregistrering)
        if not [i for i in check(out, today=today, startdatum_of_participation=record.startdatum)
                if i.severity == "error"]:
            return out


def consent_for(record: Inregistrering, rng: random.Random) -> ConsentIn:
    """A signed 9443 for the participant of ``record``, filled digitally."""
    from intake.sus.records import Samtycke

    assert record.startdatum is not None
    ort = rng.choice(["Uppsala", "Malmö", "Luleå", "Göteborg"])
    samtycke = Samtycke(personnummer=record.personnummer, underskrift=True, ort=ort,
                        datum=record.startdatum, namnfortydligande=record.namn)
    values: dict[str, str | bool] = {
        "personnummer": record.personnummer or "", "underskrift": True,
        "ort_och_datum": f"{ort} {record.startdatum.isoformat()}",
        "namnfortydligande": record.namn or "",
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "9443.pdf"
        fill_pdf(blank_pdf("9443"), values, path)
        return ConsentIn(record=samtycke, scan=path.read_bytes(), media_type="application/pdf")


__all__ = ["Populated", "consent_for", "make_insats_names", "make_organisation", "populate"]


def store_names(store: Store, *, forbund: str | None = None) -> StoreNames:
    """The names forms must use for ``store``'s service to accept them: ``forbund`` (by
    default the store's first, the demo uploader's) and its insatser with personal
    data. NotFound when the store has no such förbund or it has no such insats."""
    with store.transaction() as session:
        known = list_forbund(session)
        chosen = next((f for f in known if forbund in (None, f.name)), None)
        if chosen is None:
            raise NotFound(f"Förbundet {forbund} finns inte i SUS." if forbund else
                           "SUS har inga förbund än.")
        insatser = tuple(i.name for i in list_insatser(session, forbund_id=chosen.id)
                         if i.deltagarform == Deltagarform.PERSONUPPGIFTER)
    if not insatser:
        raise NotFound(f"{chosen.name} har ingen insats med personuppgifter i SUS.")
    return StoreNames(insatser={chosen.name: insatser})
