"""Signed consents (FK 9443): archived scans linked to the one participation each covers.

A consent holds for one insats and one participation, from start to end (SPEC §3
rule 9). Diariet's mailed consents arrive without the insats: they are linked by
the batch they came in, or by matching the personnummer to a pending or open
participation that has no consent yet — automatically only when exactly one
matches; otherwise they wait for a person, with the candidates.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.sus.personnummer import parse_personnummer
from intake.sus.records import Samtycke
from intake.sus.rules import check_samtycke
from sus_store import audit
from sus_store.archive import ConsentArchive, hold_archive
from sus_store.errors import ConsentRequired, RuleViolation
from sus_store.rows import get_row
from sus_store.schema import Consent, Participation
from sus_store.vocab import Status

#: Media types an archived consent scan may have.
SCAN_TYPES = frozenset({"application/pdf", "image/tiff", "image/png", "image/jpeg"})


class ConsentIn(BaseModel):
    """A read FK 9443 and the scan (or digitally filled PDF) it was read from."""

    model_config = ConfigDict(extra="forbid")

    record: Samtycke
    scan: bytes = Field(repr=False, min_length=1)
    media_type: str = "application/pdf"


class ConsentView(BaseModel):
    """A consent as Diariet and the granskare see it (it names the person)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    participation_id: int | None
    personnummer: str = Field(repr=False)
    ort: str | None
    datum: date | None
    signed: bool
    sha256: str
    media_type: str
    received_on: date


class ParticipationRef(BaseModel):
    """A participation a consent could cover, as Diariet sees it (no personal data)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    insats_id: int
    status: Status
    startdatum: date


class ConsentFiled(BaseModel):
    """Where a filed consent ended up: linked, or waiting with its candidates."""

    consent: ConsentView
    linked_to: int | None
    candidates: list[ParticipationRef]


def archive_of(session: Session) -> ConsentArchive:
    archive = session.info.get("archive")
    if not isinstance(archive, ConsentArchive):
        raise RuleViolation("Samtyckesarkivet är inte konfigurerat för den här sessionen.",
                            rule="R9")
    return archive


def archive_consent(session: Session, data: ConsentIn, *, actor: str, today: date) -> Consent:
    """Check a consent (signed, valid personnummer, ort, datum), archive its scan, add it.

    The scan is written and fsynced before the caller's transaction commits; a
    failed transaction removes it again (:meth:`Store.transaction`).
    """
    _check(data, today=today)
    hold_archive(session, exclusive=False)  # the cleaner waits until this commits
    sha, created = archive_of(session).put(data.scan)
    if created:
        session.info.setdefault("new_files", []).append(sha)
    personnummer = parse_personnummer(data.record.personnummer or "", today=today).value
    row = Consent(personnummer=personnummer, ort=data.record.ort, datum=data.record.datum,
                  signed=data.record.underskrift, sha256=sha, media_type=data.media_type,
                  received_on=today)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="archive", entity="consent", entity_id=row.id,
                 after=audit.snapshot(session, row))
    return row


def _check(data: ConsentIn, *, today: date) -> None:
    if data.media_type not in SCAN_TYPES:
        raise RuleViolation(f"Samtycket måste vara PDF, TIFF, PNG eller JPEG, inte"
                            f" {data.media_type}.", rule="R9", fields=("underskrift",))
    errors = [issue for issue in check_samtycke(data.record, today=today)
              if issue.severity == "error"]
    if any("underskrift" in issue.fields for issue in errors):
        raise ConsentRequired("Samtycket är inte undertecknat och kan inte arkiveras.")
    if errors:
        raise RuleViolation(" ".join(issue.message for issue in errors), rule=errors[0].rule,
                            fields=tuple(f for issue in errors for f in issue.fields))


def file_consent(session: Session, data: ConsentIn, *, actor: str, today: date) -> ConsentFiled:
    """Diariet's path: archive the consent, link it when exactly one participation fits."""
    row = archive_consent(session, data, actor=actor, today=today)
    candidates = consent_candidates(session, row.personnummer)
    linked: int | None = None
    if len(candidates) == 1:
        # Another consent of the person may be linking it right now (the worker and
        # Diariet): hold the participation, then ask again as committed.
        _lock_participation(session, candidates[0].id)
        candidates = consent_candidates(session, row.personnummer)
    if len(candidates) == 1:
        link_consent(session, row.id, candidates[0].id, actor=actor, today=today)
        linked = candidates[0].id
    return ConsentFiled(consent=ConsentView.model_validate(row), linked_to=linked,
                        candidates=[] if linked else candidates)


