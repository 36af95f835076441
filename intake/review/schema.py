"""The review queue's own tables: batches, uploaded files and the documents read from
them. The SUS store's tables are ``sus_store``'s alone; these refer to förbund,
insatser and store rows by id only.

Documents hold what was read from a form (personal data) until the form is
approved, sent back or purged; the page image of a document lives in a file named
by ``image``, removed with the document's personal data.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    event,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from intake.review.names import person_keys
from sus_store.schema import NAMING  # the same constraint names as the store's tables


class ReviewBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Batch(ReviewBase):
    """Files uploaded together, by a förbund or by Diariet."""

    __tablename__ = "review_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int | None] = mapped_column(Integer, index=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploads: Mapped[list[Upload]] = relationship(back_populates="batch", order_by="Upload.id")


#: The longest file name kept (``Upload.filename``).
FILENAME_LENGTH = 255
#: Uploads that are read (not a duplicate): one per file content and scope.
READ_UPLOADS = "status != 'duplicate'"


class Upload(ReviewBase):
    """One uploaded file, stored once by its SHA-256, and how far its reading got.

    The same bytes are read once per *scope* (the batch's förbund, 0 for Diariet's):
    a later upload in that scope is a duplicate. A unique index holds it, so two
    uploads at the same moment cannot both be read; another förbund's upload of the
    same file is read for that förbund and says nothing of this one."""

    __tablename__ = "review_upload"
    __table_args__ = (
        Index("uq_review_upload_read_once", "sha256", "scope", unique=True,
              postgresql_where=text(READ_UPLOADS), sqlite_where=text(READ_UPLOADS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batch.id"), index=True)
    scope: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    filename: Mapped[str] = mapped_column(String(FILENAME_LENGTH))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # queued → processing → done | failed; duplicate (same bytes as ``duplicate_of``)
    status: Mapped[str] = mapped_column(String(12), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    pages_total: Mapped[int | None] = mapped_column(Integer)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: when reading ended: its last page written, or it failed; a duplicate's is its
    #: ``created_at`` (r0012). None while it is read.
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch: Mapped[Batch] = relationship(back_populates="uploads")
    # in page order, whatever order the pages were read in
    documents: Mapped[list[Document]] = relationship(back_populates="upload",
                                                     order_by=lambda: [Document.page, Document.id])


#: ``Document.decided_by`` of a mailed consent filed as it was read (no person decided)
DECIDED_ON_READING = "auto:read"
#: ``Document.decided_by`` of a document decided with another (a felregistrering's or a
#: protected person's other forms): this prefix and that document's id
DECIDED_WITH = "auto:document:"


class Document(ReviewBase):
    """One document read from an upload, waiting for (or past) a person's review."""

    __tablename__ = "review_document"
    #: a page's document is written once, however often the page is read (a page job
    #: retried after its worker died)
    __table_args__ = (Index("uq_review_document_page", "upload_id", "page", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("review_upload.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batch.id"), index=True)
    forbund_id: Mapped[int | None] = mapped_column(Integer, index=True)
    insats_id: Mapped[int | None] = mapped_column(Integer, index=True)
    page: Mapped[int | None] = mapped_column(Integer)  # of the upload; None before r0003
    pages: Mapped[list[int]] = mapped_column(JSON)
    form: Mapped[str] = mapped_column(String(8), index=True)
    # review → approved | returned | rejected | anonymised | waiting_consent ; info (blank…)
    status: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[dict[str, dict[str, object]] | None] = mapped_column(JSON)
    needs_review: Mapped[list[str]] = mapped_column(JSON)
    issues: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    problems: Mapped[dict[str, str]] = mapped_column(JSON)
    image: Mapped[str | None] = mapped_column(String(80))
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)
    #: the username of who decided; for a document no person decided, DECIDED_ON_READING
    #: or DECIDED_WITH + the id of the document it was decided with
    decided_by: Mapped[str | None] = mapped_column(String(64))  # r0006
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    store_ref: Mapped[int | None] = mapped_column(Integer)
    #: seconds its page took to read (None before r0008); /metrics' histogram
    read_seconds: Mapped[float | None] = mapped_column(Float)
    #: the template a scanned form was read with (None before r0009, and for a digital
    #: form): the review page draws its boxes, the templates page counts its documents
    template_id: Mapped[str | None] = mapped_column(String(80), index=True)
    template_version: Mapped[str | None] = mapped_column(String(80))
    #: which page of that template the page was read as (r0010): 2 and on is a later
    #: page of a learned template, joined to the document of the page before it
    template_page: Mapped[int | None] = mapped_column(Integer)
    #: a page of a learned template of several pages: what was read on it (each page's
    #: ``PageReads``, r0011), kept until its upload is read, when the document of its
    #: form's pages is read again from its pages' reads together (personal data)
    reads: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    #: the personnummer and the name key read on the form (r0013; :func:`.names.person_keys`),
    #: kept with ``fields`` — set from them whenever the row is written, gone with them:
    #: the batch vote asks for the few documents that may be the same person's by these,
    #: not for every open document of its batch with all that was read on it
    vote_personnummer: Mapped[str | None] = mapped_column(String(12))
    vote_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    upload: Mapped[Upload] = relationship(back_populates="documents")


@event.listens_for(Document, "before_insert")
@event.listens_for(Document, "before_update")
def _keep_vote_keys(_mapper: object, _connection: object, row: Document) -> None:
    """A document's vote keys follow its fields, however they changed (read, edited by the
    store's knowledge or a reviewer, forgotten)."""
    row.vote_personnummer, row.vote_name = person_keys(row.form, row.fields)


def later_pages(session: Session, document: Document) -> list[Document]:
    """The rows of ``document``'s pages after its first, in page order: the later
    pages of a learned form of several pages joined to it (each keeps its own page
    image); [] for a document of one page."""
    later = [n for n in document.pages if n != document.page]
    if not later or document.page is None:
        return []
    return list(session.scalars(select(Document).where(
        Document.upload_id == document.upload_id, Document.page.in_(later))
        .order_by(Document.page)))


class LoginSession(ReviewBase):
    """A login, kept on the server so it can end: at logout, at expiry, or when what it
    was granted on changes (the password, a permission taken away). The cookie carries
    a random token; only its SHA-256 is stored here."""

    __tablename__ = "review_login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # sha256 of the password hash at login: a new password ends the session
    password_mark: Mapped[str] = mapped_column(String(64))
    # the permissions held at login: losing any of them ends the session
    permission_ids: Mapped[list[int]] = mapped_column(JSON)


class LoginThrottle(ReviewBase):
    """Failed logins of one account or one client address (``intake.review.throttle``),
    keyed by an HMAC of the username or address: the table holds neither."""

    __tablename__ = "review_login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(ReviewBase):
    """A key a script authenticates with (``Authorization: Bearer …``) as its user, until
    it expires or is revoked (``intake.review.tokens``). Shown once when made; only the
    SHA-256 of the secret is stored here."""

    __tablename__ = "review_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256(secret), hex
    username: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
