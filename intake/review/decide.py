"""What a reviewer does with a document: correct fields, then approve — or one of the
ways out when the store refuses: wait for the consent, register anonymously (the
personal data and the scan are purged), send back, reject as felregistrering. Any
9448 or 9443 can be marked as a person with skyddade personuppgifter: registered
anonymously, their forms and consents forgotten (rule 10). A felregistrering
(code 8) forgets the forms of the participation it removes (:mod:`.purge`).

Approving commits through ``sus_store`` in the same transaction that marks the
document, so a refusal leaves both as they were; once committed, the glyphs of the
digit fields the reviewer looked at are kept to learn from (``intake.review.learning``).

A decision is one per document, however many requests ask at once (a double click,
three tabs, two reviewers): it needs the reviewer to hold the document's claim, and
it first locks the document's row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
write lock, taken at BEGIN, does the same) and reads it afresh. A second request waits
for the first to commit, then finds the document decided (:class:`AlreadyDecided`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from intake.errors import ParseError
from intake.review.clock import now
from intake.review.purge import (
    any_forgotten,
    documents_of,
    forget_documents,
    open_consents_of,
    personnummer_of,
    registrations_of,
)
from intake.review.queue import OPEN_STATUSES, Viewer, lock_document, may_decide, release
from intake.review.reading import pages_pdf
from intake.review.schema import DECIDED_ON_READING, Document, Upload, later_pages
from intake.review.state import ServiceState
from intake.sus.personnummer import mask_personnummer, parse_personnummer
from intake.sus.records import (
    FIELD_TYPES,
    Inregistrering,
    Samtycke,
    Utregistrering,
    record_from_contract,
    too_long,
)
from intake.sus.rules import LABELS, check
from intake.sus.values import parse_code, parse_date, parse_percent
from sus_store import (
    AmbiguousName,
    ConsentIn,
    NameMatch,
    PermissionDenied,
    RuleViolation,
    consent_candidates,
    file_consent,
    get_consent,
    get_participation,
    list_forbund,
    list_insatser,
    lookup_forbund,
    lookup_insats,
    protect_person,
    register_anonymous_from,
    register_in,
    register_out,
    require,
    unlinked_consents,
)
from sus_store.vocab import Role

#: The longest value a reviewer may enter in any field (text fields have their own,
#: ``intake.sus.records.TEXT_LENGTHS``).
VALUE_LENGTH = 200

Action = Literal["approve", "wait_consent", "anonymous", "protected", "send_back", "reject"]
#: Actions that register in SUS: a granskare of the document's insats decides them.
_REGISTERING = ("approve", "wait_consent", "anonymous", "protected")


class AlreadyDecided(RuleViolation):
    """Someone (or another tab) decided the document first."""

    code = "already_decided"
    http_status = 409

    def __init__(self) -> None:
        super().__init__("Dokumentet är redan avgjort (av en annan begäran eller granskare)."
                         " Ladda om sidan för att se beslutet.", rule="R0")


class UnknownName(AmbiguousName):
    """The document names a förbund or insats SUS does not have: the reviewer picks one
    (``field`` names the field, ``candidates`` the closest names in scope)."""

    code = "unknown_name"

    def __init__(self, message: str, candidates: list[str], *, field: str) -> None:
        super().__init__(message, candidates)
        self.field = field


class ReasonRequired(RuleViolation):
    """Sending a document back without saying why: the uploader would not know what to
    fix."""

    code = "reason_required"

    def __init__(self) -> None:
        super().__init__("Skriv varför dokumentet skickas tillbaka: uppladdaren ser skälet"
                         " på sin batchsida.", rule="R0", fields=())


class Decision(BaseModel):
    """What happened, in Swedish, for the reviewer."""

    status: str
    message: str


def values_of(document: Document) -> dict[str, object]:
    return {name: field["value"] for name, field in (document.fields or {}).items()}


def record_of(document: Document) -> Samtycke | Inregistrering | Utregistrering:
    return record_from_contract(document.form, values_of(document))


def correct(session: Session, document: Document, changes: dict[str, object], *,
            viewer: Viewer, today: date) -> None:
    """Apply a reviewer's values; each must be a valid value of its field (ParseError)."""
    _lock(session, document)
    _refuse_unless_open(document, viewer)
    changes = {name: _typed(name, value, today=today) for name, value in changes.items()}
    merged = {**values_of(document), **changes}
    record = record_from_contract(document.form, merged)  # type check of every value
    fields = dict(document.fields or {})
    for name, value in changes.items():
        fields[name] = {"value": value, "confidence": 1.0, "corrected_by": viewer.username}
    document.fields = fields
    issues = check(record, today=today)
    document.issues = [issue.model_dump(mode="json") for issue in issues]
    errors = {f for issue in issues if issue.severity == "error" for f in issue.fields}
    document.needs_review = [n for n in fields if n in errors or (
        n in document.needs_review and n not in changes)]
    document.problems = {n: p for n, p in document.problems.items() if n not in changes}
    _resolve_names(session, document)
    document.updated_at = now()


