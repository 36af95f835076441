"""Upload → stored files → background reading → documents in the review queue.

A file arrives staged on disk (streamed by ``intake.review.multipart``) and is kept
under its SHA-256 together with its row, never one without the other. The same
bytes uploaded again for the same förbund (or again by Diariet) are recorded as a
*duplicate* of the first upload and not read twice; a unique index holds that under
concurrency, and another förbund's upload of the same file is its own. Reading runs
in a background worker (:class:`Worker`, or ``sus-intake worker`` as its own process);
each upload reports its progress page by page, and a file that cannot be read is
marked *failed* with the reason while the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.errors import InputError, IntakeError
from intake.load.inputs import count_pages as input_pages
from intake.mapping.document import Document as ReadDocument
from intake.review.clock import now
from intake.review.decide import auto_file_consent, purge_upload_if_done
from intake.review.knowledge import read_with_store
from intake.review.reading import read_upload
from intake.review.schema import FILENAME_LENGTH, Batch, Document, Upload
from intake.review.state import ServiceState
from intake.settings import Settings
from intake.sus.rules import registration_deadline

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


class BatchView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    forbund_id: int | None
    uploaded_by: str
    created_at: datetime
    uploads: list[UploadView]


def receive_upload(state: ServiceState, files: list[FileIn], *, username: str,
                   forbund_id: int | None) -> BatchView:
    """Store the staged files of one upload as a batch, in one transaction: a file is
    kept under ``uploads/`` only with its row, and a failure leaves neither (nor any
    staged file)."""
    kept: list[str] = []
    try:
        with state.store.transaction() as session:
            return receive_batch(session, state, files, username=username,
                                 forbund_id=forbund_id, kept=kept)
    except BaseException:
        _discard_unreferenced(state, kept)
        raise
    finally:
        for item in files:
            item.path.unlink(missing_ok=True)


def receive_batch(session: Session, state: ServiceState, files: list[FileIn], *,
                  username: str, forbund_id: int | None,
                  kept: list[str] | None = None) -> BatchView:
    """Record the files of one upload as a batch; each new file is queued for reading,
    the same bytes already read for this förbund (or for Diariet) are a duplicate.
    The SHA-256 of every file moved into ``uploads/`` is added to ``kept``."""
    batch = Batch(forbund_id=forbund_id, uploaded_by=username, created_at=now())
    session.add(batch)
    session.flush()
    for item in files:
        if _add_upload(session, batch, item).status == "queued":
            state.files.keep_upload(item.path, item.sha256)
            if kept is not None:
                kept.append(item.sha256)
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
        row = Upload(status="duplicate", duplicate_of=first,
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
    """Read the oldest queued upload, if any; True when one was read."""
    upload_id = _claim_upload(state)
    if upload_id is None:
        return False
    try:
        _read_upload(state, upload_id)
    except InputError as exc:
        _finish(state, upload_id, "failed", _named(state, upload_id, exc.message))
    except Exception:  # a bug must not stop the worker; the upload says what happened
        log.exception("reading upload %d failed", upload_id)
        _finish(state, upload_id, "failed", "Ett internt fel avbröt läsningen.")
    else:
        _finish(state, upload_id, "done", None)
    return True


def _named(state: ServiceState, upload_id: int, message: str) -> str:
    """The reader names files by their stored name (the SHA-256); people by theirs."""
    with state.store.transaction() as session:
        upload = session.get_one(Upload, upload_id)
        return message.replace(upload.sha256, upload.filename)


def _claim_upload(state: ServiceState) -> int | None:
    with state.store.transaction() as session:
        upload_id = session.scalar(select(Upload.id).where(Upload.status == "queued")
                                   .order_by(Upload.id).limit(1))
        if upload_id is None:
            return None
        claimed = session.execute(update(Upload).where(
            Upload.id == upload_id, Upload.status == "queued").values(status="processing"))
        return upload_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def _read_upload(state: ServiceState, upload_id: int) -> None:
    with state.store.transaction() as session:
        upload = session.get_one(Upload, upload_id)
        path = state.files.upload_path(upload.sha256)
        upload.pages_total = count_pages(path, state.settings)
    for read in read_upload(path, state.reader):
        with state.store.transaction() as session:
            upload = session.get_one(Upload, upload_id)
            _add_document(session, state, upload, read.document, read.image)
            upload.pages_done += len(read.document.pages)


def count_pages(path: Path, settings: Settings) -> int | None:
    """How many pages a stored upload has, for progress; None when it cannot tell
    (reading it then says why)."""
    try:
        return input_pages(path, max_pages=settings.max_pages_per_file)
    except InputError:
        return None


def _add_document(session: Session, state: ServiceState, upload: Upload,
                  read: ReadDocument, image: bytes | None) -> None:
    form = read.form
    status = "review" if form in ("9443", "9448", "9449") else "info"
    row = Document(
        upload_id=upload.id, batch_id=upload.batch_id, forbund_id=upload.batch.forbund_id,
        pages=read.pages, form=form, status=status,
        fields={n: f.model_dump(mode="json") for n, f in read.fields.items()},
        needs_review=read.needs_review,
        issues=[i.model_dump(mode="json") for i in read.issues], problems=read.problems,
        deadline=_deadline(read), created_at=now(), updated_at=now())
    if status == "review":
        read_with_store(session, row, batch=upload.batch, settings=state.settings)
    session.add(row)
    session.flush()
    if image is not None:
        row.image = f"{row.id}.jpg"
        state.files.put_page(row.image, image)
    if form == "9443" and upload.batch.forbund_id is None and not row.needs_review:
        file_mailed_consent(session, state, row, actor=upload.batch.uploaded_by)


def file_mailed_consent(session: Session, state: ServiceState, document: Document, *,
                        actor: str) -> None:
    """Diariet's consent read cleanly: archive it and link it when exactly one pending or
    open participation of that person needs it; otherwise it stays for a person."""
    try:
        with session.begin_nested():
            auto_file_consent(session, state, document, actor=actor)
    except IntakeError as exc:
        log.info("consent document %d left for a person: %s", document.id, exc.code)


def _deadline(read: ReadDocument) -> date | None:
    start = read.fields.get("startdatum")
    if read.form != "9448" or start is None or not isinstance(start.value, str):
        return None
    try:
        return registration_deadline(date.fromisoformat(start.value))
    except ValueError:
        return None


def _finish(state: ServiceState, upload_id: int, status: str, message: str | None) -> None:
    with state.store.transaction() as session:
        upload = session.get_one(Upload, upload_id)
        upload.status, upload.message = status, message
        if upload.pages_total is None or status == "done":
            upload.pages_total = upload.pages_done
        purge_upload_if_done(state, upload)


class Worker:
    """A background thread reading queued uploads until stopped."""

    def __init__(self, state: ServiceState, *, poll_seconds: float = 0.5) -> None:
        self._state = state
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="intake-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not process_next(self._state):
                self._stop.wait(self._poll)
