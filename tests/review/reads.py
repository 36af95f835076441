"""Read forms made by hand (each field's value and confidence, as the pipeline would
report them) added to the review queue the way the worker adds them, and the store's
participants they are weighed against."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from intake.forms import load_form
from intake.mapping.base import FieldValue
from intake.mapping.document import Document as ReadDocument
from intake.mapping.document import build_document
from intake.review.clock import now
from intake.review.jobs import add_document
from intake.review.schema import Batch, Document, Upload
from intake.settings import REVIEW_BELOW
from sus_store import ForbundView, list_forbund, register_in
from tests.review.conftest import FORBUND, INSATS, TODAY, state_of
from tests.sus_store.builders import consent, inregistrering

ASA = "Åsa Öberg-Test"

_BASE: dict[str, dict[str, Any]] = {
    "9443": {"underskrift": True, "ort": "Uppsala", "datum": "2026-11-01"},
    "9448": {
        "samverkansorganisation": FORBUND, "insats": INSATS, "startdatum": "2026-11-02",
        "kommun": "Uppsala", "utbildning": "gymnasium", "forsorjningstid": "upp_till_2_ar",
        "forsorjning": ["a_kassa"], "aktivt_arbetssokande": True, "forvarvsarbete": False,
        "studerar": False,
    },
    "9449": {
        "samverkansorganisation": FORBUND, "insats": INSATS, "avslutningsdatum": "2026-11-20",
        "avslutningsanledning": 1, "forsorjning": ["ingen_offentlig_forsorjning"],
        "aktivt_arbetssokande": False, "forvarvsarbete": True, "arbete_procent": 75,
        "arbete_typ": "inte_subventionerat", "studerar": False,
    },
}


def read_form(form: str, **read: Any) -> ReadDocument:
    """A form as the pipeline reads it: every field sure (1.0) unless ``read`` gives it
    as a value, or as ``(value, confidence)`` or ``(value, confidence, problem)``."""
    values = {}
    given = {**_BASE[form], **read}
    for field in load_form(form).fields:
        value = given.get(field.name)
        parts = value if isinstance(value, tuple) else (value, 1.0)
        values[field.name] = FieldValue(value=parts[0], confidence=parts[1],
                                        problem=parts[2] if len(parts) > 2 else None)
    return build_document("test.pdf", 1, form, values, today=TODAY, review_below=REVIEW_BELOW)


def forbund_id(client: TestClient, name: str = FORBUND) -> int:
    with state_of(client).store.transaction() as session:
        found: list[ForbundView] = list_forbund(session)
    return next(f.id for f in found if f.name == name)


def new_batch(client: TestClient, *, forbund: int | None, by: str = "forbund") -> int:
    with state_of(client).store.transaction() as session:
        batch = Batch(forbund_id=forbund, uploaded_by=by, created_at=now())
        session.add(batch)
        session.flush()
        return batch.id


def add(client: TestClient, batch_id: int, read: ReadDocument) -> int:
    """``read`` added to the batch as the worker adds a page it has read; its id."""
    state = state_of(client)
    with state.store.transaction() as session:
        scan = b"%PDF-1.4 a scanned page " + str(session.scalar(select(Upload.id).order_by(
            Upload.id.desc()).limit(1))).encode()
        upload = Upload(batch_id=batch_id, filename="skanning.pdf",
                        sha256=state.files.put_upload(scan), size=len(scan),
                        status="processing", pages_total=1, created_at=now())
        session.add(upload)
        session.flush()
        add_document(session, state, upload, read, None)
        found = session.scalars(select(Document.id).where(Document.upload_id == upload.id))
        return found.one()


class Seen:
    """A document as the queue holds it after reading."""

    def __init__(self, client: TestClient, document_id: int) -> None:
        with state_of(client).store.transaction() as session:
            row = session.get_one(Document, document_id)
            self.fields: dict[str, dict[str, Any]] = dict(row.fields or {})
            self.problems = dict(row.problems)
            self.needs_review = list(row.needs_review)
            self.forbund_id, self.insats_id = row.forbund_id, row.insats_id
            self.status, self.outcome = row.status, row.outcome

    def value(self, name: str) -> Any:
        return self.fields[name]["value"]

    def confidence(self, name: str) -> float:
        return float(self.fields[name]["confidence"])

    def flagged(self, name: str) -> bool:
        return name in self.needs_review


def participant(client: TestClient, personnummer: str, *, namn: str = ASA,
                insats: str = INSATS, forbund: str = FORBUND, pending: bool = False) -> int:
    """A participation in the store: open (with its consent), or pending one."""
    record = inregistrering(personnummer, insats=insats, forbund=forbund)
    record = record.model_copy(update={"namn": namn})
    with state_of(client).store.transaction() as session:
        if pending:
            return register_in(session, record, hold_for_consent=True, actor="test",
                               today=TODAY).id
        return register_in(session, record, consent=consent(personnummer), actor="test",
                           today=TODAY).id
