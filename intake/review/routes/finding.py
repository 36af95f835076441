"""Finding a person or a document (``/sok``), and letting go of a document's claim
(``/api/documents/{id}/release``): the holder when done looking, an admin for a claim
left behind."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from intake.review.deps import CsrfChecked, CurrentUser, SessionDep
from intake.review.queue import MAX_ROW_ID, get_document, release_claim
from intake.review.search import SearchIn, search
from intake.review.templating import templates
from intake.review.views import queue_row
from sus_store import list_forbund

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]


@router.get("/sok")
def search_page(request: Request, user: CurrentUser) -> Response:
    return templates.TemplateResponse(request, "search.html", {
        "user": user, "q": "", "documents": None, "forbund": {}})


@router.post("/sok", dependencies=[CsrfChecked])
def search_results(request: Request, session: SessionDep, user: CurrentUser,
                   q: Annotated[str, Form(max_length=100)]) -> Response:
    """A POST, so what was searched for stays out of URLs, history and access logs."""
    wanted = SearchIn(q=q.strip() or " ")
    found = search(session, user, wanted.q) if wanted.q.strip() else []
    return templates.TemplateResponse(request, "search.html", {
        "user": user, "q": wanted.q.strip(), "documents": [queue_row(d) for d in found],
        "forbund": {f.id: f.name for f in list_forbund(session)}},
        headers={"Cache-Control": "private, no-store"})


@api.post("/documents/{document_id}/release", dependencies=[CsrfChecked])
def release_document(document_id: RowId, session: SessionDep, user: CurrentUser
                     ) -> dict[str, str]:
    """Free the document for others: its holder, or an admin."""
    document = get_document(session, user, document_id)
    release_claim(document, user)
    return {"message": "Dokumentet är släppt; någon annan kan nu granska det."}
