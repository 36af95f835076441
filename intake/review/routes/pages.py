"""The pages people use, in Swedish: log in, upload, follow a batch, the queue,
review, reports, the consent desk and administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.mapping.places import kommuner
from intake.review.clock import now
from intake.review.deadlines import deadlines_per_forbund
from intake.review.deps import (
    CsrfChecked,
    CurrentUser,
    LoginGuardDep,
    PageBoxesDep,
    SessionDep,
    StateDep,
    TodayDep,
)
from intake.review.queue import (
    OPEN_STATUSES,
    QueueFilter,
    get_document,
    hand_out_next,
    held_by_other,
    may_decide,
    visible,
    visible_batches,
)
from intake.review.schema import Batch, Document
from intake.review.security import verify_password
from intake.review.sessions import end_session, start_session
from intake.review.templating import templates
from intake.review.views import (
    DECIDED_STATUSES,
    batch_detail,
    page_image_of,
    queue_rows,
    shown,
)
from sus_store import (
    NotFound,
    PermissionDenied,
    audit_read,
    get_user,
    list_forbund,
    list_insatser,
    password_hash_of,
    permissions_of,
)
from sus_store.rows import MAX_ROW_ID
from sus_store.vocab import Role

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": None})


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, state: StateDep, today: TodayDep, guard: LoginGuardDep,
          username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/") -> Response:
    """Check the password (argon2) unless the account or address is locked or no slot to
    check it in comes in time (429); a new session on the server on success. Each step
    is its own short transaction: none is open while the password is checked."""
    keys = guard.keys(username, request.client.host if request.client else "")
    with guard.checking() as busy:
        refusal = busy or guard.refusal(state.store, keys, at=now())
        if refusal:
            return _login_refused(request, next, refusal.message, status_code=429,
                                  headers={"Retry-After": str(refusal.retry_after)})
        with state.store.transaction() as session:
            password_hash = password_hash_of(session, username)
            user_id = _user_id(session, username)
        right = verify_password(password_hash, password)
    if not right:
        guard.failed(state.store, keys, at=now(), user_id=user_id)
        return _login_refused(request, next, "Fel användarnamn eller lösenord.",
                              status_code=401)
    guard.succeeded(state.store, keys)
    name = username.strip().lower()
    with state.store.transaction() as session:
        held = {p.id for p in permissions_of(session, name, today=today)}
        token = start_session(session, username=name, password_hash=password_hash,
                              permission_ids=held, at=now(),
                              hours=state.settings.session_hours)
    request.session.clear()
    request.session["sid"] = token
    return RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/",
                            status_code=303)


def _login_refused(request: Request, next: str, error: str, *, status_code: int,
                   headers: dict[str, str] | None = None) -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": error},
                                      status_code=status_code, headers=headers)


def _user_id(session: Session, username: str) -> int | None:
    """The account's id for the log (never its username); None for no such account."""
    try:
        return get_user(session, username).id
    except NotFound:
        return None


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    """End the session on the server too: a copy of the cookie is worth nothing after."""
    end_session(session, request.session.get("sid"))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def overview(request: Request, session: SessionDep, user: CurrentUser,
             today: TodayDep) -> Response:
    batches = session.scalars(select(Batch).where(visible_batches(user))
                              .order_by(Batch.id.desc()).limit(20))
    waiting = session.scalar(select(func.count(Document.id)).where(
        visible(user), Document.status.in_(OPEN_STATUSES))) or 0
    return templates.TemplateResponse(request, "overview.html", {
        "user": user, "batches": [batch_detail(b) for b in batches], "waiting": waiting,
        "deadlines": deadlines_per_forbund(session, user, today=today)})


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
    documents = queue_rows(session, user, filters, limit=200)
    forbund = list_forbund(session)
    return templates.TemplateResponse(request, "queue.html", {
        "user": user, "documents": documents, "filters": filters,
        "forbund": forbund, "insatser": list_insatser(session),
        "forbund_names": {f.id: f.name for f in forbund}})


@router.get("/granska/nasta")
def next_document(state: StateDep, user: CurrentUser,
                  efter: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None) -> Response:
    """The first document of the queue nobody holds, claimed for this reviewer (two tabs
    are never handed the same one); ``efter``: the one they move on from, skipped. (A GET
    for the link and the back button; the claim is its own short writing transaction.)"""
    with state.store.transaction() as session:
        following = hand_out_next(session, user, at=now(),
                                  seconds=state.settings.claim_seconds, after=efter)
        target = f"/granska/{following.id}" if following else "/ko"
    return RedirectResponse(target, status_code=303)


@router.get("/granska/{document_id}")
def review_page(document_id: int, request: Request, session: SessionDep, state: StateDep,
                user: CurrentUser, boxes: PageBoxesDep) -> Response:
    """The review page: the document and who holds it. Looking claims nothing: the page's
    script claims it (POST) when this reviewer may decide it."""
    document = get_document(session, user, document_id)
    held_by = held_by_other(document, user, at=now(), seconds=state.settings.claim_seconds)
    decidable = (document.status in OPEN_STATUSES and may_decide(user, document)
                 and held_by is None)
    return templates.TemplateResponse(request, "review.html", {
        "user": user, "document": shown(session, user.username, document, boxes=boxes),
        "decidable": decidable, "held_by": held_by,
        "decided": document.status in DECIDED_STATUSES,
        "renew_seconds": state.settings.claim_renew_seconds,
        "forbund": list_forbund(session), "insatser": list_insatser(session),
        "kommuner": _kommuner()}, headers={"Cache-Control": "private, no-store"})


def _kommuner() -> list[str]:
    return sorted(kommuner())


@router.get("/sida/{document_id}.jpg")
def page_image(document_id: int, session: SessionDep, state: StateDep,
               user: CurrentUser, sida: int = 1) -> Response:
    """The image of the document's page ``sida`` (1-based, in its pages' order: a
    later page of a form of several pages is 2)."""
    document = get_document(session, user, document_id)
    image = page_image_of(session, document, sida)
    if image is None:
        raise NotFound("Sidbilden finns inte (borttagen eller ingen blankett).")
    audit_read(session, actor=user.username, entity="page_image", entity_id=document.id)
    return FileResponse(state.files.page_path(image), media_type="image/jpeg",
                        headers={"Cache-Control": "private, no-store"})


@router.get("/rapporter")
def reports_page(request: Request, session: SessionDep, user: CurrentUser,
                 today: TodayDep, year: int | None = None) -> Response:
    from intake.review.reports import report_context

    return templates.TemplateResponse(request, "reports.html", {
        "user": user, **report_context(session, year=year or today.year)})
