"""Participants in and out of insatser (FK 9448, FK 9449), anonymous and volym counts.

Every function checks the record against the rules of SPEC §3 that need nothing
but the record (:mod:`intake.sus.rules`) and then those that need the store:
the förbund and insats exist (6), dates inside their periods (6), one open
participation per person and insats (7), a signed consent covering personal data
(9), anonymous-only and volym insatser (10, 11). Each refusal is a typed
:class:`~sus_store.errors.StoreError`. Functions flush, never commit: the caller's
:meth:`~sus_store.db.Store.transaction` makes the whole step atomic.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.sus.codes import Avslutningsanledning, Kon
from intake.sus.personnummer import parse_personnummer
from intake.sus.records import (
    Inregistrering,
    Matning,
    Utregistrering,
    multi_value,
    single_value,
    yesno_value,
)
from intake.sus.rules import RuleIssue, check, registration_deadline
from sus_store import audit
from sus_store.consents import ConsentIn, archive_consent, link_consent
from sus_store.db import wipe_after_commit
from sus_store.errors import AlreadyOpen, ConsentRequired, RuleViolation
from sus_store.lookup import resolve_insats
from sus_store.rows import get_row
from sus_store.schema import (
    AnonymousParticipant,
    Consent,
    Insats,
    MatningRow,
    Participation,
    VolymEntry,
)
from sus_store.vocab import Deltagarform, Status


class MatningView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tillfalle: str
    forsorjning: list[str]
    aktivt_arbetssokande: bool | None
    forvarvsarbete: bool | None
    arbete_procent: int | None
    arbete_typ: str | None
    studerar: bool | None
    studier_procent: int | None


class ParticipationView(BaseModel):
    """A participation as a deltagaransvarig sees it (holds personal data)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    insats_id: int
    status: Status
    personnummer: str
    namn: str
    kommun: str | None
    stadsdel: str | None
    kon: Kon
    startdatum: date
    utbildning: str
    forsorjningstid: str
    received_on: date
    registered_on: date | None
    avslutningsdatum: date | None
    avslutningsanledning: int | None
    personal_data_stopped: bool
    matningar: list[MatningView]

    @property
    def deadline(self) -> date:
        return registration_deadline(self.startdatum)


class Outcome(BaseModel):
    """What an utregistrering did: closed, or (code 8) removed the participation."""

    participation_id: int
    removed: bool
    #: the consents removed with it (code 8), so the intake can forget their forms too
    consent_ids: list[int] = []


def refuse_broken_rules(issues: list[RuleIssue]) -> None:
    """Raise one :class:`RuleViolation` naming every error-severity issue."""
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise RuleViolation(" ".join(issue.message for issue in errors), rule=errors[0].rule,
                            fields=tuple(dict.fromkeys(f for i in errors for f in i.fields)))


def register_in(session: Session, record: Inregistrering, *, actor: str, today: date,
                consent: ConsentIn | None = None, consent_id: int | None = None,
                hold_for_consent: bool = False) -> ParticipationView:
    """Register a participant in an insats with personal data (FK 9448).

    Needs a signed consent: ``consent`` (archived now), ``consent_id`` (one already
    archived and not yet linked), or ``hold_for_consent`` to keep the participation
    *pending* until Diariet's consent is linked to it.
    """
    refuse_broken_rules(check(record, today=today))
    insats = resolve_insats(session, record.samverkansorganisation, record.insats)
    _refuse_personal_data(insats)
    _refuse_outside_periods(insats, record.startdatum, "startdatum")
    if consent is None and consent_id is None and not hold_for_consent:
        raise ConsentRequired("Ett undertecknat samtycke (FK 9443) krävs för att registrera"
                              " personuppgifter. Koppla ett samtycke eller registrera"
                              " deltagaren anonymt.")
    row = _insert_participation(session, record, insats, actor=actor, today=today)
    if consent is not None:
        consent_id = archive_consent(session, consent, actor=actor, today=today).id
    if consent_id is not None:
        link_consent(session, consent_id, row.id, actor=actor, today=today)
    session.flush()
    return ParticipationView.model_validate(row)


def _refuse_personal_data(insats: Insats) -> None:
    if insats.deltagarform == Deltagarform.VOLYM.value:
        raise RuleViolation(f"{insats.name} är en volyminsats: deltagare registreras bara som"
                            " antal.", rule="R11", fields=("insats",))
    if insats.deltagarform == Deltagarform.ANONYM.value:
        raise RuleViolation(f"{insats.name} tar bara emot anonyma deltagare.", rule="R10",
                            fields=("insats",))