def _typed(name: str, value: object, *, today: date) -> object:
    """A reviewer's entry as the field's JSON value: dates and numbers as people write
    them (2026-03-14, 14/3 2026, 20260314; "75 %"), empty as null."""
    if isinstance(value, str):
        value = value.strip() or None
    kind = FIELD_TYPES.get(name)
    if not isinstance(value, str):
        return value
    limit = too_long(name, value) or (VALUE_LENGTH if len(value) > VALUE_LENGTH else None)
    if limit is not None:
        raise ParseError(f"{LABELS.get(name, name)} får vara högst {limit} tecken.")
    if kind == "date":
        return parse_date(value, today=today).isoformat()
    if kind == "percent":
        return parse_percent(value)
    if kind == "code":
        return parse_code(value)
    if kind == "personnummer":
        try:
            return parse_personnummer(value, today=today).value
        except ParseError:
            return "".join(ch for ch in value if ch.isdigit()) or value  # rule 1 flags it
    return value


def _resolve_names(session: Session, document: Document) -> None:
    values = values_of(document)
    written = values.get("samverkansorganisation")
    if isinstance(written, str) and (match := lookup_forbund(session, written)).exact:
        document.forbund_id = match.exact.id
    insats = values.get("insats")
    if isinstance(insats, str):
        found = lookup_insats(session, insats, forbund_id=document.forbund_id).exact
        document.insats_id = found.id if found else None


def _refuse_unknown_names(session: Session, document: Document) -> None:
    """Registering needs the förbund and insats SUS has: when the document names one it
    does not, say so (with the closest names) — not that the reviewer lacks rights."""
    values = values_of(document)
    if document.forbund_id is None:
        written = str(values.get("samverkansorganisation") or "").strip()
        names = [f.name for f in list_forbund(session)]
        raise UnknownName(_unknown_text("Förbundet", written, "i SUS", "Inget förbund är valt"),
                          _closest(written, names, lookup_forbund(session, written)),
                          field="samverkansorganisation")
    if document.insats_id is None and "insats" in values:
        written = str(values.get("insats") or "").strip()
        names = [i.name for i in list_insatser(session, forbund_id=document.forbund_id)]
        match = lookup_insats(session, written, forbund_id=document.forbund_id)
        raise UnknownName(_unknown_text("Insatsen", written, "hos förbundet i SUS",
                                        "Ingen insats är vald"),
                          _closest(written, names, match), field="insats")


def _unknown_text(what: str, written: str, where: str, none: str) -> str:
    if not written:
        return f"{none} – välj i listan innan du godkänner."
    return f"{what} '{written}' finns inte {where} – välj i listan innan du godkänner."


def _closest(written: str, names: list[str], match: NameMatch) -> list[str]:
    close = [c.name for c in match.candidates] if written else []
    return (close + [n for n in sorted(names) if n not in close])[:5]


