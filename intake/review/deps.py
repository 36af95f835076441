"""FastAPI dependencies, as ``Annotated`` aliases: the state, a store session, the
logged-in user (``CurrentUser``) and the CSRF check every state-changing request
passes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.clock import now
from intake.review.queue import Viewer, viewer_for
from intake.review.security import new_csrf_token, same_token
from intake.review.sessions import session_user, still_granted
from intake.review.state import ServiceState
from intake.review.throttle import LoginGuard
from sus_store import PermissionDenied, get_user, password_hash_of
from sus_store.errors import NotFound
from sus_store.vocab import Role


class NotLoggedIn(IntakeError):
    code = "not_logged_in"
    http_status = 401


class CsrfFailed(IntakeError):
    code = "csrf_failed"
    http_status = 403


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_session(request: Request, state: StateDep) -> Iterator[Session]:
    """The request's unit of work: read-only for a GET or HEAD (on SQLite it takes no
    write lock, so reviewers' pages neither wait for a batch being stored nor hold it
    up; a write in it fails at once). A request that changes something is a POST."""
    with state.store.transaction(read_only=reads_only(request)) as session:
        yield session


def reads_only(request: Request) -> bool:
    return request.method in ("GET", "HEAD")


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_login_guard(request: Request) -> LoginGuard:
    guard: LoginGuard = request.app.state.login_guard
    return guard


LoginGuardDep = Annotated[LoginGuard, Depends(get_login_guard)]


def get_today(state: StateDep) -> date:
    return state.settings.current_day()


TodayDep = Annotated[date, Depends(get_today)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return str(token)


def current_user(request: Request, session: SessionDep, today: TodayDep) -> Viewer:
    """The user of the request's live session (``intake.review.sessions``): NotLoggedIn
    when there is none, the account is stopped, or its password or permissions changed."""
    login = session_user(session, request.session.get("sid"), at=now())
    if login is None:
        request.session.clear()
        raise NotLoggedIn("Logga in för att fortsätta.")
    try:
        user = get_user(session, login.username)
    except NotFound:
        user = None
    if user is None or not user.active:
        request.session.clear()
        raise NotLoggedIn("Kontot finns inte eller är avstängt.")
    viewer = viewer_for(session, user.username, user.display_name, today=today)
    if not still_granted(login, password_hash=password_hash_of(session, user.username),
                         permission_ids=set(viewer.permission_ids)):
        request.session.clear()
        raise NotLoggedIn("Lösenordet eller behörigheterna har ändrats. Logga in igen.")
    return viewer


CurrentUser = Annotated[Viewer, Depends(current_user)]


def uploader(request: Request, state: StateDep, today: TodayDep) -> Viewer:
    """A logged-in user who may upload, with the request's CSRF header checked: all
    before a byte of the (large) body is read, in a transaction of its own so that no
    database lock is held while the body arrives."""
    with state.store.transaction() as session:
        user = current_user(request, session, today)
    if not (user.is_admin or user.roles & {Role.UPPLADDARE, Role.DIARIET}):
        raise PermissionDenied("Du har ingen behörighet att ladda upp.")
    if not same_token(request.session.get("csrf"), request.headers.get("x-csrf-token")):
        raise CsrfFailed("Formuläret har gått ut (CSRF). Ladda om sidan och försök igen.")
    return user


Uploader = Annotated[Viewer, Depends(uploader)]


async def check_csrf(request: Request) -> None:
    """Every POST/PUT/DELETE carries the session's token: the ``X-CSRF-Token`` header
    (scripts, fetch) or the ``csrf`` field of a submitted form."""
    given = request.headers.get("x-csrf-token")
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(_FORM_TYPES):
        value = (await request.form()).get("csrf")
        given = value if isinstance(value, str) else None
    if not same_token(request.session.get("csrf"), given):
        raise CsrfFailed("Formuläret har gått ut (CSRF). Ladda om sidan och försök igen.")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CsrfChecked = Depends(check_csrf)
