"""The intake service: ``create_app(settings)`` builds the FastAPI application.

Server-rendered Swedish pages (Jinja2, autoescaped) for people, a JSON API under
``/api`` for scripts and the pages' own keyboard logic, one handler for the
project's exception root. Nothing is created at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from intake.errors import IntakeError
from intake.review.background import Worker, reading_signal
from intake.review.bodylimit import BodyLimit
from intake.review.decide import UnknownName
from intake.review.deps import NotLoggedIn
from intake.review.headers import SecurityHeaders
from intake.review.metrics import ServiceMetrics
from intake.review.requestid import RequestId
from intake.review.routes import (
    admin,
    api,
    batches,
    consents,
    downloads,
    finding,
    form_templates,
    health,
    pages,
    tokens,
)
from intake.review.scanner import ScannerThread
from intake.review.security import session_secret
from intake.review.servertiming import ServerTiming, watch_engine
from intake.review.settle import settled
from intake.review.state import ServiceState, open_service
from intake.review.templating import templates
from intake.review.throttle import LoginGuard
from intake.settings import Settings
from sus_store import AmbiguousName, ConsentRequired

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

#: What a reviewer can do when the store refuses a 9448 for want of a consent.
CONSENT_WAYS_OUT = [
    ("wait_consent", "Koppla samtycke när Diariet tagit emot det (kopplas automatiskt)"),
    ("anonymous", "Registrera anonymt (personuppgifter och skanning tas bort)"),
    ("send_back", "Skicka tillbaka till förbundet"),
    ("reject", "Avvisa som felregistrering"),
]


def create_app(settings: Settings | None = None, *, run_worker: bool = True) -> FastAPI:
    """The application; with ``run_worker`` a reading process of its own reads uploads
    (:mod:`.background`)."""
    settings = settings or Settings()
    secret = session_secret(settings)  # refuses to start without a strong key

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: ServiceState = open_service(
            settings, uploaded=reading_signal() if run_worker else None)
        app.state.service = state
        if settings.server_timing:
            watch_engine(state.store.engine)
        app.state.metrics = ServiceMetrics(state)
        worker = Worker(state) if run_worker else None
        if worker:
            worker.start()
        scanner = ScannerThread(state) if settings.watch_dir else None  # the scanner folder
        if scanner:
            scanner.start()
        try:
            with settled():
                yield
        finally:
            if scanner:
                scanner.stop()
            if worker:
                worker.stop()
            state.store.dispose()

    # the schema and docs are routes of the API, behind the login (routes/api.py)
    app = FastAPI(title="SUS intake", lifespan=lifespan, openapi_url=None, docs_url=None,
                  redoc_url=None)
    app.add_middleware(SessionMiddleware, secret_key=secret,
                       session_cookie="sus_session", max_age=int(settings.session_hours * 3600),
                       same_site="strict", https_only=settings.environment == "production")
    app.add_middleware(BodyLimit, max_bytes=settings.max_form_kb * 1024,
                       streamed=frozenset({"/api/batches", form_templates.UPLOAD_PATH}))
    app.state.login_guard = LoginGuard(settings, pepper=secret.encode())
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ServerTiming, enabled=settings.server_timing)
    app.add_middleware(RequestId, count_error=lambda kind: count_error(app, kind))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(form_templates.router)
    app.include_router(form_templates.api)
    app.include_router(consents.router)
    app.include_router(finding.router)
    app.include_router(finding.api)
    app.include_router(tokens.router)
    app.include_router(batches.router)
    app.include_router(downloads.router)
    app.include_router(health.router)
    app.add_exception_handler(IntakeError, _intake_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    return app


#: What a request FastAPI refused before a route ran got wrong, in Swedish, by pydantic's
#: error type; anything else is "ogiltigt värde".
_INVALID = {
    "missing": "saknas",
    "string_too_long": "är för lång",
    "too_long": "har för många delar",
    "string_too_short": "är för kort",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "int_parsing": "ska vara ett heltal",
    "int_type": "ska vara ett heltal",
    "json_invalid": "är inte giltig JSON",
    "literal_error": "är inte ett av de tillåtna värdena",
    "dict_type": "ska vara ett objekt",
    "model_attributes_type": "ska vara ett objekt",
}


def count_error(app: FastAPI, kind: str) -> None:
    """An error answered, for /metrics (``sus_intake_errors_total{kind}``)."""
    metrics: ServiceMetrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.count_error(kind)


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """A request whose parameters or body do not fit: 422 with a Swedish message naming
    the fields (never FastAPI's English, never the values sent)."""
    count_error(request.app, "invalid_request")
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "begäran"
        problems.append(f"{where} {_INVALID.get(str(error.get('type')), 'har ogiltigt värde')}")
    body = {"code": "invalid_request", "message": "Begäran är felaktig: " + "; ".join(problems)
            + "."}
    return JSONResponse(body, status_code=422)


async def _intake_error(request: Request, exc: IntakeError) -> Response:
    """One handler for the exception root: JSON for the API, a page for people."""
    if isinstance(exc, NotLoggedIn) and not request.url.path.startswith("/api"):
        target = quote(request.url.path)
        return RedirectResponse(f"/login?next={target}", status_code=303)
    count_error(request.app, exc.code)
    if exc.http_status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, AmbiguousName):
        body["candidates"] = list(exc.candidates)
        if isinstance(exc, UnknownName):
            body["field"] = exc.field
    if isinstance(exc, ConsentRequired):
        body["ways_out"] = [{"action": a, "label": label} for a, label in CONSENT_WAYS_OUT]
    headers: dict[str, str] | None = getattr(exc, "headers", None)  # Retry-After
    if request.url.path.startswith("/api"):
        return JSONResponse(body, status_code=exc.http_status, headers=headers)
    return templates.TemplateResponse(request, "error.html", {"error": body},
                                      status_code=exc.http_status, headers=headers)
