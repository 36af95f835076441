"""The JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``). Thin: each route
checks who asks and hands over to the module that owns the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy import select

from intake.errors import InputError
from intake.review.clock import now
from intake.review.decide import Action, Decision, correct, decide
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, StateDep, TodayDep
from intake.review.ingest import BatchView, FileIn, receive_batch
from intake.review.queue import (
    MAX_ROW_ID,
    QueueFilter,
    claim,
    get_document,
    queue_query,
    visible_batches,
)
from intake.review.schema import Batch
from intake.review.views import BatchDetail, DocumentView, batch_detail, document_view
from sus_store import NotFound, PermissionDenied, list_forbund, list_insatser
from sus_store.vocab import Role

router = APIRouter(prefix="/api", tags=["api"])

#: A row id in a path or form: a positive INTEGER (beyond it, 422 rather than a 500).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.post("/batches", dependencies=[CsrfChecked])
async def upload_batch(session: SessionDep, state: StateDep, user: CurrentUser,
                       files: Annotated[list[UploadFile], File()],
                       forbund_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None
                       ) -> BatchView:
    """Upload files as one batch; each is read in the background."""
    forbund_id = _upload_forbund(user, forbund_id)
    limit = state.settings.max_upload_mb * 1024 * 1024
    received = []
    for item in files:
        data = await item.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"{item.filename}: större än {state.settings.max_upload_mb} MB.")
        received.append(FileIn(filename=item.filename or "fil", data=data))
    return receive_batch(session, state, received, username=user.username,
                         forbund_id=forbund_id)


def _upload_forbund(user: Any, forbund_id: int | None) -> int | None:
    if user.is_admin:
        return forbund_id
    if Role.UPPLADDARE in user.roles:
        if forbund_id is None and len(user.forbund_ids) == 1:
            return int(next(iter(user.forbund_ids)))
        if forbund_id in user.forbund_ids:
            return forbund_id
        raise PermissionDenied("Du kan bara ladda upp för ditt eget förbund.")
    if Role.DIARIET in user.roles:
        return None
    raise PermissionDenied("Du har ingen behörighet att ladda upp.")


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
def list_documents(session: SessionDep, user: CurrentUser,
                   filters: Annotated[QueueFilter, Query()]) -> list[DocumentView]:
    """The review queue: by SUS deadline, then age."""
    return [document_view(d) for d in session.scalars(queue_query(user, filters).limit(200))]


@router.get("/documents/{document_id}")
def read_document(document_id: RowId, session: SessionDep, user: CurrentUser) -> DocumentView:
    return document_view(get_document(session, user, document_id))


@router.post("/documents/{document_id}/claim", dependencies=[CsrfChecked])
def claim_document(document_id: RowId, session: SessionDep, state: StateDep,
                   user: CurrentUser) -> DocumentView:
    document = get_document(session, user, document_id)
    claim(session, user, document, at=now(), minutes=state.settings.claim_minutes)
    return document_view(document)


class Corrections(BaseModel):
    values: dict[str, Any]


@router.put("/documents/{document_id}/fields", dependencies=[CsrfChecked])
def correct_fields(document_id: RowId, body: Corrections, session: SessionDep,
                   user: CurrentUser, today: TodayDep) -> DocumentView:
    document = get_document(session, user, document_id)
    correct(session, document, body.values, viewer=user, today=today)
    return document_view(document)


class DecisionIn(BaseModel):
    action: Action
    reason: str = ""


@router.post("/documents/{document_id}/decision", dependencies=[CsrfChecked])
def decide_document(document_id: RowId, body: DecisionIn, session: SessionDep,
                    state: StateDep, user: CurrentUser, today: TodayDep) -> Decision:
    document = get_document(session, user, document_id)
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
