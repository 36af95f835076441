"""Upload → stored files → background reading → documents in the review queue.

A file arrives staged on disk (streamed by ``intake.review.multipart``) and is kept
under its SHA-256 together with its row, never one without the other. The same
bytes uploaded again for the same förbund (or again by Diariet) are recorded as a
*duplicate* of the first upload and not read twice; a unique index holds that under
concurrency, and another förbund's upload of the same file is its own. Reading runs
in the service's reading process (:mod:`.background`, or ``sus-intake worker``);
each upload reports its progress page by page, and a file that cannot be read is
marked *failed* with the reason while the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.review.clock import now
from intake.review.jobqueue import enqueue_uploads
from intake.review.jobs import READING, read_in_turn
from intake.review.queue import Viewer
from intake.review.schema import FILENAME_LENGTH, Batch, Upload
from intake.review.state import ServiceState
from sus_store import PermissionDenied
from sus_store.vocab import Role

log = logging.getLogger(__name__)


def clean_filename(name: object) -> object:
    """A file name as people see it: the last part of a path, without control
    characters (NUL, line breaks), NFC, at most ``FILENAME_LENGTH`` characters with
    its extension kept; "fil" when nothing is left."""
    if not isinstance(name, str):
        return name
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C")
    base = " ".join(base.split()) or "fil"
    if len(base) <= FILENAME_LENGTH:
        return base
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        return base[:FILENAME_LENGTH]
    return f"{stem[:FILENAME_LENGTH - len(suffix) - 2]}….{suffix}"


class FileIn(BaseModel):
    """A received file, staged on disk: its name (cleaned and bounded here), its size
    and the SHA-256 of its bytes."""

    filename: Annotated[str, BeforeValidator(clean_filename),
                        Field(min_length=1, max_length=FILENAME_LENGTH)]
    path: Path
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class UploadView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    status: str
    duplicate_of: int | None
    pages_total: int | None
    pages_done: int
    message: str | None
    #: when the upload was accepted (stored, queued to be read)
    created_at: datetime
    #: when its reading ended (last page written, or failed); None while it is read
    finished_at: datetime | None


class BatchView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    forbund_id: int | None
    uploaded_by: str
    created_at: datetime
    uploads: list[UploadView]


def upload_forbund(user: Viewer, forbund_id: int | None) -> int | None:
    """The förbund ``user``'s upload is for (None: Diariet's), asked for ``forbund_id``:
    an uppladdare's own förbund, Diariet's for Diariet, any for an admin."""
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


def receive_upload(state: ServiceState, files: list[FileIn], *, username: str,
                   forbund_id: int | None) -> BatchView:
    """Store the staged files of one upload as a batch, in one transaction: a file is
    kept under ``uploads/`` only with its row, and a failure leaves neither (nor any
    staged file)."""
    kept: list[str] = []
    try:
        with state.store.transaction() as session:
            batch = receive_batch(session, state, files, username=username,
                                  forbund_id=forbund_id, kept=kept)
        state.uploaded.set()  # committed: a reader in this process starts now
        return batch
    except BaseException:
        _discard_unreferenced(state, kept)
        raise
    finally:
        for item in files:
            item.path.unlink(missing_ok=True)


def receive_batch(session: Session, state: ServiceState, files: list[FileIn], *,
                  username: str, forbund_id: int | None,
                  kept: list[str] | None = None) -> BatchView:
    """Record the files of one upload as a batch; the new files are queued for reading,
    the same bytes already read for this förbund (or for Diariet) are a duplicate.
    The SHA-256 of every file moved into ``uploads/`` is added to ``kept``."""
    batch = Batch(forbund_id=forbund_id, uploaded_by=username, created_at=now())
    session.add(batch)
    session.flush()
    queued = []
    for item in files:
        row = _add_upload(session, batch, item)
        if row.status == "queued":
            state.files.keep_upload(item.path, item.sha256)
            session.flush()
            queued.append(row.id)
            if kept is not None:
                kept.append(item.sha256)
    enqueue_uploads(session, queued)  # one job lists them all
    session.flush()
    session.refresh(batch)
    return BatchView.model_validate(batch)


def _add_upload(session: Session, batch: Batch, item: FileIn) -> Upload:
    """The file's row: queued when the unique index takes it, else a duplicate of the
    upload in this scope that holds its place (under concurrency too)."""
    scope = batch.forbund_id or 0
    fields = {"batch_id": batch.id, "scope": scope, "filename": item.filename,
              "sha256": item.sha256, "size": item.size, "created_at": now()}
    try:
        with session.begin_nested():
            row = Upload(status="queued", **fields)
            session.add(row)
    except IntegrityError:
        first = session.scalar(select(Upload.id).where(
            Upload.sha256 == item.sha256, Upload.scope == scope, Upload.status != "duplicate"))
        if first is None:  # not the index of uploads read once: a real fault
            raise
        row = Upload(status="duplicate", duplicate_of=first, finished_at=fields["created_at"],
                     message=f"Samma fil som uppladdning {first}; läses inte igen.", **fields)
        session.add(row)
    return row


def _discard_unreferenced(state: ServiceState, shas: list[str]) -> None:
    """Files moved into ``uploads/`` by a unit of work that failed, unless another
    upload's row refers to the same bytes."""
    if not shas:
        return
    with state.store.transaction() as session:
        used = set(session.scalars(select(Upload.sha256).where(Upload.sha256.in_(shas))))
    for sha in set(shas) - used:
        state.files.remove_upload(sha)


def process_next(state: ServiceState) -> bool:
    """Read the oldest upload waiting to be read, if any, here page after page; True
    when one was read. (The engines read page jobs in parallel: :mod:`.runner`,
    :mod:`.jobqueue`.)"""
    with state.store.transaction() as session:
        upload_id = session.scalar(select(Upload.id).where(Upload.status.in_(READING))
                                   .order_by(Upload.id).limit(1))
    if upload_id is None:
        return False
    read_in_turn(state, upload_id)
    return True
