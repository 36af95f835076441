"""Who sees which documents, the review queue's order and filters, and claims.

A förbund uploader sees the batches of their own förbund; a granskare the
documents of the insatser they are linked to (and, until the insats is known, of
those insatsers' förbund); Diariet the consent forms and their own batches; an
admin everything. Anything else is "not found" — an id guessed is not a leak.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, update
from sqlalchemy.orm import Session, selectinload

from intake.review.schema import Batch, Document
from sus_store import Access, NotFound, PermissionDenied, access_of
from sus_store.rows import MAX_ROW_ID
from sus_store.vocab import Role

#: A query of documents, or of some of their columns.
Q = TypeVar("Q", bound=Select[Any])

#: Statuses of documents still waiting for a person.
OPEN_STATUSES = ("review", "waiting_consent")


class Viewer(BaseModel):
    """The logged-in user and what they may see today."""

    model_config = ConfigDict(frozen=True)

    username: str
    display_name: str
    roles: frozenset[Role]
    forbund_ids: frozenset[int]
    insats_ids: frozenset[int]
    review_forbund_ids: frozenset[int]
    permission_ids: frozenset[int] = frozenset()  # the permissions held today

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def can(self, role: Role) -> bool:
        return self.is_admin or role in self.roles


def viewer_for(session: Session, username: str, *, today: date) -> Viewer:
    """What ``username`` may see today (:class:`NotFound` for an unknown user)."""
    return viewer_of(access_of(session, username, today=today))


def viewer_of(access: Access) -> Viewer:
    """The viewer a user's :class:`~sus_store.Access` makes."""
    insats_ids = frozenset(access.insats_ids)
    return Viewer(username=access.user.username, display_name=access.user.display_name,
                  roles=frozenset(p.role for p in access.permissions),
                  forbund_ids=frozenset(access.forbund_ids), insats_ids=insats_ids,
                  review_forbund_ids=frozenset(forbund for insats, forbund
                                               in access.insats_forbund.items()
                                               if insats in insats_ids),
                  permission_ids=frozenset(p.id for p in access.permissions))


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The documents ``viewer`` may see, as a condition on :class:`Document`."""
    if viewer.is_admin:
        return Document.id.is_not(None)
    seen: list[ColumnElement[bool]] = []
    if Role.UPPLADDARE in viewer.roles and viewer.forbund_ids:
        seen.append(Document.batch_id.in_(
            select(Batch.id).where(Batch.forbund_id.in_(viewer.forbund_ids))))
    if Role.GRANSKARE in viewer.roles and viewer.insats_ids:
        seen.append(Document.insats_id.in_(viewer.insats_ids))
        seen.append(and_(Document.insats_id.is_(None),
                         Document.forbund_id.in_(viewer.review_forbund_ids)))
    if Role.DIARIET in viewer.roles:
        seen.append(Document.form == "9443")
        seen.append(Document.batch_id.in_(select(Batch.id).where(Batch.forbund_id.is_(None))))
    return or_(*seen) if seen else false()


def visible_batches(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_admin:
        return Batch.id.is_not(None)
    seen: list[ColumnElement[bool]] = [Batch.uploaded_by == viewer.username]
    if viewer.forbund_ids:
        seen.append(Batch.forbund_id.in_(viewer.forbund_ids))
    return or_(*seen)


def get_document(session: Session, viewer: Viewer, document_id: int, *,
                 lock: bool = False) -> Document:
    """The document, if ``viewer`` may see it; NotFound otherwise (also when it exists).
    ``lock``: its row held until the transaction ends, read as committed
    (:func:`lock_document`) in the same statement."""
    row = None
    if 0 < document_id <= MAX_ROW_ID:
        query = select(Document).where(Document.id == document_id, visible(viewer))
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = session.scalar(query)
    if row is None:
        raise NotFound(f"Dokument {document_id} finns inte.")
    if lock:
        _locked(session)[row.id] = _innermost(session)
    return row


def lock_document(session: Session, document: Document) -> None:
    """Hold the document's row until this transaction ends, and read it as committed
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock, taken at BEGIN, does
    the same): whoever decides it at the same time waits here, then sees it decided.
    Read once per transaction (or savepoint: one rolled back lets its locks go): held,
    the row changes through this session alone."""
    locked = _locked(session)
    if locked.get(document.id) is _innermost(session):
        return
    session.refresh(document, with_for_update=True)
    locked[document.id] = _innermost(session)


def _locked(session: Session) -> dict[int, object]:
    """The documents locked in ``session``, each with the transaction it was locked in."""
    locked: dict[int, object] = session.info.setdefault("locked_documents", {})
    return locked


def _innermost(session: Session) -> object:
    return session.get_nested_transaction() or session.get_transaction()


def may_decide(viewer: Viewer, document: Document) -> bool:
    """Granskare decide 9448/9449 for their insatser; Diariet and granskare file 9443."""
    if viewer.is_admin:
        return True
    if document.form == "9443":
        return bool(viewer.roles & {Role.DIARIET, Role.GRANSKARE})
    return Role.GRANSKARE in viewer.roles and (
        document.insats_id in viewer.insats_ids
        or (document.insats_id is None and document.forbund_id in viewer.review_forbund_ids))


class QueueFilter(BaseModel):
    forbund_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    insats_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    form: str | None = Field(default=None, max_length=16)
    status: str | None = Field(default=None, max_length=32)


def queue_query(viewer: Viewer, filters: QueueFilter) -> Select[Document]:
    """Documents awaiting review, in the queue's order (:func:`in_queue`)."""
    return in_queue(select(Document), viewer, filters).options(
        selectinload(Document.upload))  # its file name, shown


