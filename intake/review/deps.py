"""FastAPI dependencies, as ``Annotated`` aliases: the state, a store session, the
logged-in user (``CurrentUser``) and the CSRF check every state-changing request
passes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.queue import Viewer, viewer_for
from intake.review.security import new_csrf_token, same_token
from intake.review.state import ServiceState
from sus_store import PermissionDenied, get_user
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
    """The request's unit of work: read-only for a GET (on SQLite it takes no write
    lock, so reviewers' pages neither wait for a batch being stored nor hold it up),
    unless its endpoint is marked :func:`writes`."""
    with state.store.transaction(read_only=reads_only(request)) as session:
        yield session


_WRITES = "_sus_writes"
_Endpoint = TypeVar("_Endpoint", bound=Callable[..., object])


def writes(endpoint: _Endpoint) -> _Endpoint:
    """Mark a GET endpoint that changes something (the review page claims its
    document): its session takes the write lock from the start."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def reads_only(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not getattr(
        request.scope.get("endpoint"), _WRITES, False)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_today(state: StateDep) -> date:
    return state.settings.current_day()


TodayDep = Annotated[date, Depends(get_today)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return str(token)


def current_user(request: Request, session: SessionDep, state: StateDep,
                 today: TodayDep) -> Viewer:
    username = request.session.get("user")
    expires = float(request.session.get("expires", 0))
    if not username or expires < time.time():
        request.session.clear()
        raise NotLoggedIn("Logga in för att fortsätta.")
    try:
        user = get_user(session, username)
    except NotFound:
        user = None
    if user is None or not user.active:
        request.session.clear()
        raise NotLoggedIn("Kontot finns inte eller är avstängt.")
    return viewer_for(session, user.username, user.display_name, today=today)


CurrentUser = Annotated[Viewer, Depends(current_user)]


def uploader(request: Request, state: StateDep, today: TodayDep) -> Viewer:
    """A logged-in user who may upload, with the request's CSRF header checked: all
    before a byte of the (large) body is read, in a transaction of its own so that no
    database lock is held while the body arrives."""
    with state.store.transaction() as session:
        user = current_user(request, session, state, today)
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
