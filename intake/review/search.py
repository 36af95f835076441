"""Finding a person or a document within what the user may see: by personnummer (all
of it or its first digits), name, file name, batch, or date (of the upload or the SUS
deadline).

The personnummer and names live in each document's JSON fields, so the documents in
the user's scope are matched here, newest first (a förbund's queue is hundreds, not
millions). What is searched for is never logged nor put in a URL: the search is a POST,
and the audit trail records who searched and which documents they were shown, by id.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.review.names import NAME_FIELD
from intake.review.queue import Viewer, visible
from intake.review.schema import Batch, Document, Upload
from sus_store import audit_read

#: Documents looked through per search, and shown at most.
SCANNED = 5000
SHOWN = 100

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_BATCH = re.compile(r"^(?:batch\s*)?#?(\d{1,9})$", re.IGNORECASE)


class SearchIn(BaseModel):
    q: str = Field(min_length=1, max_length=100)


def search(session: Session, viewer: Viewer, text: str) -> list[Document]:
    """The documents in ``viewer``'s scope that ``text`` finds, newest first; audited."""
    wanted = text.strip()
    query = (select(Document, Upload.filename, Batch.created_at)
             .join(Upload, Upload.id == Document.upload_id)
             .join(Batch, Batch.id == Document.batch_id).where(visible(viewer))
             .order_by(Document.id.desc()).limit(SCANNED))
    found = [document for document, filename, uploaded in session.execute(query)
             if _finds(wanted, document, filename, uploaded.date())][:SHOWN]
    audit_read(session, actor=viewer.username, entity="search", ids=[d.id for d in found])
    return found


def _finds(wanted: str, document: Document, filename: str, uploaded: date) -> bool:
    if (day := _day(wanted)) is not None:
        return day in (document.deadline, uploaded)
    if (batch := _BATCH.match(wanted)) and len(batch.group(1)) < 6:
        return document.batch_id == int(batch.group(1))
    digits = "".join(ch for ch in wanted if ch.isdigit())
    if len(digits) >= 6 and len(digits) >= len(wanted.replace("-", "").replace(" ", "")):
        return digits in _digits(_value(document, "personnummer"))
    key = wanted.casefold()
    return (key in (_value(document, NAME_FIELD.get(document.form, "")) or "").casefold()
            or key in filename.casefold())


def _day(text: str) -> date | None:
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _value(document: Document, name: str) -> str | None:
    value = (document.fields or {}).get(name, {}).get("value")
    return value if isinstance(value, str) else None


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())

