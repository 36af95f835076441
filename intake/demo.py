"""The demo: an embedded store with förbund, insatser and users, and a batch of
generated forms uploaded and read — so a person can go from one command to an
approved record in the report in a few minutes. All people are test personnummer."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel

from intake.review.ingest import FileIn, receive_upload
from intake.review.security import hash_password
from intake.review.state import ServiceState
from intake.samples.content import Case, make_case
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

ACTOR = "demo"


class DemoLogin(BaseModel):
    username: str
    password: str
    role: str


class DemoInfo(BaseModel):
    logins: list[DemoLogin]
    batch_id: int | None
    files: list[str]


def prepare_demo(state: ServiceState, *, seed: int = 7) -> DemoInfo:
    """Fill an empty store and upload the demo batch; on a used store, change nothing."""
    today = state.settings.current_day()
    with state.store.transaction() as session:
        if list_forbund(session):
            return DemoInfo(logins=_logins(), batch_id=None, files=[])
    populate(state.store, seed=seed, participants=60, forbund=2, today=today)
    forbund, insatser = _organisation(state)
    _users(state, forbund_id=forbund[0], insats_ids=insatser)
    paths = _demo_files(state, random.Random(seed))
    batch = receive_upload(state, [_staged(state, p) for p in paths], username="forbund",
                           forbund_id=forbund[0])
    return DemoInfo(logins=_logins(), batch_id=batch.id, files=[p.name for p in paths])


def _staged(state: ServiceState, path: Path) -> FileIn:
    data = path.read_bytes()
    staged, sha = state.files.stage(data)
    return FileIn(filename=path.name, path=staged, size=len(data), sha256=sha)


def _logins() -> list[DemoLogin]:
    return [DemoLogin(username=u, password=f"demo-{u}-2026", role=r) for u, r in (
        ("admin", "Administratör: användare, förbund, insatser, logg"),
        ("granskare", "Granskare för förbundets insatser"),
        ("diariet", "Diariet: samtycken"),
        ("forbund", "Förbundets uppladdare"),
    )]


def _organisation(state: ServiceState) -> tuple[list[int], list[int]]:
    with state.store.transaction() as session:
        forbund = [f.id for f in list_forbund(session)]
        insatser = [i.id for i in list_insatser(session, forbund_id=forbund[0])
                    if i.deltagarform == Deltagarform.PERSONUPPGIFTER]
    return forbund, insatser


def _users(state: ServiceState, *, forbund_id: int, insats_ids: list[int]) -> None:
    today = state.settings.current_day()
    until = latest_valid_until(today)
    roles = {"admin": Role.ADMIN, "granskare": Role.GRANSKARE, "diariet": Role.DIARIET,
             "forbund": Role.UPPLADDARE}
    with state.store.transaction() as session:
        for login in _logins():
            create_user(session, UserIn(username=login.username,
                                        display_name=login.role.split(":")[0],
                                        password_hash=hash_password(login.password)),
                        actor=ACTOR)
            role = roles[login.username]
            scopes: list[dict[str, int]] = (
                [{"insats_id": i} for i in insats_ids] if role is Role.GRANSKARE
                else [{"forbund_id": forbund_id}] if role is Role.UPPLADDARE else [{}])
            for scope in scopes:
                grant(session, username=login.username, role=role, valid_until=until,
                      today=today, actor=ACTOR, **scope)


def _demo_files(state: ServiceState, rng: random.Random) -> list[Path]:
    """A 9448 with its consent (digital), a typed 9448 with its consent, a hand-printed
    9448 without one, and a typed 9449 for a participant already in SUS."""
    forbund_name, insats_names = _names(state)
    today = state.settings.current_day()
    folder = state.settings.data_dir / "demo-batch"
    made: list[Path] = []
    for index, (style, with_consent) in enumerate(
            (("digital", True), ("typed-office300", True), ("hand-office300", False))):
        case = case_for("9448", rng, forbund_name, insats_names[index % len(insats_names)],
                     today=today)
        made.append(write_cases([case], style, folder / f"{index + 1}-fk9448-{style}", rng))
        if with_consent:
            consent = consent_case_for(case, rng)
            made.append(write_cases([consent], style, folder / f"{index + 1}-fk9443-{style}",
                                    rng))
    leaving = _open_participant(state)
    if leaving is not None:
        case = case_for("9449", rng, forbund_name, leaving[2], today=today, person=leaving[:2])
        made.append(write_cases([case], "typed-office300", folder / "4-fk9449-typed", rng))
    return made


def _names(state: ServiceState) -> tuple[str, list[str]]:
    forbund_ids, insats_ids = _organisation(state)
    with state.store.transaction() as session:
        forbund = next(f.name for f in list_forbund(session) if f.id == forbund_ids[0])
        names = [i.name for i in list_insatser(session) if i.id in insats_ids]
    return forbund, names


def case_for(form: str, rng: random.Random, forbund: str, insats: str, *, today: date,
          person: tuple[str, str] | None = None) -> Case:
    case = make_case(form, rng, defect_share=0)
    for name, value in (("samverkansorganisation", forbund), ("insats", insats)):
        case.written[name], case.truth[name] = value, value
    if person is not None:
        case.written["personnummer"], case.truth["personnummer"] = person[0], person[0]
        case.written["namn"], case.truth["namn"] = person[1], person[1]
    if form == "9448":
        start = (today - timedelta(days=rng.randint(3, 20))).isoformat()
        case.written["startdatum"], case.truth["startdatum"] = start, start
    if form == "9449":
        end = (today - timedelta(days=rng.randint(1, 10))).isoformat()
        case.written["avslutningsdatum"], case.truth["avslutningsdatum"] = end, end
    return case


def consent_case_for(case: Case, rng: random.Random) -> Case:
    consent = make_case("9443", rng, defect_share=0)
    pnr = str(case.truth["personnummer"])
    consent.written["personnummer"], consent.truth["personnummer"] = pnr, pnr
    consent.written["namnfortydligande"] = consent.truth["namnfortydligande"] = case.truth["namn"]
    return consent


def _open_participant(state: ServiceState) -> tuple[str, str, str] | None:
    """Personnummer, namn and insats of an open participation started a while ago."""
    today = state.settings.current_day()
    with state.store.transaction() as session:
        for insats in list_insatser(session):
            for row in participations_in(session, insats.id, actor=ACTOR, status=Status.OPEN):
                if row.startdatum < today - timedelta(days=60):
                    return row.personnummer, row.namn, insats.name
    return None