def consent_candidates(session: Session, personnummer: str) -> list[ParticipationRef]:
    """Pending or open participations of this person that no consent covers yet."""
    covered = select(Consent.participation_id).where(Consent.participation_id.is_not(None))
    query = (
        select(Participation)
        .where(Participation.personnummer == personnummer,
               Participation.status.in_([Status.PENDING.value, Status.OPEN.value]),
               Participation.id.not_in(covered))
        .order_by(Participation.startdatum.desc())
    )
    return [ParticipationRef.model_validate(row) for row in session.scalars(query)]


def link_consent(session: Session, consent_id: int, participation_id: int, *, actor: str,
                 today: date) -> None:
    """Let ``consent_id`` cover ``participation_id``; a pending participation opens."""
    consent = get_row(session, Consent, consent_id, "Samtycket")
    participation = get_row(session, Participation, participation_id, "Deltagandet")
    _lock_participation(session, participation.id)  # one link at a time: rule 9 below
    _refuse_link(session, consent, participation)
    before = audit.snapshot(session, consent, only=("participation_id",))
    consent.participation_id = participation.id
    if participation.status == Status.PENDING.value:
        participation.status = Status.OPEN.value
        participation.registered_on = today
    session.flush()
    audit.record(session, actor=actor, action="link", entity="consent", entity_id=consent.id,
                 before=before, after={"participation_id": participation.id})


def _lock_participation(session: Session, participation_id: int) -> None:
    """Hold the participation's row until the transaction ends (PostgreSQL; SQLite's
    write lock already serialises): a second consent linking it waits, then sees the
    first's link and is refused (or, filed automatically, left for a person)."""
    session.execute(select(Participation.id).where(Participation.id == participation_id)
                    .with_for_update(key_share=True))


def _refuse_link(session: Session, consent: Consent, participation: Participation) -> None:
    if consent.participation_id is not None:
        raise RuleViolation("Samtycket gäller redan ett annat deltagande; ett nytt deltagande"
                            " kräver ett nytt samtycke.", rule="R9", fields=("personnummer",))
    if consent.personnummer != participation.personnummer:
        raise RuleViolation("Samtycket gäller en annan person än deltagandet.", rule="R9",
                            fields=("personnummer",))
    if participation.status == Status.CLOSED.value:
        raise RuleViolation("Deltagandet är redan avslutat.", rule="R9", fields=("personnummer",))
    if session.scalar(select(Consent.id).where(Consent.participation_id == participation.id)):
        raise RuleViolation("Deltagandet har redan ett samtycke.", rule="R9",
                            fields=("personnummer",))


def read_consent_scan(session: Session, consent_id: int, *, actor: str) -> bytes:
    """The archived scan, verified against its hash; the read is audited."""
    consent = get_row(session, Consent, consent_id, "Samtycket")
    data = archive_of(session).read(consent.sha256)
    audit.record(session, actor=actor, action="read", entity="consent", entity_id=consent.id)
    return data


def get_consent(session: Session, consent_id: int) -> ConsentView:
    return ConsentView.model_validate(get_row(session, Consent, consent_id, "Samtycket"))


class RegisteredName(BaseModel):
    """The name a person is registered under: their newest participation's."""

    participation_id: int
    namn: str = Field(repr=False)


def registered_names(session: Session,
                     personnummers: Collection[str]) -> dict[str, RegisteredName]:
    """For each of ``personnummers`` that has a participation, the name its newest one
    is registered under (the caller audits the read by participation id)."""
    query = (select(Participation.personnummer, Participation.id, Participation.namn)
             .where(Participation.personnummer.in_(set(personnummers)))
             .order_by(Participation.startdatum, Participation.id))
    return {pnr: RegisteredName(participation_id=pid, namn=namn)
            for pnr, pid, namn in session.execute(query)}  # newest last: it wins


def unlinked_consents(session: Session) -> list[ConsentView]:
    """Consents waiting for a person to say which participation they cover."""
    query = select(Consent).where(Consent.participation_id.is_(None)).order_by(Consent.id)
    return [ConsentView.model_validate(row) for row in session.scalars(query)]