def _refuse_outside_periods(insats: Insats, day: date | None, field: str) -> None:
    if day is None:
        return
    forbund = insats.forbund
    if day < forbund.startdatum:
        raise RuleViolation(f"Datumet ligger före {forbund.name}s startdatum"
                            f" {forbund.startdatum.isoformat()}.", rule="R6", fields=(field,))
    end = insats.period_end.isoformat() if insats.period_end else "tills vidare"
    if day < insats.period_start or (insats.period_end and day > insats.period_end):
        raise RuleViolation(f"Datumet ligger utanför insatsens period"
                            f" {insats.period_start.isoformat()}–{end}.", rule="R6",
                            fields=(field,))


def _insert_participation(session: Session, record: Inregistrering, insats: Insats, *,
                          actor: str, today: date) -> Participation:
    personnummer = parse_personnummer(record.personnummer or "", today=today)
    _refuse_live(session, insats, personnummer.value)
    assert record.startdatum is not None and record.namn is not None  # rules 1, 2
    row = Participation(
        insats_id=insats.id, status=Status.PENDING.value, personnummer=personnummer.value,
        namn=record.namn, kommun=record.kommun, stadsdel=record.stadsdel,
        kon=personnummer.kon.value, startdatum=record.startdatum,
        utbildning=single_value(record.utbildning) or "",
        forsorjningstid=single_value(record.forsorjningstid) or "", received_on=today,
        personal_data_stopped=False,
        matningar=[_matning_row("in", record.matning)],
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _already_open() from exc
    audit.record(session, actor=actor, action="create", entity="participation",
                 entity_id=row.id, after=audit.snapshot(session, row))
    return row


def _refuse_live(session: Session, insats: Insats, personnummer: str) -> None:
    live = select(Participation.id).where(
        Participation.insats_id == insats.id, Participation.personnummer == personnummer,
        Participation.status.in_([Status.PENDING.value, Status.OPEN.value]))
    if session.scalar(live) is not None:
        raise _already_open()


def _already_open() -> AlreadyOpen:
    return AlreadyOpen("Deltagaren är redan inregistrerad i insatsen och har inte"
                       " registrerats ut. Registrera ut först, eller välj en annan insats.")


def _matning_row(tillfalle: str, matning: Matning) -> MatningRow:
    return MatningRow(
        tillfalle=tillfalle, forsorjning=multi_value(matning.forsorjning),
        aktivt_arbetssokande=yesno_value(matning.aktivt_arbetssokande),
        forvarvsarbete=yesno_value(matning.forvarvsarbete),
        arbete_procent=matning.arbete_procent, arbete_typ=single_value(matning.arbete_typ),
        studerar=yesno_value(matning.studerar), studier_procent=matning.studier_procent,
    )


def register_out(session: Session, record: Utregistrering, *, actor: str,
                 today: date) -> Outcome:
    """Close the open participation this FK 9449 names (rules 7, 8).

    Code 8 (Felregistrering) removes the participation with all its personal data
    and its archived consent; 6 (Medgivande återtaget) stops further personal data;
    6, 7 and 8 keep no after-measurement.
    """
    insats = resolve_insats(session, record.samverkansorganisation, record.insats)
    row = _open_participation(session, insats, record.personnummer, today=today)
    refuse_broken_rules(check(record, today=today, startdatum_of_participation=row.startdatum))
    _refuse_outside_periods(insats, record.avslutningsdatum, "avslutningsdatum")
    code = record.avslutningsanledning
    assert code is not None and record.avslutningsdatum is not None  # rules 2, 8
    if code is Avslutningsanledning.FELREGISTRERING:
        consent_ids = remove_participation(session, row, actor=actor, reason="felregistrering")
        return Outcome(participation_id=row.id, removed=True, consent_ids=consent_ids)
    before = audit.snapshot(session, row, only=_CLOSING_COLUMNS)
    row.status = Status.CLOSED.value
    row.avslutningsdatum = record.avslutningsdatum
    row.avslutningsanledning = int(code)
    row.personal_data_stopped = code is Avslutningsanledning.MEDGIVANDE_ATERTAGET
    if not code.without_after_measurement:
        row.matningar.append(_matning_row("ut", record.matning))
    session.flush()
    audit.record(session, actor=actor, action="close", entity="participation",
                 entity_id=row.id, before=before,
                 after=audit.snapshot(session, row, only=_CLOSING_COLUMNS))
    return Outcome(participation_id=row.id, removed=False)


_CLOSING_COLUMNS = ("status", "avslutningsdatum", "avslutningsanledning",
                    "personal_data_stopped")


def _open_participation(session: Session, insats: Insats, written: str | None, *,
                        today: date) -> Participation:
    personnummer = parse_personnummer(written or "", today=today).value
    query = select(Participation).where(
        Participation.insats_id == insats.id, Participation.personnummer == personnummer,
        Participation.status == Status.OPEN.value).with_for_update()
    row = session.scalar(query)
    if row is None:
        raise RuleViolation("Deltagaren har ingen pågående inregistrering i insatsen att"
                            " registrera ut.", rule="R7", fields=("personnummer", "insats"))
    return row


def remove_participation(session: Session, row: Participation, *, actor: str,
                         reason: str) -> list[int]:
    """Delete a participation, its measurements, consent and archived scan; the ids of
    the consents removed with it.

    The audit trail records that it happened and why, not what was removed: earlier
    events about the participation and its consents are emptied (:func:`audit.forget`).
    """
    consents = list(session.scalars(select(Consent).where(Consent.participation_id == row.id)))
    consent_ids = [consent.id for consent in consents]
    for consent in consents:
        _forget_consent(session, consent)
    insats_id, personnummer = row.insats_id, row.personnummer
    session.delete(row)
    session.flush()
    audit.forget(session, personnummer=personnummer,
                 rows={"participation": [row.id], "consent": consent_ids})
    audit.record(session, actor=actor, action="remove", entity="participation",
                 entity_id=row.id, after={"reason": reason, "insats_id": insats_id})
    wipe_after_commit(session)
    return consent_ids


def _forget_consent(session: Session, consent: Consent) -> None:
    sha = consent.sha256
    session.delete(consent)
    session.flush()
    if session.scalar(select(Consent.id).where(Consent.sha256 == sha)) is None:
        session.info.setdefault("purge_files", []).append(sha)


class Protected(BaseModel):
    """What marking a person protected removed from the store."""

    participation_ids: list[int]  # waiting participations, now anonymous counts
    consent_ids: list[int]  # consents no participation used, with their scans


def protect_person(session: Session, personnummer: str, *, actor: str) -> Protected:
    """Skyddade personuppgifter (rule 10): the person's personal data is never stored.
    Their consents no participation uses yet are removed with their scans, and each of
    their participations still waiting for a consent becomes an anonymous count (year
    and kön)."""
    unlinked = list(session.scalars(select(Consent).where(
        Consent.personnummer == personnummer, Consent.participation_id.is_(None))))
    for consent in unlinked:
        _forget_consent(session, consent)
        audit.record(session, actor=actor, action="remove", entity="consent",
                     entity_id=consent.id, after={"reason": "skyddad identitet"})
    pending = list(session.scalars(select(Participation.id).where(
        Participation.personnummer == personnummer,
        Participation.status == Status.PENDING.value)))
    for participation_id in pending:
        make_anonymous(session, participation_id, actor=actor, reason="skyddad identitet")
    consent_ids = [consent.id for consent in unlinked]
    audit.forget(session, personnummer=personnummer, rows={"consent": consent_ids})
    wipe_after_commit(session)
    return Protected(participation_ids=pending, consent_ids=consent_ids)


def kon_of(code: str) -> Kon:
    return next(kon for kon in Kon if kon.value == code)


def register_anonymous(session: Session, *, insats_id: int, year: int, kon: Kon,
                       actor: str) -> None:
    """Count one anonymous participant: inregistreringsår and kön, nothing else (rule 10)."""
    insats = get_row(session, Insats, insats_id, "Insatsen")
    if insats.deltagarform == Deltagarform.VOLYM.value:
        raise RuleViolation(f"{insats.name} är en volyminsats: deltagare registreras bara som"
                            " antal.", rule="R11", fields=("insats",))
    _refuse_outside_year(insats, year)
    row = AnonymousParticipant(insats_id=insats.id, year=year, kon=kon.value)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="anonymous_participant",
                 entity_id=row.id, after={"insats_id": insats.id, "year": year, "kon": kon.value})