def in_queue(query: Q, viewer: Viewer, filters: QueueFilter) -> Q:
    """``query`` (of documents, or of some of their columns) limited to the queue
    ``viewer`` sees with ``filters``, by SUS deadline (earliest first, none last), then
    age (of their upload: an upload's pages in page order, whatever order they were
    read)."""
    query = query.where(visible(viewer))
    query = query.where(Document.status == filters.status if filters.status
                        else Document.status.in_(OPEN_STATUSES))
    for column, value in ((Document.forbund_id, filters.forbund_id),
                          (Document.insats_id, filters.insats_id),
                          (Document.form, filters.form)):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(Document.deadline.is_(None), Document.deadline, Document.upload_id,
                          Document.page, Document.created_at, Document.id)


def claim(session: Session, viewer: Viewer, document: Document, *, at: datetime,
          seconds: int, renew: bool = False) -> None:
    """Make the document ``viewer``'s for ``seconds`` (the open page renews it); refused
    while another holds it, and to anyone who may not decide it (an uploader cannot
    block the reviewer). A renewal only keeps a claim still held: a page whose claim an
    admin released, or which lapsed while the computer slept, does not take it back
    behind the back of whoever opened the document since.

    One conditional UPDATE, so two reviewers opening it at once cannot both win."""
    if document.status not in OPEN_STATUSES or not may_decide(viewer, document):
        raise PermissionDenied("Bara den som får granska dokumentet kan ta det.")
    if renew:
        kept = session.execute(
            update(Document)
            .where(Document.id == document.id, Document.status.in_(OPEN_STATUSES),
                   Document.claimed_by == viewer.username,
                   Document.claimed_at >= at - timedelta(seconds=seconds))
            .values(claimed_at=at)
            .execution_options(synchronize_session=False))
        if kept.rowcount != 1:  # type: ignore[attr-defined]
            raise PermissionDenied("Dokumentet är inte längre ditt: det släpptes eller"
                                   " låg orört för länge. Ladda om sidan för att ta det"
                                   " igen.")
        session.refresh(document)
        return
    if not _take(session, document.id, viewer.username, at=at, seconds=seconds, mine=True):
        session.refresh(document)
        raise PermissionDenied(f"Dokumentet granskas just nu av {document.claimed_by}.")
    session.refresh(document)


def _take(session: Session, document_id: int, username: str, *, at: datetime, seconds: int,
          mine: bool) -> bool:
    """Claim a document that is free (its claim lapsed), or — with ``mine`` — already
    this user's; one conditional UPDATE, so of two asking at once one wins."""
    free = or_(Document.claimed_by.is_(None),
               Document.claimed_at < at - timedelta(seconds=seconds))
    taken = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status.in_(OPEN_STATUSES),
               or_(free, Document.claimed_by == username) if mine else free)
        .values(claimed_by=username, claimed_at=at)
        .execution_options(synchronize_session=False))
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def hand_out_next(session: Session, viewer: Viewer, *, at: datetime, seconds: int,
                  after: int | None = None) -> Document | None:
    """The first document of the queue nobody holds (nor this user in another tab) that
    ``viewer`` may decide, claimed for them — so no two tabs are handed the same one,
    and a document the reviewer left open (refused, say) does not come back at once.
    ``after``: the document the reviewer moves on from, never handed out again now."""
    free = or_(Document.claimed_by.is_(None),
               Document.claimed_at < at - timedelta(seconds=seconds))
    query = queue_query(viewer, QueueFilter()).where(free)
    if after is not None:
        query = query.where(Document.id != after)
    for document in session.scalars(query.limit(50)).all():
        if may_decide(viewer, document) and _take(session, document.id, viewer.username,
                                                  at=at, seconds=seconds, mine=False):
            session.refresh(document)
            return document
    return None


def held_by_other(document: Document, viewer: Viewer, *, at: datetime,
                  seconds: int) -> str | None:
    """Who else holds ``document`` now (a claim not renewed for ``seconds`` holds no more)."""
    if document.claimed_by in (None, viewer.username) or document.claimed_at is None:
        return None
    claimed_at = document.claimed_at
    if claimed_at.tzinfo is None:  # SQLite gives naive UTC back
        claimed_at = claimed_at.replace(tzinfo=at.tzinfo)
    return document.claimed_by if claimed_at >= at - timedelta(seconds=seconds) else None


def release(document: Document, viewer: Viewer) -> None:
    if document.claimed_by == viewer.username:
        document.claimed_by, document.claimed_at = None, None


def release_claim(document: Document, viewer: Viewer) -> None:
    """Free the document: its holder may, and an admin (a claim left behind)."""
    if document.claimed_by not in (None, viewer.username) and not viewer.is_admin:
        raise PermissionDenied("Bara den som granskar dokumentet, eller en administratör,"
                               " kan släppa det.")
    document.claimed_by, document.claimed_at = None, None