def _lock(session: Session, document: Document) -> None:
    """Hold the document's row until this transaction ends, and read it as committed:
    whoever decides it at the same time waits here, then sees it decided."""
    lock_document(session, document)


def _refuse_unless_open(document: Document, viewer: Viewer, *, claim_held: bool = False
                        ) -> None:
    if document.status not in OPEN_STATUSES:
        raise AlreadyDecided()
    if not may_decide(viewer, document):
        raise PermissionDenied("Du har ingen behörighet att granska det här dokumentet.")
    if document.claimed_by not in (None, viewer.username):
        raise PermissionDenied(f"Dokumentet granskas just nu av {document.claimed_by}.")
    if claim_held and document.claimed_by != viewer.username:
        raise PermissionDenied("Öppna dokumentet för granskning (ta det) innan du beslutar.")


def decide(session: Session, state: ServiceState, document: Document, action: Action, *,
           viewer: Viewer, today: date, reason: str = "") -> Decision:
    """Carry out ``action`` on a document ``viewer`` holds the claim of, once: the row is
    locked first, so a concurrent decision waits and is then refused (AlreadyDecided).
    The store's refusals (typed errors) propagate unchanged."""
    _lock(session, document)
    _refuse_unless_open(document, viewer, claim_held=True)
    if action in _REGISTERING and document.form != "9443":
        _refuse_unknown_names(session, document)
        require(session, viewer.username, Role.GRANSKARE, today=today,
                insats_id=document.insats_id, forbund_id=document.forbund_id)
    decision = _ACTIONS[action](session, state, document, viewer, today, reason)
    if action == "approve" and state.settings.learn_from_corrections:
        from intake.review.learning import keep_reviewed_glyphs  # numpy, cv2: used here only

        keep_reviewed_glyphs(session, state, document)  # training data, once committed
    document.status, document.outcome = decision.status, decision.message
    document.updated_at = document.decided_at = now()
    document.decided_by = viewer.username
    release(document, viewer)
    _purge_if_done(session, state, document)
    return decision


def _approve(session: Session, state: ServiceState, document: Document, viewer: Viewer,
             today: date, _reason: str) -> Decision:
    record = record_of(document)
    actor = viewer.username
    if isinstance(record, Samtycke):
        filed = file_consent(session, _consent_in(session, state, document, record),
                             actor=actor, today=today)
        document.store_ref = filed.consent.id
        where = (f"kopplat till deltagande {filed.linked_to}" if filed.linked_to else
                 f"väntar på koppling ({len(filed.candidates)} möjliga deltaganden)")
        return Decision(status="approved", message=f"Samtycket arkiverat, {where}.")
    if isinstance(record, Utregistrering):
        outcome = register_out(session, record, actor=actor, today=today)
        document.store_ref = outcome.participation_id
        if outcome.removed:
            return _felregistrering(session, state, document, outcome.participation_id,
                                    outcome.consent_ids)
        return Decision(status="approved", message="Utregistrerad.")
    consent_id = _consent_for(session, state, document, record, viewer, today)
    view = register_in(session, record, consent_id=consent_id, actor=actor, today=today)
    document.store_ref = view.id
    for consent_document in session.scalars(select(Document).where(
            Document.form == "9443", Document.store_ref == consent_id)):
        consent_document.outcome = f"Samtycket arkiverat och kopplat till deltagande {view.id}."
    return Decision(status="approved", message=f"Inregistrerad med samtycke (deltagande"
                    f" {view.id}).")