def register_anonymous_from(session: Session, record: Inregistrering, *, actor: str,
                            today: date) -> None:
    """Register the participant of a FK 9448 anonymously: only the year of startdatum and
    the kön of the personnummer are kept; nothing else of the form is stored."""
    if record.startdatum is None:
        raise RuleViolation("Startdatum behövs för att registrera anonymt.", rule="R10",
                            fields=("startdatum",))
    kon = parse_personnummer(record.personnummer or "", today=today).kon
    insats = resolve_insats(session, record.samverkansorganisation, record.insats)
    _refuse_outside_periods(insats, record.startdatum, "startdatum")
    register_anonymous(session, insats_id=insats.id, year=record.startdatum.year, kon=kon,
                       actor=actor)


def make_anonymous(session: Session, participation_id: int, *, actor: str,
                   reason: str = "anonym") -> None:
    """Turn a pending participation (no consent came) into an anonymous count; its
    personal data and any archived scan are removed."""
    row = get_row(session, Participation, participation_id, "Deltagandet")
    if row.status != Status.PENDING.value:
        raise RuleViolation("Bara ett deltagande som väntar på samtycke kan göras anonymt.",
                            rule="R10", fields=("personnummer",))
    insats_id, year, kon = row.insats_id, row.startdatum.year, kon_of(row.kon)
    remove_participation(session, row, actor=actor, reason=reason)
    register_anonymous(session, insats_id=insats_id, year=year, kon=kon, actor=actor)


