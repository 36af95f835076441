"""Diariet's consent desk: mailed consents (FK 9443) that wait for a person to say
which participation they cover, each with the participations that could fit.

The list never shows a personnummer in full (``19800102-****``): the candidates
share it already, and Diariet needs only the date of birth to tell two apart. Beside
it stands the person's name: as registered in the store (their newest participation),
else as written on the consent read (FK 9443's namnförtydligande). Diariet sees every
consent, so every name; each read is audited by id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, TodayDep
from intake.review.headers import DOWNLOAD_POLICY
from intake.review.queue import Viewer, visible
from intake.review.schema import Document
from intake.review.templating import templates
from intake.sus.personnummer import mask_personnummer
from sus_store import (
    ConsentView,
    PermissionDenied,
    audit_read,
    consent_candidates,
    get_consent,
    link_consent,
    list_forbund,
    list_insatser,
    read_consent_scan,
    registered_names,
    unlinked_consents,
)
from sus_store.vocab import Role

router = APIRouter(include_in_schema=False)

LINKED = "Samtycket har kopplats till deltagandet."


def desk_user(user: CurrentUser) -> Viewer:
    if not user.can(Role.DIARIET):
        raise PermissionDenied("Samtyckesdesken är till för Diariet.")
    return user


DeskUser = Annotated[Viewer, Depends(desk_user)]


class CandidateRow(BaseModel):
    """A participation the consent could cover: no personal data."""

    id: int
    insats: str
    status: str
    startdatum: date


class WaitingConsent(BaseModel):
    id: int
    personnummer: str
    #: the person's name: registered in the store, else as read from the consent
    namn: str | None = None
    #: where ``namn`` comes from: "register" (the store) or "blankett" (the read 9443)
    namn_fran: Literal["register", "blankett"] | None = None
    ort: str | None
    datum: date | None
    received_on: date
    candidates: list[CandidateRow]


@router.get("/samtycken")
def consent_desk(request: Request, session: SessionDep, user: DeskUser,
                 klart: str = "") -> Response:
    """The waiting consents (date of birth, name, ort, datum): the reads are audited by
    id (the consents, and the participations whose registered names are shown)."""
    waiting = unlinked_consents(session)
    if waiting:
        audit_read(session, actor=user.username, entity="consent", ids=[c.id for c in waiting])
        named = registered_names(session, {c.personnummer for c in waiting})
        if named:
            audit_read(session, actor=user.username, entity="participation",
                       ids=sorted(n.participation_id for n in named.values()))
    return _render(request, session, user, message=LINKED if klart == "kopplat" else None)


@router.get("/samtycken/{consent_id}/skanning")
def consent_scan(consent_id: int, session: SessionDep, user: DeskUser) -> Response:
    """The archived scan, verified against its SHA-256; the read is in the audit trail.
    A download, sandboxed: a PDF's JavaScript never runs in the service's origin."""
    media_type = get_consent(session, consent_id).media_type
    data = read_consent_scan(session, consent_id, actor=user.username)
    filename = f"samtycke-{consent_id}{_SUFFIXES.get(media_type, '')}"
    return Response(data, media_type=media_type, headers={
        "Cache-Control": "private, no-store", "Content-Security-Policy": DOWNLOAD_POLICY,
        "Content-Disposition": f'attachment; filename="{filename}"'})


_SUFFIXES = {"application/pdf": ".pdf", "image/tiff": ".tif", "image/png": ".png",
             "image/jpeg": ".jpg"}


@router.post("/samtycken/{consent_id}/koppla", dependencies=[CsrfChecked])
def link(consent_id: int, request: Request, session: SessionDep, user: DeskUser,
         today: TodayDep, participation_id: Annotated[int, Form()]) -> Response:
    """Let the consent cover the chosen participation (a pending one opens)."""
    try:
        with session.begin_nested():
            link_consent(session, consent_id, participation_id, actor=user.username,
                         today=today)
    except IntakeError as exc:
        return _render(request, session, user, error=exc.message, status_code=exc.http_status)
    return RedirectResponse("/samtycken?klart=kopplat", status_code=303)


def _render(request: Request, session: Session, user: Viewer, *, message: str | None = None,
            error: str | None = None, status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, "consents.html", {
        "user": user, "consents": waiting_consents(session, user), "message": message,
        "error": error}, status_code=status_code)


def waiting_consents(session: Session, viewer: Viewer) -> list[WaitingConsent]:
    """Every consent waiting for its participation, with the person's name (as far as
    ``viewer`` may see it) and the candidates."""
    forbund = {f.id: f.name for f in list_forbund(session)}
    insatser = {i.id: f"{i.name} ({forbund.get(i.forbund_id, '')})"
                for i in list_insatser(session)}
    consents = unlinked_consents(session)
    registered = registered_names(session, {c.personnummer for c in consents})
    written = _written_names(session, viewer, [c.id for c in consents])
    rows = []
    for consent in consents:
        row = _waiting(session, consent, insatser)
        if (known := registered.get(consent.personnummer)) is not None:
            row.namn, row.namn_fran = known.namn, "register"
        elif (name := written.get(consent.id)) is not None:
            row.namn, row.namn_fran = name, "blankett"
        rows.append(row)
    return rows


def _written_names(session: Session, viewer: Viewer, consent_ids: list[int]) -> dict[int, str]:
    """The name read from each consent's own FK 9443 (its namnförtydligande), for the
    read documents ``viewer`` may see."""
    query = select(Document.store_ref, Document.fields).where(
        Document.form == "9443", Document.store_ref.in_(consent_ids), visible(viewer))
    names = {}
    for consent_id, fields in session.execute(query):
        value = (fields or {}).get("namnfortydligande", {}).get("value")
        if consent_id is not None and isinstance(value, str) and value.strip():
            names[consent_id] = value.strip()
    return names


def _waiting(session: Session, consent: ConsentView, insatser: dict[int, str]) -> WaitingConsent:
    personnummer = consent.personnummer
    candidates = [CandidateRow(id=ref.id, insats=insatser.get(ref.insats_id, str(ref.insats_id)),
                               status=ref.status.label, startdatum=ref.startdatum)
                  for ref in consent_candidates(session, personnummer)]
    return WaitingConsent(id=consent.id, personnummer=mask_personnummer(personnummer),
                          ort=consent.ort,
                          datum=consent.datum, received_on=consent.received_on,
                          candidates=candidates)

