"""Forgetting a person in the review queue (SPEC §3 rules 8 and 10).

When a registration is a felregistrering, is made anonymous (no consent, a refused
one) or the person has skyddade personuppgifter, what was read from their forms
goes: the fields, the rule messages, the page images, and the uploaded file that
holds their pages. The document rows stay, empty, so the batch still accounts for
every page and the queue shows what was decided and why.

An uploaded file may hold several people's forms (a batch PDF). Once it has been
read, every document keeps its own page image and nothing needs the file any more,
so it is removed as soon as one person in it is forgotten — rather than redacting
pages of a PDF or TIFF, which would be a second, fragile copy of the reader. While it
is still being read, it is removed when the reading ends
(:func:`intake.review.decide.purge_upload_if_done`). The file name a förbund gave
it may name the person, and a page that is no form (a cover letter) may too: once
every form in the file is forgotten, the name is replaced and those pages' images go.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.review.clock import now
from intake.review.queue import OPEN_STATUSES
from intake.review.schema import DECIDED_WITH, Document, Upload, later_pages
from intake.review.state import ServiceState
from sus_store import wipe_after_commit

#: Statuses of documents whose person was forgotten.
FORGOTTEN_STATUSES = ("rejected", "anonymised")
#: What stands for an uploaded file's name once every form in it is forgotten.
FORGOTTEN_FILENAME = "(borttagen)"
FORMS = ("9443", "9448", "9449")


def forgotten(document: Document) -> bool:
    return document.status in FORGOTTEN_STATUSES and document.fields is None


def any_forgotten(session: Session, upload_id: int) -> bool:
    """Whether a document of the upload is :func:`forgotten`: asked of those decided so
    alone, not of every document of the upload loaded whole (a reviewer's every
    decision asks it, and an upload may be a batch of 200 pages)."""
    return any(fields is None for fields in session.scalars(
        select(Document.fields).where(Document.upload_id == upload_id,
                                      Document.status.in_(FORGOTTEN_STATUSES))))


def personnummer_of(document: Document) -> str | None:
    value = (document.fields or {}).get("personnummer", {}).get("value")
    return value if isinstance(value, str) and value else None


def forget_documents(session: Session, state: ServiceState, documents: Iterable[Document], *,
                     status: str | None = None, outcome: str | None = None,
                     decided_with: Document | None = None) -> None:
    """Remove what was read from ``documents`` and their page images; give each the
    ``status`` and ``outcome``, decided now with ``decided_with`` (the caller sets them
    for the document it decides)."""
    uploads: dict[int, Upload] = {}
    ids: set[int] = set()
    for document in documents:
        for page in [document, *later_pages(session, document)]:  # its pages' images too
            ids.add(page.id)
            state.files.remove_page(page.image)
            page.image, page.fields, page.problems, page.reads = None, None, {}, None
            page.issues, page.needs_review = [], []
        document.claimed_by, document.claimed_at = None, None
        if status is not None:
            document.status, document.outcome = status, outcome
            document.decided_at = now()
            document.decided_by = (None if decided_with is None
                                   else f"{DECIDED_WITH}{decided_with.id}")
        uploads[document.upload_id] = session.get_one(Upload, document.upload_id)
    session.flush()
    for upload in uploads.values():
        forget_upload(session, state, upload, forgetting=ids)
    wipe_after_commit(session)


def forget_upload(session: Session, state: ServiceState, upload: Upload, *,
                  forgetting: set[int]) -> None:
    """The uploaded file goes once read; its name once every form in it is forgotten
    (before, or now: ``forgetting``, whose status the caller may set later)."""
    if upload.status in ("done", "failed"):
        state.files.remove_upload(upload.sha256)
    forms = [d for d in upload.documents if d.form in FORMS and d.status != "info"]
    if forms and all(d.id in forgetting or forgotten(d) for d in forms):
        for other in upload.documents:  # pages that are no form (a cover letter, say)
            state.files.remove_page(other.image)
            other.image = None
        for same in session.scalars(select(Upload).where(Upload.sha256 == upload.sha256)):
            same.filename = FORGOTTEN_FILENAME


def open_consents_of(session: Session, document: Document,
                     personnummer: str) -> list[Document]:
    """The person's 9443s still open in ``document``'s batch (signed or not)."""
    return [other for other in session.scalars(select(Document).where(
        Document.batch_id == document.batch_id, Document.form == "9443",
        Document.status.in_(OPEN_STATUSES), Document.id != document.id))
        if personnummer_of(other) == personnummer]


def registrations_of(session: Session, document: Document,
                     personnummer: str) -> list[Document]:
    """The person's 9448s still open in ``document``'s batch."""
    return [other for other in session.scalars(select(Document).where(
        Document.batch_id == document.batch_id, Document.form == "9448",
        Document.status.in_(OPEN_STATUSES), Document.id != document.id))
        if personnummer_of(other) == personnummer]


def documents_of(session: Session, *, participation_ids: list[int],
                 consent_ids: list[int]) -> list[Document]:
    """The forms that made (or closed) these participations and filed these consents."""
    found = list(session.scalars(select(Document).where(
        Document.form.in_(("9448", "9449")), Document.store_ref.in_(participation_ids))))
    found += session.scalars(select(Document).where(
        Document.form == "9443", Document.store_ref.in_(consent_ids)))
    return found