def register_volym(session: Session, *, insats_id: int, year: int, antal: int,
                   actor: str) -> None:
    """Add ``antal`` participants to a volyminsats's count for ``year`` (rule 11)."""
    insats = get_row(session, Insats, insats_id, "Insatsen")
    if insats.deltagarform != Deltagarform.VOLYM.value:
        raise RuleViolation(f"{insats.name} är ingen volyminsats.", rule="R11",
                            fields=("insats",))
    if antal == 0:
        raise RuleViolation("Antal måste vara skilt från noll.", rule="R11", fields=("antal",))
    _refuse_outside_year(insats, year)
    row = VolymEntry(insats_id=insats.id, year=year, antal=antal)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="volym_entry", entity_id=row.id,
                 after={"insats_id": insats.id, "year": year, "antal": antal})


def _refuse_outside_year(insats: Insats, year: int) -> None:
    last = insats.period_end.year if insats.period_end else None
    if year < insats.period_start.year or (last is not None and year > last):
        raise RuleViolation(f"{insats.name} pågår inte under {year}.", rule="R6",
                            fields=("year",))


def get_participation(session: Session, participation_id: int, *,
                      actor: str) -> ParticipationView:
    """One participation with its personal data; the read is audited."""
    row = get_row(session, Participation, participation_id, "Deltagandet")
    audit.record(session, actor=actor, action="read", entity="participation", entity_id=row.id)
    return ParticipationView.model_validate(row)


def find_participations(session: Session, personnummer: str, *, actor: str,
                        today: date) -> list[ParticipationView]:
    """Every participation of one person, newest first; the search is audited."""
    value = parse_personnummer(personnummer, today=today).value
    rows = list(session.scalars(select(Participation).where(
        Participation.personnummer == value).order_by(Participation.startdatum.desc())))
    audit.record(session, actor=actor, action="search", entity="participation",
                 after={"personnummer": audit.pseudonym(session, value), "found": len(rows)})
    return [ParticipationView.model_validate(row) for row in rows]


def participations_in(session: Session, insats_id: int, *, actor: str,
                      status: Status | None = None) -> list[ParticipationView]:
    """The participations of one insats (optionally of one status), oldest start first;
    the read is audited."""
    query = select(Participation).where(Participation.insats_id == insats_id)
    if status is not None:
        query = query.where(Participation.status == status.value)
    rows = list(session.scalars(query.order_by(Participation.startdatum, Participation.id)))
    audit.record(session, actor=actor, action="list", entity="participation",
                 after={"insats_id": insats_id, "found": len(rows)})
    return [ParticipationView.model_validate(row) for row in rows]


class DeadlineItem(BaseModel):
    """A participation waiting for its consent, with its rule-12 deadline."""

    participation_id: int
    insats_id: int
    startdatum: date
    deadline: date
    days_left: int

    @property
    def late(self) -> bool:
        return self.days_left < 0


def registration_deadlines(session: Session, *, today: date,
                           within_days: int | None = None) -> list[DeadlineItem]:
    """Pending participations by deadline (15th of the month after the start), earliest
    first: all of them, or those late or due within ``within_days``."""
    rows = session.scalars(select(Participation).where(
        Participation.status == Status.PENDING.value))
    items = [DeadlineItem(participation_id=row.id, insats_id=row.insats_id,
                          startdatum=row.startdatum,
                          deadline=registration_deadline(row.startdatum),
                          days_left=(registration_deadline(row.startdatum) - today).days)
             for row in rows]
    if within_days is not None:
        items = [item for item in items if item.days_left <= within_days]
    return sorted(items, key=lambda item: (item.deadline, item.participation_id))


def late_registrations(session: Session, *, year: int) -> list[int]:
    """Participations started in ``year`` that were registered after their deadline."""
    rows = session.execute(select(Participation.id, Participation.startdatum,
                                  Participation.registered_on).where(
        Participation.registered_on.is_not(None)))
    return sorted(pid for pid, start, registered in rows
                  if start.year == year and registered is not None
                  and registered > registration_deadline(start))
