"""The page jobs of reading uploads, the same whichever engine runs them.

An upload is *listed* once (:func:`list_upload`: how many pages, status
"processing"), then each page is read on its own (:func:`intake.review.reading.read_page`,
in a reading process) and its document written by :func:`store_page`. Writing is
idempotent: a unique index on (upload, page) keeps one document per page however
often the page is read — a page job retried because its worker died writes nothing
the second time. An upload's progress is the number of its pages written; the page
that completes it marks it done. A page that cannot be read fails its upload with
the reason; the pages already written stay, and :func:`retry_upload` reads only the
pages still missing. When the last page is written, a learned template's later page
(fields on page 2, or a page of text) joins the document of its page before
(:func:`join_later_pages`), whatever order the page jobs finished in.

Two engines run these jobs: procrastinate on PostgreSQL (:mod:`.jobqueue`) and, for
the embedded SQLite store, a runner with a pool of reading processes (:mod:`.runner`);
``serve`` runs either in a reading process of its own (:mod:`.background`).
:func:`read_in_turn` reads a whole upload in the calling thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, object_session

from intake.errors import InputError, IntakeError
from intake.mapping.document import Document as ReadDocument
from intake.mapping.pages import follows
from intake.reads import PageReads
from intake.review.clock import now
from intake.review.decide import auto_file_consent, purge_upload_if_done
from intake.review.knowledge import read_with_store
from intake.review.purge import FORMS
from intake.review.schema import Document, Upload
from intake.review.state import ServiceState
from intake.sus.rules import registration_deadline

if TYPE_CHECKING:  # reading is imported by the processes that read, not by the web's
    from intake.review.reading import ReadPage

log = logging.getLogger(__name__)


class NotRetryable(IntakeError):
    """An upload that did not fail, or whose file is gone, cannot be read again."""

    code = "upload_not_retryable"
    http_status = 409

#: What an upload says when a bug (not its file) stopped its reading.
INTERNAL_FAILURE = "Ett internt fel avbröt läsningen. Uppladdningen kan läsas om."
#: Statuses of an upload whose pages are still to be read.
READING = ("queued", "processing")
#: Given the pages each upload still needs read (upload id → pages), in the
#: transaction that listed them (an engine queues their jobs there, all at once: both
#: happen, or neither).
Then = Callable[[Session, dict[int, list[int]]], None]
#: A page read, to be written: its upload's id, its number and what was read.
PageRead = tuple[int, int, "ReadPage"]


def list_upload(state: ServiceState, upload_id: int, *, then: Then | None = None) -> list[int]:
    """Start reading a queued upload: its page count, status "processing"; the pages
    (1-based) still without a document — all of them, or for an upload already being
    read the rest. [] when there is nothing to read (done, failed, duplicate, or a
    file that cannot be read, which fails the upload with the reason). The file's
    pages are counted before the write lock is taken (a stored file never changes)."""
    return list_uploads(state, [upload_id], then=then).get(upload_id, [])


def list_uploads(state: ServiceState, upload_ids: list[int], *,
                 then: Then | None = None) -> dict[int, list[int]]:
    """:func:`list_upload` of the uploads of one batch in one transaction (one job on
    PostgreSQL however many files were uploaded together): the pages each still
    needs read, those with none left out."""
    counted = _count_pages(state, upload_ids)
    with state.store.transaction() as session:
        todo: dict[int, list[int]] = {}
        for upload_id in sorted(counted):
            pages = _list_in(session, state, upload_id, counted[upload_id])
            if pages:
                todo[upload_id] = pages
        if todo and then is not None:
            then(session, todo)
        return todo


def _list_in(session: Session, state: ServiceState, upload_id: int,
             counted: int | InputError | None) -> list[int]:
    upload = session.get(Upload, upload_id, with_for_update=True)
    if upload is None or upload.status not in READING:
        return []
    if upload.pages_total is None:
        if counted is None:  # it was not waiting a moment ago: count it now
            counted = _count_file(state, upload)
        if isinstance(counted, InputError):
            _fail(state, upload, counted.message.replace(upload.sha256, upload.filename),
                  purge=True)
            return []
        upload.pages_total = counted
    upload.status = "processing"
    return _go_on(session, state, upload)


def _count_pages(state: ServiceState,
                 upload_ids: list[int]) -> dict[int, int | InputError | None]:
    """The pages of the waiting uploads' files not yet counted; why one cannot be read
    (None: not waiting to be counted)."""
    with state.store.transaction(read_only=True) as session:
        uncounted = list(session.scalars(select(Upload).where(
            Upload.id.in_(upload_ids), Upload.status.in_(READING),
            Upload.pages_total.is_(None))))
    counted: dict[int, int | InputError | None] = dict.fromkeys(upload_ids)
    for upload in uncounted:  # outside the transaction: no lock held
        counted[upload.id] = _count_file(state, upload)
    return counted


def _count_file(state: ServiceState, upload: Upload) -> int | InputError:
    from intake.load.inputs import count_pages as input_pages

    try:
        return input_pages(state.files.upload_path(upload.sha256),
                           max_pages=state.settings.max_pages_per_file)
    except InputError as exc:
        return exc


def missing_pages(session: Session, upload: Upload) -> list[int]:
    """The pages of ``upload`` with no document written yet."""
    written = set(session.scalars(select(Document.page).where(
        Document.upload_id == upload.id, Document.page.is_not(None))))
    return [n for n in range(1, (upload.pages_total or 0) + 1) if n not in written]


def missing_pages_of(session: Session, upload_ids: list[int]) -> dict[int, list[int]]:
    """:func:`missing_pages` of several uploads, in two queries."""
    if not upload_ids:
        return {}
    totals = {upload_id: total for upload_id, total in session.execute(
        select(Upload.id, Upload.pages_total).where(Upload.id.in_(upload_ids)))}
    written: dict[int, set[int]] = {upload_id: set() for upload_id in totals}
    for upload_id, page in session.execute(select(Document.upload_id, Document.page).where(
            Document.upload_id.in_(upload_ids), Document.page.is_not(None))):
        if page is not None:
            written[upload_id].add(page)
    return {upload_id: [n for n in range(1, (total or 0) + 1) if n not in written[upload_id]]
            for upload_id, total in totals.items()}


def store_page(state: ServiceState, upload_id: int, number: int, read: ReadPage) -> bool:
    """Write page ``number``'s document, once: False when it was written already (by
    an earlier run of the same page job). The page completing the upload marks it
    done. Not durable (:meth:`sus_store.Store.transaction`): a page whose write a power
    cut lost is missing again, and read again."""
    return store_pages(state, [(upload_id, number, read)])[0]


def store_pages(state: ServiceState, reads: list[PageRead]) -> list[bool]:
    """:func:`store_page` of several pages read, in one transaction: whether each was
    written now (False: written already; the others are written all the same). They
    are written in (upload, page) order, whatever order given, so that two workers
    writing pages of the same uploads lock them in the same order."""
    order = sorted(range(len(reads)), key=lambda n: reads[n][:2])
    written = [False] * len(reads)
    with state.store.transaction(durable=False) as session:
        for n in order:
            written[n] = _store_in(session, state, *reads[n])
    return written


def _store_in(session: Session, state: ServiceState, upload_id: int, number: int,
              read: ReadPage) -> bool:
    upload = session.get_one(Upload, upload_id, options=[joinedload(Upload.batch)])
    try:
        with session.begin_nested():
            add_document(session, state, upload, read.document, read.image, page=number,
                         seconds=read.seconds)
    except IntegrityError:
        log.info("upload %d page %d was written already", upload_id, number)
        return False
    # the progress as committed (a page of the same upload written meanwhile by
    # another worker included): only a count reaching the total asks which pages are
    # missing, the page completing the upload being the one that sees it
    done, status = session.execute(
        update(Upload).where(Upload.id == upload_id)
        .values(pages_done=Upload.pages_done + 1)
        .returning(Upload.pages_done, Upload.status)
        .execution_options(synchronize_session=False)).one()
    log.info("upload %d page %d written by this worker", upload_id, number)
    if status == "processing" and done >= (upload.pages_total or 0) \
            and not missing_pages(session, upload):
        _finish(session, state, upload)
    return True


def fail_page(state: ServiceState, upload_id: int, number: int, exc: BaseException) -> None:
    """Page ``number`` could not be read: its upload fails, saying why (a file that
    cannot be read) or that it can be read again (a bug)."""
    with state.store.transaction() as session:
        upload = session.get_one(Upload, upload_id)
        if upload.status not in READING:
            return
        if isinstance(exc, InputError):
            _fail(state, upload, exc.message.replace(upload.sha256, upload.filename),
                  purge=True)
        else:
            log.error("reading page %d of upload %d failed: %s", number, upload_id,
                      type(exc).__name__)
            _fail(state, upload, INTERNAL_FAILURE, purge=False)


def _go_on(session: Session, state: ServiceState, upload: Upload) -> list[int]:
    """The pages ``upload`` still needs read; none: it is done."""
    missing = missing_pages(session, upload)
    if not missing:
        _finish(session, state, upload)
    return missing


def retry_upload(state: ServiceState, upload_id: int, *,
                 then: Then | None = None) -> list[int]:
    """A failed upload read again from its missing pages: those pages (``then`` gets
    them in the same transaction). IntakeError when it did not fail or its file is
    gone."""
    with state.store.transaction() as session:
        return retry_upload_in(session, state, upload_id, then=then)


def retry_upload_in(session: Session, state: ServiceState, upload_id: int, *,
                    then: Then | None = None) -> list[int]:
    """:func:`retry_upload` in the caller's unit of work (a request's, say)."""
    upload = session.get(Upload, upload_id, with_for_update=True)
    if upload is None or upload.status != "failed":
        raise NotRetryable("Bara en uppladdning som misslyckats kan läsas om.")
    if upload.pages_total is None or not state.files.upload_path(upload.sha256).is_file():
        raise NotRetryable("Filen kan inte läsas om; ladda upp den igen.")
    upload.status, upload.message, upload.finished_at = "processing", None, None
    missing = _go_on(session, state, upload)
    if missing and then is not None:
        then(session, {upload.id: missing})
    return missing


def read_in_turn(state: ServiceState, upload_id: int) -> None:
    """Every missing page of an upload read and written here, one after another."""
    from intake.review.reading import read_page

    path = None
    for number in list_upload(state, upload_id):
        if path is None:
            with state.store.transaction() as session:
                path = state.files.upload_path(session.get_one(Upload, upload_id).sha256)
        try:
            read = read_page(path, number, state.reader)
        except Exception as exc:  # a bug must not stop the worker; the upload says why
            if not isinstance(exc, InputError):
                log.exception("reading upload %d failed", upload_id)
            fail_page(state, upload_id, number, exc)
            return
        store_page(state, upload_id, number, read)


def _finish(session: Session, state: ServiceState, upload: Upload) -> None:
    join_later_pages(session, state, upload)
    upload.status, upload.message, upload.finished_at = "done", None, now()
    upload.pages_done = upload.pages_total or 0
    purge_upload_if_done(state, upload)


def _fail(state: ServiceState, upload: Upload, message: str, *, purge: bool) -> None:
    upload.status, upload.message, upload.finished_at = "failed", message, now()
    if purge:  # a file that cannot be read; after a bug it stays, to be read again
        session = object_session(upload)
        if session is not None:  # the pages read wait no longer: joined, or each to review
            join_later_pages(session, state, upload)
        purge_upload_if_done(state, upload)


def add_document(session: Session, state: ServiceState, upload: Upload, read: ReadDocument,
                 image: bytes | None, *, page: int | None = None,
                 seconds: float | None = None) -> None:
    """A document read from ``upload`` (its ``page``, 1-based) into the review queue;
    IntegrityError when that page has one already (call it in a savepoint). A page of
    a learned template of several pages waits ("info", with its reads) until the
    upload is read (:func:`join_later_pages`)."""
    form = read.form
    waits = _of_several_pages(read)
    status = "review" if form in FORMS and not waits else "info"
    row = Document(
        upload_id=upload.id, batch_id=upload.batch_id, forbund_id=upload.batch.forbund_id,
        page=page, pages=read.pages, form=form, status=status, read_seconds=seconds,
        created_at=now(), updated_at=now(),
        template_id=read.template.id if read.template else None,
        template_version=read.template.version if read.template else None,
        template_page=read.template.page if read.template else None,
        reads=[p.model_dump(mode="json") for p in read.parts] if waits else None)
    _set_read(row, read)
    if status == "review":
        read_with_store(session, row, batch=upload.batch, settings=state.settings)
    session.add(row)
    session.flush()  # a page written already stops here (the unique (upload, page))
    if image is not None:
        row.image = f"{row.id}.jpg"
        state.files.put_page(row.image, image)
    if status == "review":
        _file_if_mailed_consent(session, state, upload, row)


def _set_read(row: Document, read: ReadDocument) -> None:
    """What ``read`` says of the form on ``row``: fields, what needs review, why."""
    row.fields = {n: f.model_dump(mode="json") for n, f in read.fields.items()}
    row.needs_review = read.needs_review
    row.issues = [i.model_dump(mode="json") for i in read.issues]
    row.problems, row.deadline = read.problems, _deadline(read)


def _file_if_mailed_consent(session: Session, state: ServiceState, upload: Upload,
                            row: Document) -> None:
    if row.form == "9443" and upload.batch.forbund_id is None and not row.needs_review:
        file_mailed_consent(session, state, row, actor=upload.batch.uploaded_by)


def _of_several_pages(read: ReadDocument) -> bool:
    """A page read as a page of a learned template of several pages."""
    return read.template is not None and (bool(read.parts) or read.template.page > 1)


def join_later_pages(session: Session, state: ServiceState, upload: Upload) -> None:
    """Once every page of ``upload`` is written (whatever order the page jobs finished
    in), the pages of learned templates of several pages, waiting until now: a page
    right after the template's page before it, on the upload's page before, joins that
    page's document (its number added to that document's ``pages``; the page itself
    stays, with no form of its own). A document of several pages is read again from
    its pages' reads together (``extract``'s rules: a later page's fields are read,
    the whole validated again), then goes to review, as does a page with no page
    before it (its form's document, the fields of its missing pages flagged). Running
    it again changes nothing: no page waits any more."""
    waiting = session.scalars(select(Document).where(
        Document.upload_id == upload.id, Document.status == "info",
        Document.outcome.is_(None), Document.template_id.is_not(None),
        Document.page.is_not(None)).order_by(Document.page))
    forms: dict[int, list[Document]] = {}  # the id of a form's first page → its pages
    holder: dict[int, Document] = {}  # upload page → the first page of its form
    for row in waiting:
        assert row.page is not None
        first = holder.get(row.page - 1)
        if first is None or not _follows(forms[first.id][-1], row):
            first = row
        forms.setdefault(first.id, []).append(row)
        holder[row.page] = first
    for pages in forms.values():
        _one_document(session, state, upload, pages)


def _follows(before: Document, row: Document) -> bool:
    """``row`` was read as the page of ``before``'s template right after ``before``'s."""
    if before.reads and row.reads:
        return follows(PageReads.model_validate(before.reads[-1]),
                       PageReads.model_validate(row.reads[0]))
    return (before.template_id == row.template_id and before.template_page is not None
            and row.template_page == before.template_page + 1)


def _one_document(session: Session, state: ServiceState, upload: Upload,
                  pages: list[Document]) -> None:
    """``pages`` (rows, in order) as one document to review: the first's."""
    first, later = pages[0], pages[1:]
    if later and all(row.reads for row in pages):
        parts = [PageReads.model_validate(p) for row in pages for p in row.reads or []]
        _set_read(first, state.reader.of_parts(upload.filename, [r.page or 0 for r in pages],
                                               parts))
    first.pages = sorted({*first.pages, *(row.page or 0 for row in later)})
    for row in later:
        row.outcome = f"Sida {row.template_page} av blanketten på sida {first.page}."
        row.fields, row.needs_review, row.issues, row.problems = None, [], [], {}
        row.reads = None
    first.reads = None
    if first.form in FORMS:
        first.status = "review"
        read_with_store(session, first, batch=upload.batch, settings=state.settings)
        _file_if_mailed_consent(session, state, upload, first)


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
