"""Purging a person (SPEC §3 rules 8 and 10): after a felregistrering, an anonymous
registration (no consent, or a refused one) or a mark of protected identity, the
person's personnummer and name are nowhere — not in the database (its text, and for
SQLite its raw file), not in the data directory (page images, uploads, the consent
archive), not in the logs. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from intake.demo import case_for, consent_case_for
from intake.review.clock import now
from intake.review.decide import decide
from intake.review.queue import claim, viewer_for
from intake.review.schema import Batch, Document, Upload
from intake.samples.make import write_cases
from sus_store.schema import AnonymousParticipant, Consent, Participation
from tests.review.conftest import (
    FORBUND,
    INSATS,
    TODAY,
    login,
    read_all,
    service_client,
    state_of,
    upload,
)
from tests.review.pg import fresh_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the SQLite file in the data directory) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres("sus_purge") as url:
        yield url


@pytest.fixture
def service(tmp_path: Path, database_url: str | None) -> Iterator[TestClient]:
    settings = {"database_url": database_url} if database_url else {}
    with service_client(tmp_path / "data", **settings) as client:
        yield client


def _person_forms(folder: Path, *, seed: int, consent: bool = True,
                  signed: bool = True) -> tuple[list[Path], str, str]:
    """A digital 9448 (and its 9443, signed or not); the person's personnummer, name."""
    rng = random.Random(seed)
    case = case_for("9448", rng, FORBUND, INSATS, today=TODAY)
    paths = [write_cases([case], "digital", folder / f"fk9448-{seed}", rng)]
    if consent:
        consent_case = consent_case_for(case, rng)
        consent_case.written["underskrift"] = consent_case.truth["underskrift"] = signed
        paths.append(write_cases([consent_case], "digital", folder / f"fk9443-{seed}", rng))
    return paths, str(case.truth["personnummer"]), str(case.truth["namn"])


def _felregistrering_form(folder: Path, personnummer: str, namn: str) -> Path:
    rng = random.Random(99)
    case = case_for("9449", rng, FORBUND, INSATS, today=TODAY, person=(personnummer, namn))
    case.written["avslutningsanledning"], case.truth["avslutningsanledning"] = "8", 8
    return write_cases([case], "digital", folder / "fk9449-felregistrering", rng)


def _traces(personnummer: str, namn: str) -> list[bytes]:
    """Every form a personnummer and a name might be stored in."""
    short = personnummer[2:]
    forms = {personnummer, short, f"{personnummer[:8]}-{personnummer[8:]}",
             f"{short[:6]}-{short[6:]}", f"{short[:6]}+{short[6:]}", namn,
             json.dumps(namn)[1:-1], *namn.split()}
    return [form.encode() for form in forms if len(form) >= 3]


def _database_text(client: TestClient) -> str:
    """Every row of every table as text (a pg_dump-like scan; for SQLite, the rows)."""
    engine = state_of(client).store.engine
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        else:
            names = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        rows = [str(tuple(row)) for name in names
                for row in connection.execute(text(f'SELECT * FROM "{name}"'))]
    return "\n".join(rows)


def _assert_forgotten(client: TestClient, caplog: pytest.LogCaptureFixture,
                      personnummer: str, namn: str) -> None:
    traces = _traces(personnummer, namn)
    dump = _database_text(client).encode()
    assert [t for t in traces if t in dump] == [], "left in the database"
    data_dir = state_of(client).settings.data_dir
    left = {str(path.relative_to(data_dir)): [t for t in traces if t in path.read_bytes()]
            for path in sorted(data_dir.rglob("*")) if path.is_file()}
    assert {name: found for name, found in left.items() if found} == {}, "left in files"
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert [t for t in traces if t in logged] == [], "left in the log"


