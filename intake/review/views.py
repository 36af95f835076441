"""What the pages and the JSON API show of a document: its fields with their
snippets' boxes, values, confidences and rule messages — flagged fields first."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from intake.forms import form_layout, load_form
from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageLayout
from intake.forms.store import TemplateError, TemplateStore
from intake.review.ingest import UploadView
from intake.review.names import NAME_FIELD
from intake.review.queue import QueueFilter, Viewer, in_queue
from intake.review.schema import (
    DECIDED_ON_READING,
    DECIDED_WITH,
    Batch,
    Document,
    Upload,
    later_pages,
)
from intake.sus.codes import VOCABULARIES, Avslutningsanledning
from intake.sus.personnummer import mask_personnummer
from intake.sus.records import FIELD_TYPES
from sus_store import audit_read


class Box(BaseModel):
    """A widget rectangle as a share of the page (0–1), for drawing on any size."""

    x: float
    y: float
    w: float
    h: float
    #: which of the document's pages (1-based, in ``pages`` order) it is on: its image
    #: is ``/sida/{id}.jpg?sida={page}``
    page: int = 1


class FieldView(BaseModel):
    name: str
    label: str
    type: str
    value: Any
    confidence: float
    flagged: bool
    corrected: bool
    messages: list[str]
    options: list[tuple[str, str]]
    boxes: list[Box]
    #: what the store or the batch had to say: where the value came from, what was read
    known_from: str | None = None
    read_as: Any = None
    #: names to pick with one key (a förbund or insats SUS does not have), best first
    suggestions: list[str] = []


class DocumentView(BaseModel):
    id: int
    batch_id: int
    forbund_id: int | None = None
    form: str
    status: str
    pages: list[int]
    deadline: date | None
    claimed_by: str | None
    outcome: str | None
    has_image: bool
    fields: list[FieldView]
    #: the document's pages with an image (1-based, in ``pages`` order): 1 alone, or
    #: also the later pages of a form of several pages
    images: list[int] = []
    issues: list[dict[str, Any]]
    updated_at: datetime
    decided_by: str | None = None
    #: who decided, as the decided view says it: "av NAME", or how no person did
    decided_by_text: str | None = None
    #: the document this one was decided with (a felregistrering's other forms, say)
    decided_with: int | None = None
    decided_at: datetime | None = None
    #: what the queue shows to tell documents apart (the personnummer masked)
    person: str | None = None
    masked_personnummer: str | None = None
    filename: str | None = None
    page: int | None = None


class QueueRow(BaseModel):
    """One row of the queue and of the search results: what tells documents apart,
    without the fields themselves (a queue page lists 200; building each one's fields
    was most of the page's time)."""

    id: int
    batch_id: int
    forbund_id: int | None = None
    form: str
    status: str
    deadline: date | None
    claimed_by: str | None
    flagged: int
    person: str | None = None
    masked_personnummer: str | None = None
    filename: str | None = None
    page: int | None = None


class UploadOrigin(BaseModel):
    """The upload a duplicate repeats: where a person finds it."""

    batch_id: int
    filename: str
    created_at: datetime


class BatchDetail(BaseModel):
    id: int
    forbund_id: int | None
    uploaded_by: str
    created_at: datetime
    uploads: list[UploadView]
    documents: list[dict[str, Any]]
    done: bool
    #: for each duplicate upload (by its id), the upload it repeats
    originals: dict[int, UploadOrigin] = {}


#: One page's boxes: which of the document's pages it is (1-based), its layout, and the
#: width and height of its page (mm).
PageOf = tuple[int, PageLayout, float, float]


class PageBoxes:
    """Where a document's widgets are on its pages: the boxes of the template it was
    read with (``Document.template_id``), each page's, else of the built-in layout of
    its form. A template is loaded once per lookup (one page's view, or a list's)."""

    def __init__(self, store: TemplateStore | None = None) -> None:
        self.store = store
        self._loaded: dict[str, list[tuple[int, PageLayout, float, float]] | None] = {}

    def layout(self, document: Document) -> list[PageOf]:
        """Each of the document's pages that has boxes: the template's page read on
        the document's first page (``template_page``) is that page, and so on."""
        learned = self._learned(document.template_id) if document.template_id else None
        if learned is None:
            return [(1, form_layout(document.form), PAGE_WIDTH_MM, PAGE_HEIGHT_MM)]
        first = document.template_page or 1
        return [(number - first + 1, layout, width, height)
                for number, layout, width, height in learned
                if 1 <= number - first + 1 <= max(len(document.pages), 1)]

    def _learned(self, template_id: str) -> list[tuple[int, PageLayout, float, float]] | None:
        if self.store is None:
            return None
        if template_id not in self._loaded:
            self._loaded[template_id] = None
            try:
                template = self.store.get(template_id).template
                if template.ready():
                    self._loaded[template_id] = [
                        (page.number, template.page_layout(page.number), page.page_width_mm,
                         page.page_height_mm) for page in template.pages]
            except TemplateError:  # gone since (or never here): the built-in boxes
                pass
        return self._loaded[template_id]


def document_view(document: Document, boxes: PageBoxes | None = None,
                  images: list[int] | None = None) -> DocumentView:
    """``boxes``: where the snippets are (the built-in layout when not given);
    ``images``: which of its pages have an image (its first alone when not given)."""
    page = (boxes or PageBoxes()).layout(document) if _field_names(document) else []
    issues = _issues_by_field(document.issues)
    fields = [_field_view(document, name, page, issues.get(name, []))
              for name in _field_names(document)]
    fields.sort(key=lambda f: not f.flagged)  # stable: flagged first, else form order
    return DocumentView(
        id=document.id, batch_id=document.batch_id, forbund_id=document.forbund_id,
        form=document.form,
        status=document.status, pages=document.pages, deadline=document.deadline,
        claimed_by=document.claimed_by, outcome=document.outcome,
        has_image=document.image is not None, fields=fields, issues=document.issues,
        images=images if images is not None else [1] if document.image is not None else [],
        updated_at=document.updated_at, decided_by=document.decided_by,
        decided_by_text=decided_by_text(document), decided_with=_decided_with(document),
        decided_at=document.decided_at, person=_text(document, NAME_FIELD.get(document.form)),
        masked_personnummer=masked(_text(document, "personnummer")),
        filename=document.upload.filename if document.upload else None,
        page=document.page)


#: What a queue row is made of: these columns of the document, and its upload's file name.
_QUEUE_COLUMNS = ("id", "batch_id", "forbund_id", "form", "status", "deadline", "claimed_by",
                  "needs_review", "fields", "page")


def queue_row(document: Document) -> QueueRow:
    return _queue_row({c: getattr(document, c) for c in _QUEUE_COLUMNS},
                      document.upload.filename if document.upload else None)


def queue_rows(session: Session, viewer: Viewer, filters: QueueFilter, *,
               limit: int) -> list[QueueRow]:
    """The first ``limit`` documents of the queue ``viewer`` sees with ``filters``, as its
    rows: only the columns shown, as plain rows with the upload's file name joined — no
    document built whole (that was half of the queue page's processor time at 200)."""
    query = in_queue(select(*(getattr(Document, c) for c in _QUEUE_COLUMNS), Upload.filename)
                     .join_from(Document, Upload, Document.upload_id == Upload.id),
                     viewer, filters)
    return [_queue_row(row._mapping, row.filename)
            for row in session.execute(query.limit(limit))]


def _queue_row(document: Mapping[Any, Any], filename: str | None) -> QueueRow:
    fields = document["fields"]
    return QueueRow(
        id=document["id"], batch_id=document["batch_id"], forbund_id=document["forbund_id"],
        form=document["form"], status=document["status"], deadline=document["deadline"],
        claimed_by=document["claimed_by"],
        flagged=sum(name in document["needs_review"]
                    for name in _names_read(document["form"], fields)),
        person=_text_in(fields, NAME_FIELD.get(document["form"])),
        masked_personnummer=masked(_text_in(fields, "personnummer")),
        filename=filename, page=document["page"])


#: Statuses someone or something decided (a page with no form, "info", never was up).
DECIDED_STATUSES = ("approved", "returned", "rejected", "anonymised")


def decided_by_text(document: Document) -> str | None:
    """Who decided ``document``, as a sentence goes on after its status: "av NAME", or,
    where no person did, "automatiskt …" (never a blank for a decided document)."""
    by = document.decided_by
    if by == DECIDED_ON_READING:
        return "automatiskt när blanketten lästes"
    if (other := _decided_with(document)) is not None:
        return f"automatiskt med dokument {other}"
    if by:
        return f"av {by}"
    return "automatiskt" if document.status in DECIDED_STATUSES else None


def _decided_with(document: Document) -> int | None:
    by = document.decided_by or ""
    rest = by.removeprefix(DECIDED_WITH)
    return int(rest) if rest != by and rest.isdigit() else None


def _text(document: Document, name: str | None) -> str | None:
    return _text_in(document.fields, name)


def _text_in(fields: dict[str, dict[str, object]] | None, name: str | None) -> str | None:
    value = (fields or {}).get(name or "", {}).get("value")
    return value.strip() or None if isinstance(value, str) else None


def masked(personnummer: str | None) -> str | None:
    """:func:`mask_personnummer` of a read personnummer; None when nothing was read."""
    return mask_personnummer(personnummer) if personnummer else None


def shown(session: Session, actor: str, document: Document, *,
          what: str = "document", boxes: PageBoxes | None = None) -> DocumentView:
    """The document as ``actor`` is shown it; when that shows what was read from the
    form (personnummer, name), the read is audited by id — never by content."""
    if document.fields is not None:
        audit_read(session, actor=actor, entity=what, entity_id=document.id)
    return document_view(document, boxes, images=page_images(session, document))


def page_images(session: Session, document: Document) -> list[int]:
    """Which of ``document``'s pages (1-based, in ``pages`` order) have an image."""
    first = [1] if document.image is not None else []
    later = {row.page: row.image for row in later_pages(session, document)}
    return first + [index for index, number in enumerate(document.pages, start=1)
                    if index > 1 and later.get(number) is not None]


def page_image_of(session: Session, document: Document, sida: int) -> str | None:
    """The image file of ``document``'s page ``sida`` (1-based, in ``pages`` order)."""
    if sida == 1:
        return document.image
    if not 1 < sida <= len(document.pages):
        return None
    number = document.pages[sida - 1]
    return next((row.image for row in later_pages(session, document) if row.page == number),
                None)


def shown_list(session: Session, actor: str, documents: list[Document], *,
               boxes: PageBoxes | None = None) -> list[DocumentView]:
    """Documents as ``actor`` is shown them in a list; audited as one event naming the
    ids of those that hold personal data."""
    ids = [d.id for d in documents if d.fields is not None]
    if ids:
        audit_read(session, actor=actor, entity="document", ids=ids)
    boxes = boxes or PageBoxes()
    return [document_view(d, boxes) for d in documents]


def _field_names(document: Document) -> list[str]:
    return _names_read(document.form, document.fields)


def _names_read(form: str, fields: dict[str, dict[str, object]] | None) -> list[str]:
    """The fields of ``form`` when it was read (none for a page with no form)."""
    if form not in ("9443", "9448", "9449") or fields is None:
        return []
    return [field.name for field in load_form(form).fields]


def _field_view(document: Document, name: str, page: list[PageOf],
                issues: list[dict[str, Any]]) -> FieldView:
    field = load_form(document.form).field(name)
    stored = (document.fields or {}).get(name, {})
    messages = _messages(document, name, issues)
    return FieldView(
        name=name, label=field.label, type=FIELD_TYPES[name], value=stored.get("value"),
        confidence=float(stored.get("confidence", 0.0)),  # type: ignore[arg-type]
        flagged=name in document.needs_review, corrected="corrected_by" in stored,
        messages=messages, options=_options(field.vocabulary, FIELD_TYPES[name]),
        boxes=[box for one in page for box in _page_boxes(document.form, one, name)],
        known_from=_KNOWN_FROM.get(str(stored.get("source"))),
        read_as=stored.get("read_as"), suggestions=_suggestions(stored))


def _suggestions(stored: dict[str, object]) -> list[str]:
    offered = stored.get("candidates")
    return [str(n) for n in offered] if isinstance(offered, list) else []


#: Where :mod:`intake.review.knowledge` took a value from, as the reviewer reads it.
_KNOWN_FROM = {"sus": "mot SUS", "batch": "mot blanketten i samma batch",
               "uppladdare": "uppladdarens förbund"}


def _issues_by_field(issues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A document's issues under each field they name, in order (gone through once,
    not once per field: a queue page shows 200 documents)."""
    by_field: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        for name in dict.fromkeys(_issue_fields(issue)):
            by_field.setdefault(name, []).append(issue)
    return by_field


def _messages(document: Document, name: str, issues: list[dict[str, Any]]) -> list[str]:
    """What the reviewer reads under field ``name``, each thing said once: the rules'
    messages, then what the reader had to say. When the reader explains why the field
    is empty ("Datumet finns inte"), the rule's "saknas" would contradict it and is left
    out; a message repeating another (with or without its full stop) is shown once."""
    problem = document.problems.get(name)
    said = [str(i["message"]) for i in issues
            if not (problem and str(i.get("code", "")).endswith("_missing"))]
    messages: dict[str, str] = {}  # each message once, by its words
    for message in [*said, *([problem] if problem else [])]:
        messages.setdefault(message.rstrip(". ").casefold(), message)
    return list(messages.values())


def _issue_fields(issue: dict[str, Any]) -> list[str]:
    fields = issue.get("fields")
    return [str(f) for f in fields] if isinstance(fields, list | tuple) else []


def _options(vocabulary: str | None, kind: str) -> list[tuple[str, str]]:
    if kind == "yesno":
        return [("true", "Ja"), ("false", "Nej")]
    if kind == "code":
        return [(str(int(c)), f"{int(c)} {c.label}") for c in Avslutningsanledning]
    if vocabulary is None:
        return []
    return [(str(o.value), o.label) for o in VOCABULARIES[vocabulary]]


def _page_boxes(form: str, page: PageOf, name: str) -> list[Box]:
    """Where field ``name`` is drawn on ``page``: for the built-in layout of ``form``
    worked out once, not for every row of every queue page (it was half the cost of
    showing a document); for a learned template's, each time (rare, and a template
    may be changed while it is not in use)."""
    number, layout, width, height = page
    if layout is form_layout(form):
        return list(_builtin_boxes(form, name))
    return [box.model_copy(update={"page": number})
            for box in _boxes(layout, width, height, name)]


@cache
def _builtin_boxes(form: str, name: str) -> tuple[Box, ...]:
    return _boxes(form_layout(form), PAGE_WIDTH_MM, PAGE_HEIGHT_MM, name)


def _boxes(layout: PageLayout, width: float, height: float, name: str) -> tuple[Box, ...]:
    return tuple(Box(x=w.rect.x / width, y=w.rect.y / height, w=w.rect.w / width,
                     h=w.rect.h / height)
                 for w in layout.widgets if w.field == name or (name in ("ort", "datum")
                                                              and w.name == "ort_och_datum"))


#: What a batch's page and API show of each of its documents.
_BATCH_COLUMNS = ("id", "upload_id", "form", "status", "pages", "outcome")


def batch_detail(batch: Batch) -> BatchDetail:
    uploads = [UploadView.model_validate(u) for u in batch.uploads]
    documents = _batch_documents(batch)
    done = all(u.status in ("done", "failed", "duplicate") for u in batch.uploads)
    return BatchDetail(id=batch.id, forbund_id=batch.forbund_id, uploaded_by=batch.uploaded_by,
                       created_at=batch.created_at, uploads=uploads, documents=documents,
                       done=done, originals=_originals(batch))


def _batch_documents(batch: Batch) -> list[dict[str, Any]]:
    """The batch's documents, upload by upload, each in page order, in one query of
    the columns shown: the batch page reloads while it is read (and scripts poll its
    API), and loading every upload's documents whole, one query per upload, made each
    poll cost the web process more than the reading of a page."""
    upload_ids = [u.id for u in batch.uploads]
    session = object_session(batch)
    if session is None or not upload_ids:
        return [{c: getattr(d, c) for c in _BATCH_COLUMNS}
                for u in batch.uploads for d in u.documents]
    rows = session.execute(select(*(getattr(Document, c) for c in _BATCH_COLUMNS))
                           .where(Document.upload_id.in_(upload_ids))
                           .order_by(Document.upload_id, Document.page, Document.id))
    return [dict(row._mapping) for row in rows]


def _originals(batch: Batch) -> dict[int, UploadOrigin]:
    """The uploads this batch's duplicates repeat, by the duplicate's id."""
    first = {u.id: u.duplicate_of for u in batch.uploads if u.duplicate_of is not None}
    session = object_session(batch)
    if not first or session is None:
        return {}
    rows = {u.id: u for u in session.scalars(select(Upload).where(
        Upload.id.in_(set(first.values()))))}
    return {dup: UploadOrigin(batch_id=rows[orig].batch_id, filename=rows[orig].filename,
                              created_at=rows[orig].created_at)
            for dup, orig in first.items() if orig in rows}
