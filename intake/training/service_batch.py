"""A populated store and batches of forms consistent with it, for the service eval.

The store is :func:`intake.samples.store.populate`'s; one förbund uploads. Its batch of
one style cycles through the three forms as a förbund sends them: a FK 9448 for a
person new to SUS, that person's signed FK 9443 (the pair votes in the batch), and a
FK 9449 for a participant open in one of the förbund's insatser. Every field is
written the way the sample generator writes it (personnummer with or without a
hyphen, dates in the forms people use); the truth beside each file is what SUS
should get.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel

from intake.review.security import hash_password
from intake.review.state import ServiceState
from intake.samples.content import (
    Case,
    make_case,
    pick_person,
    random_day,
    write_date,
    write_personnummer,
)
from intake.samples.make import write_cases
from intake.samples.store import populate
from sus_store import (
    UserIn,
    create_user,
    grant,
    latest_valid_until,
    list_forbund,
    list_insatser,
    participations_in,
)
from sus_store.vocab import Deltagarform, Role, Status

ACTOR = "eval-service"
UPLOADER = "forbund-eval"
#: the forms of a batch, in the order a förbund's batch cycles through them
CYCLE = ("9448", "9443", "9449")


class OpenParticipant(BaseModel):
    personnummer: str
    namn: str
    insats: str
    startdatum: date


class Uploader(BaseModel):
    """The förbund that uploads, what SUS knows of it, and its uploader's login."""

    forbund_id: int
    forbund: str
    insatser: list[str]
    open: list[OpenParticipant]
    known_personnummer: frozenset[str]
    username: str = UPLOADER
    password: str


def prepare_store(state: ServiceState, *, seed: int, participants: int) -> Uploader:
    """Populate the (empty) store and make the uploader of its first förbund."""
    today = state.settings.current_day()
    populate(state.store, seed=seed, participants=participants, forbund=2, today=today)
    password = secrets.token_urlsafe(18)
    with state.store.transaction() as session:
        forbund = list_forbund(session)[0]
        create_user(session, UserIn(username=UPLOADER, display_name="Förbundets uppladdare",
                                    password_hash=hash_password(password)), actor=ACTOR)
        grant(session, username=UPLOADER, role=Role.UPPLADDARE, forbund_id=forbund.id,
              valid_until=latest_valid_until(today), today=today, actor=ACTOR)
    return _uploader(state, forbund_id=forbund.id, name=forbund.name, password=password)


def _uploader(state: ServiceState, *, forbund_id: int, name: str, password: str) -> Uploader:
    today = state.settings.current_day()
    insatser, open_people, known = [], [], set()
    with state.store.transaction() as session:
        for insats in list_insatser(session):
            rows = participations_in(session, insats.id, actor=ACTOR)
            known |= {row.personnummer for row in rows}
            if insats.forbund_id != forbund_id:
                continue
            if insats.deltagarform == Deltagarform.PERSONUPPGIFTER:
                insatser.append(insats.name)
            open_people += [
                OpenParticipant(personnummer=row.personnummer, namn=row.namn,
                                insats=insats.name, startdatum=row.startdatum)
                for row in rows
                if row.status == Status.OPEN and row.startdatum <= today - timedelta(days=30)]
    return Uploader(forbund_id=forbund_id, forbund=name, insatser=insatser, open=open_people,
                    known_personnummer=frozenset(known), password=password)


def plan_batch(uploader: Uploader, *, count: int, rng: random.Random, today: date) -> list[Case]:
    """``count`` forms cycling through :data:`CYCLE`; a 9443 is the consent of the 9448
    before it, a 9449 the next open participant of the förbund (again, when the
    batch needs more than there are)."""
    leaving = rng.sample(uploader.open, len(uploader.open))
    taken = set(uploader.known_personnummer)
    cases: list[Case] = []
    for index in range(count):
        form = CYCLE[index % len(CYCLE)]
        if form == "9448":
            cases.append(new_participant(uploader, rng, today=today, taken=taken))
        elif form == "9443":
            cases.append(consent_of(cases[-1], rng, today=today))
        elif leaving:
            cases.append(leaving_participant(uploader, leaving[(index // 3) % len(leaving)],
                                             rng, today=today))
    return cases


def new_participant(uploader: Uploader, rng: random.Random, *, today: date,
                    taken: set[str]) -> Case:
    """A FK 9448 for a person SUS does not know, in one of the förbund's insatser."""
    case = make_case("9448", rng, defect_share=0)
    person = pick_person(rng)
    while person.personnummer in taken:
        person = pick_person(rng)
    taken.add(person.personnummer)
    start = random_day(rng, today - timedelta(days=20), today - timedelta(days=1))
    _write(case, "samverkansorganisation", uploader.forbund)
    _write(case, "insats", rng.choice(uploader.insatser))
    _write(case, "personnummer", write_personnummer(person.personnummer, rng),
           person.personnummer)
    _write(case, "namn", person.namn)
    _write(case, "startdatum", write_date(start, rng), start.isoformat())
    return case


def consent_of(inregistrering: Case, rng: random.Random, *, today: date) -> Case:
    """The signed FK 9443 of the person of ``inregistrering``, dated on or before the start."""
    case = make_case("9443", rng, defect_share=0)
    pnr, namn = inregistrering.truth["personnummer"], inregistrering.truth["namn"]
    start = date.fromisoformat(inregistrering.truth["startdatum"])
    day = min(random_day(rng, start - timedelta(days=14), start), today)
    ort = case.truth["ort"]
    case.written["ort_och_datum"] = f"{ort}{rng.choice([' ', ', '])}{write_date(day, rng)}"
    case.truth["datum"] = day.isoformat()
    _write(case, "personnummer", write_personnummer(pnr, rng), pnr)
    _write(case, "namnfortydligande", namn)
    return case


def leaving_participant(uploader: Uploader, person: OpenParticipant, rng: random.Random, *,
                        today: date) -> Case:
    """A FK 9449 for ``person``, open in the förbund, ending after their start."""
    case = make_case("9449", rng, defect_share=0)
    first = max(person.startdatum + timedelta(days=14), today - timedelta(days=90))
    end = random_day(rng, first, today - timedelta(days=1))
    _write(case, "samverkansorganisation", uploader.forbund)
    _write(case, "insats", person.insats)
    _write(case, "personnummer", write_personnummer(person.personnummer, rng),
           person.personnummer)
    _write(case, "namn", person.namn)
    _write(case, "avslutningsdatum", write_date(end, rng), end.isoformat())
    return case


def _write(case: Case, name: str, written: str, truth: str | None = None) -> None:
    case.written[name] = written
    case.truth[name] = written if truth is None else truth


def write_batch(cases: list[Case], style: str, folder: Path, rng: random.Random) -> list[Path]:
    """One file of ``style`` per case in ``folder``, ``NAME.truth.json`` beside each."""
    return [write_cases([case], style, folder / f"{index:03d}-fk{case.form}", rng)
            for index, case in enumerate(cases)]