def _capture_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Everything the service logs (its own loggers down to DEBUG; libraries' INFO)."""
    caplog.set_level(logging.INFO)
    for name in ("intake", "sus_store"):
        caplog.set_level(logging.DEBUG, logger=name)


def _queue(client: TestClient) -> list[dict[str, object]]:
    response = client.get("/api/documents")
    assert response.status_code == 200, response.text
    documents: list[dict[str, object]] = response.json()
    return documents


def _decide(client: TestClient, token: str, document_id: object, action: str) -> dict[str, str]:
    claimed = client.post(f"/api/documents/{document_id}/claim", headers={"X-CSRF-Token": token})
    assert claimed.is_success, claimed.text
    response = client.post(f"/api/documents/{document_id}/decision", json={"action": action},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _the(client: TestClient, form: str) -> dict[str, object]:
    return next(d for d in _queue(client) if d["form"] == form)


def test_felregistrering_leaves_nothing_of_the_person(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a person registered in with a signed consent (9448 + 9443 approved)
    WHEN their 9449 with Avslutningsanledning 8 Felregistrering is approved
    THEN the participation and consent are gone from SUS, and their personnummer and
    name are nowhere: not in the review documents, page images, uploaded files, consent
    archive, audit trail, raw database file or logs."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=5)
    upload(service, login(service, "forbund"), forms)
    read_all(service)
    token = login(service, "granskare")
    assert _decide(service, token, _the(service, "9448")["id"], "approve")["status"] == "approved"
    upload(service, login(service, "forbund"), [_felregistrering_form(tmp_path / "in",
                                                                      personnummer, namn)])
    read_all(service)
    token = login(service, "granskare")
    outcome = _decide(service, token, _the(service, "9449")["id"], "approve")
    assert "Felregistreringen" in outcome["message"]
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert session.scalar(select(func.count(Consent.id))) == 0
    _assert_forgotten(service, caplog, personnummer, namn)


def test_anonymous_registration_without_consent_leaves_nothing_of_the_person(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a 9448 without a consent WHEN it is registered anonymously
    THEN one anonymous participant (year, kön) counts and nothing else of them remains."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=6, consent=False)
    upload(service, login(service, "forbund"), forms)
    read_all(service)
    token = login(service, "granskare")
    _decide(service, token, _the(service, "9448")["id"], "anonymous")
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
    _assert_forgotten(service, caplog, personnummer, namn)


def test_refused_consent_leaves_nothing_of_the_person(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a 9448 with the person's 9443 unsigned (consent refused) in one batch
    WHEN approving is refused for want of a consent and the granskare registers the
    person anonymously
    THEN the unsigned 9443 goes too: it leaves the queue and nothing of the person
    remains anywhere."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=7, signed=False)
    upload(service, login(service, "forbund"), forms)
    read_all(service)
    token = login(service, "granskare")
    document_id = _the(service, "9448")["id"]
    service.post(f"/api/documents/{document_id}/claim", headers={"X-CSRF-Token": token})
    refused = service.post(f"/api/documents/{document_id}/decision",
                           json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422 and refused.json()["code"] == "consent_required"
    _decide(service, token, document_id, "anonymous")
    assert _queue(service) == []
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
        assert session.scalar(select(func.count(Consent.id))) == 0
    _assert_forgotten(service, caplog, personnummer, namn)


def test_protected_identity_on_a_signed_registration_keeps_only_year_and_kon(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a 9448 and its signed 9443 of a person with skyddade personuppgifter
    WHEN the granskare marks the 9448 as protected identity
    THEN the person counts anonymously (year, kön), no consent is archived, both
    documents leave the queue, and nothing of the person remains anywhere."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=8)
    upload(service, login(service, "forbund"), forms)
    read_all(service)
    token = login(service, "granskare")
    decision = _decide(service, token, _the(service, "9448")["id"], "protected")
    assert decision["status"] == "anonymised"
    assert "Skyddade personuppgifter" in decision["message"]
    assert _queue(service) == []
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert session.scalar(select(func.count(Consent.id))) == 0
    _assert_forgotten(service, caplog, personnummer, namn)


def test_diariet_marks_a_consent_protected_and_the_waiting_participant_turns_anonymous(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a 9448 registered to wait for its consent, and the person's signed 9443
    arriving later in a batch of its own
    WHEN Diariet marks the 9443 as protected identity (skyddade personuppgifter)
    THEN the waiting participation becomes an anonymous count (year, kön), no consent
    is archived, and nothing of the person remains anywhere."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=9)
    upload(service, login(service, "forbund"), forms[:1])
    read_all(service)
    token = login(service, "granskare")
    _decide(service, token, _the(service, "9448")["id"], "wait_consent")
    upload(service, login(service, "forbund"), forms[1:])
    read_all(service)
    token = login(service, "diariet")
    decision = _decide(service, token, _the(service, "9443")["id"], "protected")
    assert decision["status"] == "anonymised"
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert session.scalar(select(func.count(Consent.id))) == 0
    _assert_forgotten(service, caplog, personnummer, namn)


def test_protected_registration_forgets_the_consent_diariet_filed_earlier(
        service: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN the person's signed 9443, mailed to Diariet and filed before any
    participation existed (archived, waiting on the consent desk)
    WHEN their 9448 arrives and the granskare marks it as protected identity
    THEN the archived consent, its scan and Diariet's 9443 document go too."""
    _capture_logs(caplog)
    forms, personnummer, namn = _person_forms(tmp_path / "in", seed=11)
    upload(service, login(service, "diariet"), forms[1:])
    read_all(service)
    token = login(service, "diariet")
    consent_doc = _the(service, "9443")["id"]
    assert _decide(service, token, consent_doc, "approve")["status"] == "approved"
    upload(service, login(service, "forbund"), forms[:1])
    read_all(service)
    token = login(service, "granskare")
    _decide(service, token, _the(service, "9448")["id"], "protected")
    with state_of(service).store.transaction() as session:
        assert session.scalar(select(func.count(Consent.id))) == 0
        assert session.get_one(Document, consent_doc).status == "anonymised"
    _assert_forgotten(service, caplog, personnummer, namn)


def test_review_page_offers_protected_identity_for_9448_and_9443(
        service: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 and its 9443 waiting for review
    WHEN the granskare opens the 9448, and Diariet the 9443
    THEN each page offers 'Skyddade personuppgifter' as one step."""
    forms, _, _ = _person_forms(tmp_path / "in", seed=10)
    upload(service, login(service, "forbund"), forms)
    read_all(service)
    login(service, "granskare")
    ids = {d["form"]: d["id"] for d in _queue(service)}
    page = service.get(f"/granska/{ids['9448']}")
    assert 'id="protected"' in page.text and "Skyddade personuppgifter" in page.text
    login(service, "diariet")
    page = service.get(f"/granska/{ids['9443']}")
    assert 'id="protected"' in page.text and "Skyddade personuppgifter" in page.text


def test_batch_upload_loses_the_purged_persons_page_but_keeps_the_others(
        tmp_path: Path) -> None:
    """GIVEN one uploaded file (a batch PDF) read into two people's 9448s, each with its
    own page image
    WHEN the first is rejected as felregistrering
    THEN that person's page image and the uploaded file (which holds their page) are
    removed; the other person's document keeps its page image and stays reviewable."""
    with service_client(tmp_path / "data") as client:
        state = state_of(client)
        with state.store.transaction() as session:
            ids = _two_person_upload(session, state)
        with state.store.transaction() as session:
            viewer = viewer_for(session, "granskare", today=TODAY)
            document = session.get_one(Document, ids[0])
            claim(session, viewer, document, at=now(), seconds=90)
            decide(session, state, document, "reject", viewer=viewer, today=TODAY)
        pages = state.settings.data_dir / "pages"
        assert not (pages / f"{ids[0]}.jpg").exists()
        assert (pages / f"{ids[1]}.jpg").exists()
        assert list((state.settings.data_dir / "uploads").iterdir()) == []
        login(client, "granskare")
        assert client.get(f"/sida/{ids[1]}.jpg").status_code == 200
        assert client.get(f"/sida/{ids[0]}.jpg").status_code == 404


def test_forgotten_scan_loses_its_file_name_and_cover_page(tmp_path: Path) -> None:
    """GIVEN one uploaded file named after the person, read into their 9448 and a page
    that is no form (a cover letter), each with a page image
    WHEN the 9448 is rejected as felregistrering
    THEN the upload's name no longer names the person and the cover page's image is
    gone too."""
    with service_client(tmp_path / "data") as client:
        state = state_of(client)
        with state.store.transaction() as session:
            ids = _two_person_upload(session, state, filename="Åsa Öberg-Test.pdf",
                                     second_form="unknown")
        with state.store.transaction() as session:
            viewer = viewer_for(session, "granskare", today=TODAY)
            document = session.get_one(Document, ids[0])
            claim(session, viewer, document, at=now(), seconds=90)
            decide(session, state, document, "reject", viewer=viewer, today=TODAY)
        with state.store.transaction() as session:
            names = list(session.scalars(select(Upload.filename)))
        assert names == ["(borttagen)"]
        assert list((state.settings.data_dir / "pages").iterdir()) == []


def _two_person_upload(session: object, state: object, *, filename: str = "batch.pdf",
                       second_form: str = "9448") -> tuple[int, int]:
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from intake.review.state import ServiceState

    assert isinstance(session, Session) and isinstance(state, ServiceState)
    sha = state.files.put_upload(b"%PDF-1.4 two people's pages")
    at = datetime.now(UTC)
    batch = Batch(forbund_id=1, uploaded_by="forbund", created_at=at)
    session.add(batch)
    session.flush()
    row = Upload(batch_id=batch.id, filename=filename, sha256=sha, size=10, status="done",
                 pages_total=2, pages_done=2, created_at=at)
    session.add(row)
    session.flush()
    ids = []
    for page, pnr, form in ((1, "198001022386", "9448"), (2, "198001032385", second_form)):
        document = Document(upload_id=row.id, batch_id=batch.id, forbund_id=1, insats_id=1,
                            pages=[page], form=form, status="review" if form != "unknown"
                            else "info",
                            fields={"personnummer": {"value": pnr, "confidence": 0.9}}
                            if form != "unknown" else {},
                            needs_review=[], issues=[], problems={}, created_at=at,
                            updated_at=at)
        session.add(document)
        session.flush()
        document.image = f"{document.id}.jpg"
        state.files.put_page(document.image, b"\xff\xd8 page")
        ids.append(document.id)
    return ids[0], ids[1]
