"""The page ``/nycklar``: a user's API tokens, made (shown once), listed and revoked; an
admin also makes and revokes those of service users (users without a password, such
as the scanner folder's). The work is ``intake.review.tokens``'."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.clock import now
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep
from intake.review.queue import Viewer
from intake.review.templating import templates
from intake.review.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    NewToken,
    TokenIn,
    TokenView,
    list_tokens,
    make_token,
    revoke_token,
)
from sus_store import PermissionDenied, list_users
from sus_store.rows import MAX_ROW_ID

router = APIRouter(include_in_schema=False)


def service_users(session: Session) -> list[str]:
    """Users who cannot log in with a password: their tokens are an admin's to keep."""
    return [u.username for u in list_users(session) if not u.has_password and u.active]


@router.get("/nycklar")
def tokens_page(request: Request, session: SessionDep, user: CurrentUser,
                klart: str = "") -> Response:
    message = "API-nyckeln har återkallats." if klart == "aterkallad" else None
    return _render(request, session, user, message=message)


@router.post("/nycklar", dependencies=[CsrfChecked])
def make_token_form(request: Request, session: SessionDep, user: CurrentUser,
                    label: Annotated[str, Form()], days: Annotated[int, Form()] = DEFAULT_DAYS,
                    username: Annotated[str, Form()] = "") -> Response:
    """A new token for oneself (or, by an admin, for a service user); the page shows its
    secret this once (answered, not redirected: the secret is in no URL or history)."""
    owner = username.strip().lower() or user.username
    try:
        if owner != user.username and not (user.is_admin and owner in service_users(session)):
            raise PermissionDenied("Du kan bara göra API-nycklar åt dig själv"
                              " (administratörer även åt tjänsteanvändare).")
        with session.begin_nested():
            made = make_token(session, TokenIn(username=owner, label=label, days=days),
                              actor=user.username, at=now())
    except ValidationError:
        return _render(request, session, user, status_code=422,
                       error=f"Ange vad nyckeln är till för (högst 100 tecken) och"
                             f" en giltighet på 1–{MAX_DAYS} dagar.")
    except IntakeError as exc:
        status = exc.http_status if exc.http_status < 500 else 422
        return _render(request, session, user, status_code=status, error=exc.message)
    return _render(request, session, user, made=made)


@router.post("/nycklar/{token_id}/aterkalla", dependencies=[CsrfChecked])
def revoke_token_form(token_id: int, session: SessionDep, user: CurrentUser) -> Response:
    mine = {t.id for t in _visible(session, user)}
    owner = None if token_id in mine else user.username  # NotFound for another's
    if 0 < token_id <= MAX_ROW_ID:
        revoke_token(session, token_id, actor=user.username, at=now(), owner=owner)
    return RedirectResponse("/nycklar?klart=aterkallad", status_code=303)


def _visible(session: Session, user: Viewer) -> list[TokenView]:
    """One's own tokens; an admin's view adds those of service users."""
    tokens = list_tokens(session, user.username)
    if user.is_admin:
        for name in service_users(session):
            if name != user.username:
                tokens += list_tokens(session, name)
    return tokens


def _render(request: Request, session: Session, user: Viewer, *, made: NewToken | None = None,
            message: str | None = None, error: str | None = None,
            status_code: int = 200) -> Response:
    at: datetime = now()
    rows = [(t, t.state(at)) for t in _visible(session, user)]
    return templates.TemplateResponse(request, "tokens.html", {
        "user": user, "rows": rows, "made": made, "message": message, "error": error,
        "service_users": service_users(session) if user.is_admin else [],
        "default_days": DEFAULT_DAYS, "max_days": MAX_DAYS}, status_code=status_code,
        headers={"Cache-Control": "no-store"})
