"""FastAPI dependencies, as ``Annotated`` aliases: the state, a store session, the
logged-in user (``CurrentUser``) and the CSRF check every state-changing request
passes.

A request to the JSON API may instead carry an API token (``Authorization: Bearer …``,
``intake.review.tokens``): it then stands for its user alone (the cookie is not looked
at), needs no CSRF token (a browser never sends the header on its own), and is
throttled like a login (``intake.review.throttle``). A page refuses a token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.forms.store import TemplateStore
from intake.review.clock import now
from intake.review.queue import Viewer, viewer_of
from intake.review.security import new_csrf_token, same_token
from intake.review.sessions import session_user, still_granted
from intake.review.state import ServiceState
from intake.review.throttle import LoginGuard
from intake.review.tokens import TokenRefused, digest, token_owner
from intake.review.views import PageBoxes
from sus_store import Access, PermissionDenied, access_of
from sus_store.errors import NotFound
from sus_store.vocab import Role


class NotLoggedIn(IntakeError):
    code = "not_logged_in"
    http_status = 401


class CsrfFailed(IntakeError):
    code = "csrf_failed"
    http_status = 403


class TooManyAttempts(IntakeError):
    """Throttled (429); ``headers`` carries Retry-After."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


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


def get_templates(state: StateDep) -> TemplateStore:
    """The form templates the service reads with (``Settings.template_dir()``)."""
    return TemplateStore(state.settings.template_dir())


TemplatesDep = Annotated[TemplateStore, Depends(get_templates)]


def get_page_boxes(templates: TemplatesDep) -> PageBoxes:
    """Where a document's snippets are: its template's boxes (``views.PageBoxes``)."""
    return PageBoxes(templates)


PageBoxesDep = Annotated[PageBoxes, Depends(get_page_boxes)]


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


def bearer_token(request: Request) -> str | None:
    """The API token the request carries (``Authorization: Bearer …``), if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def token_place(request: Request) -> bool:
    """Where a token is accepted: the JSON API, not its HTML docs, never a page."""
    path = request.url.path
    return path.startswith("/api/") and path != "/api/docs"


def token_call(request: Request) -> bool:
    """A call authenticated by an API token, not by the session cookie."""
    return bearer_token(request) is not None and token_place(request)


def token_user(request: Request, secret: str) -> str:
    """The username of the request's API token, checked in transactions of its own
    (before the request's own unit of work takes a lock): refused on a page, while the
    client is locked out (429), or when unknown, expired or revoked — each refusal a
    failure counted against the client like a failed login."""
    if not token_place(request):
        raise TokenRefused("API-nycklar gäller bara API:t (/api/…), inte sidorna."
                           " Logga in med lösenord.")
    state = get_state(request)
    guard = get_login_guard(request)
    address = request.client.host if request.client else ""
    keys = guard.keys(f"api-token:{digest(secret)}", address)
    refusal = guard.refusal(state.store, keys, at=now())
    if refusal:
        raise TooManyAttempts(refusal.message, retry_after=refusal.retry_after)
    with state.store.transaction() as session:
        username = token_owner(session, secret, at=now())
    if username is None:
        guard.failed(state.store, keys, at=now(), user_id=None)
        raise TokenRefused("API-nyckeln är okänd, har gått ut eller är återkallad.")
    return username


def current_user(request: Request, session: SessionDep, today: TodayDep) -> Viewer:
    """The user of the request's live session (``intake.review.sessions``), or of its API
    token: NotLoggedIn when there is none, the account is stopped, or its password or
    permissions changed. Checked afresh on every request — the user and their
    permissions read once each (``sus_store.access_of``), never kept between requests."""
    secret = bearer_token(request)
    if secret is not None:
        return _token_viewer(session, token_user(request, secret), today)
    login = session_user(session, request.session.get("sid"), at=now())
    if login is None:
        request.session.clear()
        raise NotLoggedIn("Logga in för att fortsätta.")
    access = _access(session, login.username, today)
    if access is None or not access.user.active:
        request.session.clear()
        raise NotLoggedIn("Kontot finns inte eller är avstängt.")
    if not still_granted(login, password_hash=access.password_hash,
                         permission_ids={p.id for p in access.permissions}):
        request.session.clear()
        raise NotLoggedIn("Lösenordet eller behörigheterna har ändrats. Logga in igen.")
    return viewer_of(access)


def _access(session: Session, username: str, today: date) -> Access | None:
    try:
        return access_of(session, username, today=today)
    except NotFound:
        return None


def _token_viewer(session: Session, username: str, today: date) -> Viewer:
    """A token's user as they are today: an account stopped since refuses the token."""
    access = _access(session, username, today)
    if access is None or not access.user.active:
        raise TokenRefused("Kontot bakom API-nyckeln finns inte eller är avstängt.")
    return viewer_of(access)


CurrentUser = Annotated[Viewer, Depends(current_user)]


def uploader(request: Request, state: StateDep, today: TodayDep) -> Viewer:
    """A logged-in user who may upload, with the request's CSRF header checked: all
    before a byte of the (large) body is read, in a transaction of its own so that no
    database lock is held while the body arrives."""
    with state.store.transaction() as session:
        user = current_user(request, session, today)
    if not (user.is_admin or user.roles & {Role.UPPLADDARE, Role.DIARIET}):
        raise PermissionDenied("Du har ingen behörighet att ladda upp.")
    given = request.headers.get("x-csrf-token")
    if not token_call(request) and not same_token(request.session.get("csrf"), given):
        raise CsrfFailed("Formuläret har gått ut (CSRF). Ladda om sidan och försök igen.")
    return user


Uploader = Annotated[Viewer, Depends(uploader)]


async def check_csrf(request: Request) -> None:
    """Every POST/PUT/DELETE carries the session's token: the ``X-CSRF-Token`` header
    (scripts, fetch) or the ``csrf`` field of a submitted form. A call with an API token
    needs none: it is authenticated by the token alone."""
    if token_call(request):
        return
    given = request.headers.get("x-csrf-token")
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(_FORM_TYPES):
        value = (await request.form()).get("csrf")
        given = value if isinstance(value, str) else None
    if not same_token(request.session.get("csrf"), given):
        raise CsrfFailed("Formuläret har gått ut (CSRF). Ladda om sidan och försök igen.")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CsrfChecked = Depends(check_csrf)
