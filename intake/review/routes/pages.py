"""The pages people use, in Swedish: log in, upload, follow a batch, the queue,
review, reports, the consent desk and administration."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, select

from intake.mapping.places import kommuner
from intake.review.clock import now
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, StateDep, TodayDep
from intake.review.queue import (
    OPEN_STATUSES,
    QueueFilter,
    claim,
    get_document,
    may_decide,
    queue_query,
    visible,
    visible_batches,
)
from intake.review.schema import Batch, Document
from intake.review.security import verify_password
from intake.review.templating import templates
from intake.review.views import batch_detail, document_view, shown
from sus_store import (
    NotFound,
    PermissionDenied,
    audit_read,
    list_forbund,
    list_insatser,
    password_hash_of,
)
from sus_store.rows import MAX_ROW_ID
from sus_store.vocab import Role

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": None})


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, session: SessionDep, state: StateDep,
          username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/") -> Response:
    """Check the password (argon2); a new session on success."""
    if not verify_password(password_hash_of(session, username), password):
        return templates.TemplateResponse(
            request, "login.html",
            {"next": next, "error": "Fel användarnamn eller lösenord."}, status_code=401)
    request.session.clear()
    request.session["user"] = username.strip().lower()
    request.session["expires"] = time.time() + state.settings.session_hours * 3600
    return RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/",
                            status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def overview(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    batches = session.scalars(select(Batch).where(visible_batches(user))
                              .order_by(Batch.id.desc()).limit(20))
    waiting = session.scalar(select(func.count(Document.id)).where(
        visible(user), Document.status.in_(OPEN_STATUSES))) or 0
    return templates.TemplateResponse(request, "overview.html", {
        "user": user, "batches": [batch_detail(b) for b in batches], "waiting": waiting})


@router.get("/ladda-upp")
def upload_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if not (user.is_admin or user.roles & {Role.UPPLADDARE, Role.DIARIET}):
        raise PermissionDenied("Du har ingen behörighet att ladda upp.")
    forbund = [f for f in list_forbund(session) if user.is_admin or f.id in user.forbund_ids]
    return templates.TemplateResponse(request, "upload.html",
                                      {"user": user, "forbund": forbund})


@router.get("/batch/{batch_id}")
def batch_page(batch_id: int, request: Request, session: SessionDep,
               user: CurrentUser) -> Response:
    row = None
    if 0 < batch_id <= MAX_ROW_ID:  # beyond: no batch, and the database would overflow
        row = session.scalar(select(Batch).where(Batch.id == batch_id, visible_batches(user)))
    if row is None:
        raise NotFound(f"Batch {batch_id} finns inte.")
    return templates.TemplateResponse(request, "batch.html",
                                      {"user": user, "batch": batch_detail(row)})


@router.get("/ko")
def queue_page(request: Request, session: SessionDep, user: CurrentUser,
               filters: Annotated[QueueFilter, Query()]) -> Response:
    documents = [document_view(d) for d in session.scalars(queue_query(user, filters).limit(200))]
    return templates.TemplateResponse(request, "queue.html", {
        "user": user, "documents": documents, "filters": filters,
        "forbund": list_forbund(session), "insatser": list_insatser(session)})


@router.get("/granska/nasta")
def next_document(session: SessionDep, user: CurrentUser) -> Response:
    """The first document of the queue that is still open and not someone else's."""
    query = queue_query(user, QueueFilter()).where(
        (Document.claimed_by.is_(None)) | (Document.claimed_by == user.username))
    following = session.scalar(query.limit(1))
    return RedirectResponse(f"/granska/{following.id}" if following else "/ko", status_code=303)


@router.get("/granska/{document_id}")
def review_page(document_id: int, request: Request, session: SessionDep, state: StateDep,
                user: CurrentUser) -> Response:
    """The review page; opening it claims the document for this reviewer."""
    document = get_document(session, user, document_id)
    decidable = document.status in OPEN_STATUSES and may_decide(user, document)
    if decidable:
        claim(session, user, document, at=now(), minutes=state.settings.claim_minutes)
    return templates.TemplateResponse(request, "review.html", {
        "user": user, "document": shown(session, user.username, document),
        "decidable": decidable,
        "forbund": list_forbund(session), "insatser": list_insatser(session),
        "kommuner": _kommuner()})


def _kommuner() -> list[str]:
    return sorted(kommuner())


@router.get("/sida/{document_id}.jpg")
def page_image(document_id: int, session: SessionDep, state: StateDep,
               user: CurrentUser) -> Response:
    document = get_document(session, user, document_id)
    if document.image is None:
        raise NotFound("Sidbilden finns inte (borttagen eller ingen blankett).")
    audit_read(session, actor=user.username, entity="page_image", entity_id=document.id)
    return FileResponse(state.files.page_path(document.image), media_type="image/jpeg",
                        headers={"Cache-Control": "private, no-store"})


@router.get("/rapporter")
def reports_page(request: Request, session: SessionDep, user: CurrentUser,
                 today: TodayDep, year: int | None = None) -> Response:
    from intake.review.reports import report_context

    return templates.TemplateResponse(request, "reports.html", {
        "user": user, **report_context(session, year=year or today.year)})


@router.get("/rapporter/{name}.csv")
def report_csv(name: str, session: SessionDep, user: CurrentUser, today: TodayDep,
               year: int | None = None) -> Response:
    from intake.review.reports import report_by_name

    report = report_by_name(session, name, year=year or today.year)
    return Response(report.as_csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{year or today.year}.csv"'})