def _consent_for(session: Session, state: ServiceState, document: Document,
                 record: Inregistrering, viewer: Viewer, today: date) -> int | None:
    """A signed consent for this person: from the same batch (approved now), or one
    Diariet filed that waits for its participation. None: rule 9 will refuse."""
    personnummer = parse_personnummer(record.personnummer or "", today=today).value
    for other in session.scalars(select(Document).where(
            Document.batch_id == document.batch_id, Document.form == "9443",
            Document.status.in_(OPEN_STATUSES))).all():
        consent = record_of(other)
        if isinstance(consent, Samtycke) and consent.personnummer == personnummer:
            _lock(session, other)
            if other.status not in OPEN_STATUSES or other.claimed_by not in (
                    None, viewer.username):
                continue  # decided meanwhile, or another reviewer has it open
            other.claimed_by, other.claimed_at = viewer.username, now()
            session.flush()
            decision = decide(session, state, other, "approve", viewer=viewer, today=today)
            if other.store_ref is not None and decision.status == "approved":
                return _unlinked(session, other.store_ref)
    waiting = [c.id for c in unlinked_consents(session) if c.personnummer == personnummer]
    return waiting[0] if waiting else None


def _unlinked(session: Session, consent_id: int) -> int | None:
    consent = get_consent(session, consent_id)
    return consent.id if consent.participation_id is None else None


def auto_file_consent(session: Session, state: ServiceState, document: Document, *,
                      actor: str) -> None:
    """File a cleanly read consent when exactly one participation of that person waits
    for it; otherwise say why on the document and leave it for Diariet."""
    record = record_of(document)
    if not isinstance(record, Samtycke) or not record.underskrift or not record.personnummer:
        return
    candidates = consent_candidates(session, record.personnummer)
    if len(candidates) != 1:
        document.outcome = ("Ingen väntande eller pågående deltagande för personen; välj."
                            if not candidates else
                            f"{len(candidates)} deltaganden kan gälla; välj vilket.")
        return
    filed = file_consent(session, _consent_in(session, state, document, record), actor=actor,
                         today=state.settings.current_day())
    document.store_ref = filed.consent.id
    document.status = "approved"
    document.decided_by, document.decided_at = DECIDED_ON_READING, now()
    document.outcome = _linked_to(session, filed.linked_to, actor=actor)


def _linked_to(session: Session, participation_id: int | None, *, actor: str) -> str:
    """Who an automatically filed consent now covers, as Diariet checks it: the person
    (masked personnummer and name), the insats and its start, never a bare row id."""
    if participation_id is None:
        return "Samtycket är arkiverat och väntar på ett deltagande."
    person = get_participation(session, participation_id, actor=actor)
    insats = next((i.name for i in list_insatser(session) if i.id == person.insats_id), "")
    return (f"Kopplat automatiskt till {mask_personnummer(person.personnummer)} {person.namn}"
            f" ({insats}, start {person.startdatum.isoformat()}).")


def _consent_in(session: Session, state: ServiceState, document: Document,
                record: Samtycke) -> ConsentIn:
    """The consent and its scan: the uploaded file when it is this form's pages alone,
    else its page's image, or its pages' images as one PDF (a form of several pages)."""
    upload = session.get_one(Upload, document.upload_id)
    path = state.files.upload_path(upload.sha256)
    if sorted(document.pages) == list(range(1, (upload.pages_total or 0) + 1)) \
            and path.exists():
        data = path.read_bytes()
        return ConsentIn(record=record, scan=data, media_type=_media_type(data))
    images = [document.image, *(page.image for page in later_pages(session, document))]
    if any(image is None for image in images):
        raise RuleViolation("Skanningen av samtycket saknas och kan inte arkiveras.", rule="R9")
    scans = [state.files.page_path(image).read_bytes() for image in images if image]
    if len(scans) > 1:
        return ConsentIn(record=record, scan=pages_pdf(scans), media_type="application/pdf")
    return ConsentIn(record=record, scan=scans[0], media_type="image/jpeg")


def _media_type(data: bytes) -> str:
    for magic, kind in ((b"%PDF", "application/pdf"), (b"\x89PNG", "image/png"),
                        (b"\xff\xd8", "image/jpeg"), (b"II*\x00", "image/tiff"),
                        (b"MM\x00*", "image/tiff")):
        if data.startswith(magic):
            return kind
    raise ParseError("Samtyckets fil är varken PDF, PNG, JPEG eller TIFF.")


