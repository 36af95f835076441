"""Deciding a document under concurrency, on SQLite and PostgreSQL alike: one decision
per document, whoever asks how often at once; the others are told it is decided."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import intake.review.decide as decide_module
from intake.review.schema import Document
from sus_store.schema import AuditEvent, Consent, Participation
from tests.review.conftest import login, make_forms, read_all, service_client, state_of, upload

#: How many requests race for one document.
RACERS = 3


def _document(client: TestClient, form: str) -> dict[str, Any]:
    documents: list[dict[str, Any]] = client.get("/api/documents").json()
    return next(d for d in documents if d["form"] == form)


def _together(monkeypatch: pytest.MonkeyPatch, name: str, parties: int) -> None:
    """Make the store call ``name`` of ``decide`` wait until ``parties`` requests reach it,
    so that on the code as it was all of them had passed the "still open?" check before
    any wrote. Where decisions are serialised only one gets there at a time: its wait
    breaks and it goes on (the barrier's timeout only ends a wait that cannot succeed)."""
    barrier = threading.Barrier(parties, timeout=3)
    original: Callable[..., Any] = getattr(decide_module, name)

    def wait_then_call(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(decide_module, name, wait_then_call)


def _race(client: TestClient, token: str, document_id: int, action: str = "approve",
          racers: int = RACERS) -> list[Any]:
    """``racers`` tabs of the same logged-in reviewer send the decision at once."""
    tabs = [TestClient(client.app, cookies=dict(client.cookies)) for _ in range(racers)]
    responses: list[Any] = [None] * racers

    def send(n: int) -> None:
        responses[n] = tabs[n].post(f"/api/documents/{document_id}/decision",
                                    json={"action": action}, headers={"X-CSRF-Token": token})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _refused_as_decided(responses: list[Any]) -> None:
    """Exactly one request decided; every other got 409 'redan avgjort', none a 5xx."""
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (len(responses) - 1), [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 409):
        body = refused.json()
        assert body["code"] == "already_decided"
        assert "redan avgjort" in body["message"]


def test_a_consent_approved_by_three_tabs_at_once_is_archived_once(
        database: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN Diariet holding the claim on a read 9443
    WHEN three of their tabs approve it at the same moment
    THEN one consent is archived (one row, one file, one audit entry), the document is
    approved once, and the two others are told it is already decided."""
    with service_client(tmp_path / "data", **database) as client:
        upload(client, login(client, "forbund"), make_forms(tmp_path))
        read_all(client)
        token = login(client, "diariet")
        consent = _document(client, "9443")
        claimed = client.post(f"/api/documents/{consent['id']}/claim",
                              headers={"X-CSRF-Token": token})
        assert claimed.status_code == 200
        _together(monkeypatch, "file_consent", RACERS)
        _refused_as_decided(_race(client, token, consent["id"]))
        state = state_of(client)
        with state.store.transaction() as session:
            assert session.scalar(select(func.count(Consent.id))) == 1
            assert session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.entity == "consent", AuditEvent.action == "archive")) == 1
            assert session.get_one(Document, consent["id"]).status == "approved"
        assert len(list(state.store.archive.files())) == 1


def test_a_registration_approved_by_three_tabs_at_once_registers_once(
        database: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the granskare holding the claim on a read 9448 whose 9443 came with it
    WHEN three of their tabs approve the 9448 at the same moment
    THEN one participation and one consent are stored, and the two others are told the
    document is already decided (no 500 from the store's refusal)."""
    with service_client(tmp_path / "data", **database) as client:
        upload(client, login(client, "forbund"), make_forms(tmp_path))
        read_all(client)
        token = login(client, "granskare")
        registration = _document(client, "9448")
        assert client.post(f"/api/documents/{registration['id']}/claim",
                           headers={"X-CSRF-Token": token}).status_code == 200
        _together(monkeypatch, "register_in", RACERS)
        _refused_as_decided(_race(client, token, registration["id"]))
        with state_of(client).store.transaction() as session:
            assert session.scalar(select(func.count(Participation.id))) == 1
            assert session.scalar(select(func.count(Consent.id))) == 1


def test_approving_without_holding_the_claim_is_refused_and_stores_nothing(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 and its 9443 that nobody has opened for review
    WHEN the granskare posts an approval without taking the document first
    THEN 403 asking them to open it, and nothing is stored; once taken, it goes through."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "granskare")
    registration = _document(client, "9448")
    url = f"/api/documents/{registration['id']}/decision"
    refused = client.post(url, json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    assert "Öppna dokumentet" in refused.json()["message"]
    with state_of(client).store.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == 0
    assert client.post(f"/api/documents/{registration['id']}/claim",
                       headers={"X-CSRF-Token": token}).status_code == 200
    approved = client.post(url, json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert approved.status_code == 200, approved.text


def test_a_document_another_reviewer_holds_cannot_be_decided(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN admin holding the claim on a 9448
    WHEN the granskare of its insats tries to reject it THEN 403 naming admin; it stays."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "admin")
    registration = _document(client, "9448")
    assert client.post(f"/api/documents/{registration['id']}/claim",
                       headers={"X-CSRF-Token": token}).status_code == 200
    token = login(client, "granskare")
    refused = client.post(f"/api/documents/{registration['id']}/decision",
                          json={"action": "reject"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 403 and "admin" in refused.json()["message"]
    assert _document(client, "9448")["status"] == "review"


def test_approving_while_the_worker_finishes_the_upload_still_purges_the_file(
        database: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an uploaded 9448 the worker has read (its document in the queue) and is
    now marking done
    WHEN the granskare approves it (to wait for its consent) at that very moment —
    both check "is every document of this upload decided?" before either commits
    THEN the uploaded file, which holds the person's data, is still removed once both
    have committed: neither decision leaves it behind for good."""
    import intake.review.ingest as ingest
    import intake.review.jobs as jobs
    from intake.review.schema import Upload

    with service_client(tmp_path / "data", **database) as client:
        state = state_of(client)
        upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
        token = login(client, "granskare")
        read = threading.Event()
        original_store = jobs.store_page

        def store_then_tell(*args: Any) -> bool:
            stored = original_store(*args)
            read.set()
            return stored

        # the page written and the upload marked done commit together (page jobs): the
        # reviewer sees the document once the worker has committed
        monkeypatch.setattr(jobs, "store_page", store_then_tell)
        barrier = threading.Barrier(2, timeout=3)
        for module in (jobs, decide_module):
            check = module.purge_upload_if_done

            def meet_then_check(state: Any, row: Any, check: Callable[..., Any] = check
                                ) -> Any:
                # Each has read what it decides by (the upload's status and its
                # documents) before the other commits.
                assert row.status and [document.status for document in row.documents]
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()
                return check(state, row)

            monkeypatch.setattr(module, "purge_upload_if_done", meet_then_check)
        worker = threading.Thread(target=ingest.process_next, args=(state,))
        worker.start()
        assert read.wait(timeout=60)
        registration = _document(client, "9448")
        headers = {"X-CSRF-Token": token}
        assert client.post(f"/api/documents/{registration['id']}/claim",
                           headers=headers).status_code == 200
        decided = client.post(f"/api/documents/{registration['id']}/decision",
                              json={"action": "wait_consent"}, headers=headers)
        worker.join()
        assert decided.status_code == 200, decided.text
        with state.store.transaction() as session:
            (row,) = session.scalars(select(Upload))
            assert row.status == "done"
            sha = row.sha256
        assert not state.files.upload_path(sha).exists()
