"""The JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``). Thin: each route
checks who asks and hands over to the module that owns the work."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from intake.errors import InputError
from intake.review.clock import now
from intake.review.decide import Action, Decision, correct, decide
from intake.review.deps import (
    CsrfChecked,
    CurrentUser,
    PageBoxesDep,
    SessionDep,
    StateDep,
    TodayDep,
    Uploader,
)
from intake.review.headers import docs_policy
from intake.review.ingest import BatchView, FileIn, receive_upload, upload_forbund
from intake.review.multipart import (
    MB,
    UploadLimits,
    discard,
    receive_form,
    refuse_declared_size,
)
from intake.review.queue import (
    MAX_ROW_ID,
    QueueFilter,
    claim,
    get_document,
    queue_query,
    visible_batches,
)
from intake.review.schema import Batch
from intake.review.views import (
    BatchDetail,
    DocumentView,
    batch_detail,
    shown,
    shown_list,
)
from intake.settings import Settings
from sus_store import NotFound, list_forbund, list_insatser

router = APIRouter(prefix="/api", tags=["api"])

#: A row id in a path or form: a positive INTEGER (beyond it, 422 rather than a 500).
#: (Bounds, not a shared ``Path(...)``: FastAPI fills in a FieldInfo's alias per route,
#: and one FieldInfo shared by routes raced when several apps answered at once.)
RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]


@router.get("/openapi.json", include_in_schema=False)
def openapi_schema(request: Request, user: CurrentUser) -> JSONResponse:
    """The API's OpenAPI description, for logged-in users only."""
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
def api_docs(user: CurrentUser) -> HTMLResponse:
    """Swagger UI over the schema, for logged-in users; its inline script runs by nonce."""
    nonce = secrets.token_urlsafe(16)
    page = get_swagger_ui_html(openapi_url="/api/openapi.json", title="SUS intake – API")
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(html, headers={"Content-Security-Policy": docs_policy(nonce),
                                       "Cache-Control": "private, no-store"})


#: The upload's body as OpenAPI shows it (the route reads the stream itself).
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "forbund_id": {"type": "string", "pattern": "^[0-9]{1,9}$"}}}}}}}


@router.post("/batches", openapi_extra=_UPLOAD_BODY)
async def upload_batch(request: Request, state: StateDep, user: Uploader) -> BatchView:
    """Upload files as one batch; each is read in the background. Who asks (and the
    CSRF header) is checked before the body is read; the files stream to disk within
    the limits of the settings (413 past one)."""
    limits = upload_limits(state.settings)
    refuse_declared_size(request.headers.get("content-length"), limits)
    form = await receive_form(request.stream(), request.headers.get("content-type", ""),
                              staging=state.files.staging(), limits=limits)
    try:
        forbund_id = upload_forbund(user, _forbund_field(form.fields))
        if not form.files:
            raise InputError("Välj minst en fil att ladda upp.")
        files = [FileIn(filename=f.filename, path=f.path, size=f.size, sha256=f.sha256)
                 for f in form.files]
    except BaseException:
        discard(form.files)
        raise
    return await run_in_threadpool(receive_upload, state, files, username=user.username,
                                   forbund_id=forbund_id)


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(file_bytes=settings.max_upload_mb * MB,
                        request_bytes=settings.max_request_mb * MB,
                        files=settings.max_files_per_upload)


def _forbund_field(fields: dict[str, str]) -> int | None:
    value = fields.get("forbund_id", "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InputError("Förbundet ska anges med sitt nummer (forbund_id).")
    return int(value)


@router.get("/batches")
def list_batches(session: SessionDep, user: CurrentUser) -> list[BatchDetail]:
    rows = session.scalars(select(Batch).where(visible_batches(user))
                           .order_by(Batch.id.desc()).limit(100))
    return [batch_detail(row) for row in rows]


@router.get("/batches/{batch_id}")
def get_batch(batch_id: RowId, session: SessionDep, user: CurrentUser) -> BatchDetail:
    row = session.scalar(select(Batch).where(Batch.id == batch_id, visible_batches(user)))
    if row is None:
        raise NotFound(f"Batch {batch_id} finns inte.")
    return batch_detail(row)


@router.get("/documents")
def list_documents(session: SessionDep, user: CurrentUser, boxes: PageBoxesDep,
                   filters: Annotated[QueueFilter, Query()]) -> list[DocumentView]:
    """The review queue: by SUS deadline, then age (the read is audited)."""
    documents = list(session.scalars(queue_query(user, filters).limit(200)))
    return shown_list(session, user.username, documents, boxes=boxes)


@router.get("/documents/{document_id}")
def read_document(document_id: RowId, session: SessionDep, user: CurrentUser,
                  boxes: PageBoxesDep) -> DocumentView:
    return shown(session, user.username, get_document(session, user, document_id),
                 boxes=boxes)


class ClaimAsked(BaseModel):
    """Taking a document, or (``renew``) the open page keeping the claim it has."""

    renew: bool = False


@router.post("/documents/{document_id}/claim", dependencies=[CsrfChecked])
def claim_document(document_id: RowId, session: SessionDep, state: StateDep,
                   user: CurrentUser, boxes: PageBoxesDep,
                   body: ClaimAsked | None = None) -> DocumentView:
    document = get_document(session, user, document_id)
    claim(session, user, document, at=now(), seconds=state.settings.claim_seconds,
          renew=body is not None and body.renew)
    return shown(session, user.username, document, boxes=boxes)


class Corrections(BaseModel):
    values: dict[str, Any] = Field(max_length=40)  # a form has fewer fields


@router.put("/documents/{document_id}/fields", dependencies=[CsrfChecked])
def correct_fields(document_id: RowId, body: Corrections, session: SessionDep,
                   user: CurrentUser, today: TodayDep, boxes: PageBoxesDep) -> DocumentView:
    document = get_document(session, user, document_id, lock=True)
    correct(session, document, body.values, viewer=user, today=today)
    return shown(session, user.username, document, boxes=boxes)


class DecisionIn(BaseModel):
    action: Action
    reason: str = Field(default="", max_length=1000)


@router.post("/documents/{document_id}/decision", dependencies=[CsrfChecked])
def decide_document(document_id: RowId, body: DecisionIn, session: SessionDep,
                    state: StateDep, user: CurrentUser, today: TodayDep) -> Decision:
    document = get_document(session, user, document_id, lock=True)
    return decide(session, state, document, body.action, viewer=user, today=today,
                  reason=body.reason)


class Choice(BaseModel):
    id: int
    name: str
    forbund_id: int | None = None


class Lists(BaseModel):
    forbund: list[Choice]
    insatser: list[Choice]


@router.get("/lists")
def lists(session: SessionDep, user: CurrentUser) -> Lists:
    """The names a reviewer picks from: förbund and their insatser."""
    return Lists(forbund=[Choice(id=f.id, name=f.name) for f in list_forbund(session)],
                 insatser=[Choice(id=i.id, name=i.name, forbund_id=i.forbund_id)
                           for i in list_insatser(session)])