def _wait_consent(session: Session, _state: ServiceState, document: Document, viewer: Viewer,
                  today: date, _reason: str) -> Decision:
    record = record_of(document)
    if not isinstance(record, Inregistrering):
        raise RuleViolation("Bara en inregistrering kan vänta på samtycke.", rule="R9")
    view = register_in(session, record, hold_for_consent=True, actor=viewer.username,
                       today=today)
    document.store_ref = view.id
    return Decision(status="approved", message="Inregistrerad; väntar på samtycke från"
                    " Diariet (räknas inte förrän samtycket kopplats).")


def _felregistrering(session: Session, state: ServiceState, document: Document,
                     participation_id: int, consent_ids: list[int]) -> Decision:
    """Code 8 removed the participation from SUS: its 9448, 9443 and this 9449 go too."""
    related = [d for d in documents_of(session, participation_ids=[participation_id],
                                       consent_ids=consent_ids) if d.id != document.id]
    forget_documents(session, state, related, status="rejected", decided_with=document,
                     outcome="Felregistrering: uppgifterna är borttagna ur SUS och granskningskön.")
    _purge(session, state, document)
    return Decision(status="approved", message="Felregistreringen borttagen ur SUS;"
                    " blanketterna och skanningarna är borttagna.")


def _anonymous(session: Session, state: ServiceState, document: Document, viewer: Viewer,
               today: date, _reason: str) -> Decision:
    record = record_of(document)
    if not isinstance(record, Inregistrering):
        raise RuleViolation("Bara en inregistrering kan registreras anonymt.", rule="R10")
    register_anonymous_from(session, record, actor=viewer.username, today=today)
    _purge_person(session, state, document, status="anonymised",
                  outcome="Registrerad anonymt; personuppgifter och skanning är borttagna.")
    return Decision(status="anonymised", message="Registrerad anonymt (år och kön);"
                    " personuppgifter och skanning är borttagna.")


def _protected(session: Session, state: ServiceState, document: Document, viewer: Viewer,
               today: date, _reason: str) -> Decision:
    """Skyddade personuppgifter: only inregistreringsår and kön are kept (rule 10)."""
    personnummer = _valid_personnummer(document, today=today)
    outcome = "Skyddade personuppgifter: personuppgifter och skanning är borttagna."
    if document.form == "9448":
        _anonymous(session, state, document, viewer, today, "")
    else:
        for registration in registrations_of(session, document, personnummer):
            _anonymous_registration(session, state, registration, viewer, today)
    removed = protect_person(session, personnummer, actor=viewer.username)
    forget_documents(session, state, documents_of(
        session, participation_ids=removed.participation_ids,
        consent_ids=removed.consent_ids), status="anonymised", outcome=outcome,
        decided_with=document)
    _purge_person(session, state, document, status="anonymised", outcome=outcome)
    what = ("registrerad anonymt (år och kön)" if document.form == "9448" else
            "samtycket sparas inte, inregistreringen räknas anonymt (år och kön)")
    return Decision(status="anonymised", message=f"Skyddade personuppgifter: {what};"
                    " personuppgifter och skanning är borttagna.")


def _valid_personnummer(document: Document, *, today: date) -> str:
    if document.form not in ("9443", "9448"):
        raise RuleViolation("Bara en inregistrering eller ett samtycke kan markeras som"
                            " skyddade personuppgifter.", rule="R10")
    try:
        return parse_personnummer(personnummer_of(document) or "", today=today).value
    except ParseError:
        raise RuleViolation("Rätta personnumret först: kön tas från det innan uppgifterna"
                            " tas bort.", rule="R10", fields=("personnummer",)) from None


def _anonymous_registration(session: Session, state: ServiceState, registration: Document,
                            viewer: Viewer, today: date) -> None:
    """The 9448 in the same batch as a protected 9443, registered anonymously too (by
    Diariet, or by a granskare of its insats)."""
    if not (viewer.is_admin or Role.DIARIET in viewer.roles):
        require(session, viewer.username, Role.GRANSKARE, today=today,
                insats_id=registration.insats_id, forbund_id=registration.forbund_id)
    try:
        with session.begin_nested():
            decision = _anonymous(session, state, registration, viewer, today, "")
    except (RuleViolation, ParseError) as exc:
        raise RuleViolation(f"Inregistreringen i samma batch (dokument {registration.id}) kan"
                            f" inte registreras anonymt: {exc.message} Rätta den och markera"
                            " den som skyddade personuppgifter.", rule="R10") from None
    registration.status, registration.outcome = decision.status, decision.message


