"""Diariet's consent desk: mailed consents (FK 9443) that wait for a person to say
which participation they cover, each with the participations that could fit.

The list never shows a personnummer in full (``19800102-****``): the candidates
share it already, and Diariet needs only the date of birth to tell two apart.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, TodayDep
from intake.review.headers import DOWNLOAD_POLICY
from intake.review.queue import Viewer
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
    ort: str | None
    datum: date | None
    received_on: date
    candidates: list[CandidateRow]


@router.get("/samtycken")
def consent_desk(request: Request, session: SessionDep, user: DeskUser,
                 klart: str = "") -> Response:
    """The waiting consents (date of birth, ort, datum): the read is audited by id."""
    waiting = [consent.id for consent in unlinked_consents(session)]
    if waiting:
        audit_read(session, actor=user.username, entity="consent", ids=waiting)
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
        "user": user, "consents": waiting_consents(session), "message": message,
        "error": error}, status_code=status_code)


def waiting_consents(session: Session) -> list[WaitingConsent]:
    """Every consent waiting for its participation, with the candidates."""
    forbund = {f.id: f.name for f in list_forbund(session)}
    insatser = {i.id: f"{i.name} ({forbund.get(i.forbund_id, '')})"
                for i in list_insatser(session)}
    return [_waiting(session, consent, insatser) for consent in unlinked_consents(session)]


def _waiting(session: Session, consent: ConsentView, insatser: dict[int, str]) -> WaitingConsent:
    personnummer = consent.personnummer
    candidates = [CandidateRow(id=ref.id, insats=insatser.get(ref.insats_id, str(ref.insats_id)),
                               status=ref.status.label, startdatum=ref.startdatum)
                  for ref in consent_candidates(session, personnummer)]
    return WaitingConsent(id=consent.id, personnummer=mask_personnummer(personnummer),
                          ort=consent.ort,
                          datum=consent.datum, received_on=consent.received_on,
                          candidates=candidates)

