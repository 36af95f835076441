"""What an uploader does on a batch page beyond looking: read a failed file again."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, StateDep
from intake.review.engine import retry_upload_in
from intake.review.queue import visible_batches
from intake.review.schema import Batch, Upload
from sus_store import NotFound, PermissionDenied
from sus_store.rows import MAX_ROW_ID
from sus_store.vocab import Role

router = APIRouter(include_in_schema=False)


@router.post("/batch/{batch_id}/uppladdning/{upload_id}/las-om", dependencies=[CsrfChecked])
def retry_from_page(batch_id: int, upload_id: int, session: SessionDep,
                          state: StateDep, user: CurrentUser) -> Response:
    """A failed upload of a batch this user sees (and may upload to) read again from the
    pages it is missing; back to the batch page, which follows the reading."""
    if not (user.is_admin or user.roles & {Role.UPPLADDARE, Role.DIARIET}):
        raise PermissionDenied("Du har ingen behörighet att läsa om filer.")
    found = None
    if 0 < batch_id <= MAX_ROW_ID and 0 < upload_id <= MAX_ROW_ID:
        found = session.scalar(select(Upload.id).join(Batch).where(
            Upload.id == upload_id, Batch.id == batch_id, visible_batches(user)))
    if found is None:
        raise NotFound(f"Uppladdning {upload_id} finns inte i batch {batch_id}.")
    retry_upload_in(session, state, upload_id)
    return RedirectResponse(f"/batch/{batch_id}", status_code=303)