def _purge_person(session: Session, state: ServiceState, document: Document, *,
                  status: str, outcome: str) -> None:
    """This document, and the person's other forms still open in its batch, forgotten."""
    personnummer = personnummer_of(document)
    others = open_consents_of(session, document, personnummer) if personnummer else []
    forget_documents(session, state, others, status=status, outcome=outcome,
                     decided_with=document)
    _purge(session, state, document)


def _send_back(session: Session, state: ServiceState, document: Document, viewer: Viewer,
               today: date, reason: str) -> Decision:
    if not reason.strip():
        raise ReasonRequired
    return Decision(status="returned", message=f"Skickad tillbaka: {' '.join(reason.split())}")


def _reject(session: Session, state: ServiceState, document: Document, viewer: Viewer,
            today: date, reason: str) -> Decision:
    if document.form == "9448":
        _purge_person(session, state, document, status="rejected",
                      outcome="Avvisad med inregistreringen; uppgifterna är borttagna.")
    else:
        _purge(session, state, document)
    return Decision(status="rejected", message="Avvisad som felregistrering; uppgifterna är"
                    f" borttagna. {reason}".strip())


def _purge(session: Session, state: ServiceState, document: Document) -> None:
    """Remove the personal data read from the form, its page image and upload."""
    forget_documents(session, state, [document])


def _purge_if_done(session: Session, state: ServiceState, document: Document) -> None:
    session.flush()
    purge_upload_if_done(state, session.get_one(Upload, document.upload_id))


def purge_upload_if_done(state: ServiceState, upload: Upload) -> None:
    """Once an upload is read and none of its documents waits for a person — or one
    of them was forgotten (:mod:`.purge`) — the uploaded file goes (its documents keep
    their own page images until decided), unless another förbund's upload of the same
    bytes still needs them.

    The worker finishing the upload and a reviewer deciding its last document may ask
    at the same moment: each first locks the upload's row (FOR NO KEY UPDATE, which
    lets the worker keep adding documents) and then reads the status and documents as
    committed, so whichever comes second sees both changes and removes the file."""
    session = object_session(upload)
    assert session is not None, "the upload must belong to a session"
    session.flush()
    status = session.scalar(select(Upload.status).where(Upload.id == upload.id)
                            .with_for_update(key_share=True))
    waiting = session.scalar(select(func.count(Document.id)).where(
        Document.upload_id == upload.id, Document.status.in_(OPEN_STATUSES)))
    gone = any_forgotten(session, upload.id)
    if status in ("done", "failed") and (not waiting or gone) \
            and not _bytes_still_needed(upload):
        state.files.remove_upload(upload.sha256)


def _bytes_still_needed(upload: Upload) -> bool:
    """Another förbund's upload of the same bytes (read for that förbund) that is not
    read yet or has a document still open needs the stored file."""
    session = object_session(upload)
    if session is None:
        return False
    others = select(Upload.id).where(Upload.sha256 == upload.sha256, Upload.id != upload.id,
                                     Upload.status != "duplicate")
    waiting = session.scalar(select(func.count()).select_from(Upload).where(
        Upload.id.in_(others), Upload.status.in_(("queued", "processing"))))
    open_documents = session.scalar(select(func.count(Document.id)).where(
        Document.upload_id.in_(others), Document.status.in_(OPEN_STATUSES)))
    return bool(waiting or open_documents)


_ACTIONS = {
    "approve": _approve,
    "wait_consent": _wait_consent,
    "anonymous": _anonymous,
    "protected": _protected,
    "send_back": _send_back,
    "reject": _reject,
}
