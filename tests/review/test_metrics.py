"""/metrics: what Prometheus sees move as batches are read, waited on and approved,
counted from the database (pages are read in other processes), shown only to the
token's bearer or this machine, and never naming a person."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from intake.review.metrics import may_scrape
from intake.review.schema import Document
from intake.settings import Settings
from tests.review.conftest import (
    FORBUND,
    OTHER_FORBUND,
    login,
    make_forms,
    read_all,
    service_client,
    state_of,
    upload,
)

TOKEN = "m3tr1cs-t0ken-for-the-tests-0nly-x9Qz7LpA"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PATIENCE = 120.0
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_when_a_batch_is_read_in_the_reading_processes(
        tmp_path: Path, database: dict[str, Any]) -> None:
    """GIVEN the service reading uploads in its own worker (a process pool on SQLite,
    procrastinate on PostgreSQL) WHEN a batch of a 9448 and its 9443 is uploaded
    THEN /metrics first shows two uploads waiting, then two pages read with their read
    times in the histogram, and the förbund's documents waiting for review."""
    with service_client(tmp_path, run_worker=True, workers=1, metrics_token=TOKEN,
                        job_heartbeat_seconds=0.5, **database) as client:
        before = scrape(client)
        assert value(before, "sus_intake_pages_read_total") == 0
        assert value(before, "sus_intake_documents_waiting", forbund=FORBUND) == 0
        upload(client, login(client, "forbund"), make_forms(tmp_path))
        deadline = time.monotonic() + PATIENCE
        while value(now := scrape(client), "sus_intake_pages_read_total") < 2:
            assert time.monotonic() < deadline, f"pages never counted: {now}"
            time.sleep(0.2)
        assert value(now, "sus_intake_page_read_seconds_count") == 2
        assert value(now, "sus_intake_page_read_seconds_sum") > 0
        assert value(now, "sus_intake_page_read_seconds_bucket", le="+Inf") == 2
        assert value(now, "sus_intake_uploads_waiting", status="queued") == 0
        assert value(now, "sus_intake_documents_waiting", forbund=FORBUND) >= 1
        assert value(now, "sus_intake_documents_waiting", forbund=OTHER_FORBUND) == 0


def test_waiting_overdue_approvals_and_errors_are_counted(tmp_path: Path) -> None:
    """GIVEN a batch of a 9448, its 9443 and a text file, read
    WHEN the 9448's SUS deadline has passed THEN it counts as overdue for its förbund;
    the text file counts as an unreadable upload; WHEN the 9448 is approved THEN
    approvals move (it and its consent) and it no longer waits."""
    with service_client(tmp_path / "data", metrics_token=TOKEN) as client:
        _overdue_approved(client, tmp_path)


def _overdue_approved(client: TestClient, tmp_path: Path) -> None:
    state = state_of(client)
    junk = tmp_path / "anteckning.txt"
    junk.write_text("inte en blankett")
    upload(client, login(client, "forbund"), [*make_forms(tmp_path), junk])
    queued = scrape(client)
    assert value(queued, "sus_intake_uploads_waiting", status="queued") == 3
    read_all(client)
    with state.store.transaction() as session:
        session.execute(update(Document).where(Document.form == "9448")
                        .values(deadline=date(2026, 11, 1)))
    read = scrape(client)
    assert value(read, "sus_intake_uploads_waiting", status="queued") == 0
    assert value(read, "sus_intake_documents_overdue", forbund=FORBUND) == 1
    assert value(read, "sus_intake_errors_total", kind="upload_unreadable") == 1
    assert value(read, "sus_intake_approvals_total") == 0
    token = login(client, "granskare")
    document = next(d for d in client.get("/api/documents").json() if d["form"] == "9448")
    client.post(f"/api/documents/{document['id']}/claim", headers={"X-CSRF-Token": token})
    decided = client.post(f"/api/documents/{document['id']}/decision",
                          json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert decided.status_code == 200, decided.text
    approved = scrape(client)
    assert value(approved, "sus_intake_approvals_total") == 2  # its consent filed with it
    assert value(approved, "sus_intake_documents_overdue", forbund=FORBUND) == 0


def test_errors_answered_are_counted_by_kind(tmp_path: Path) -> None:
    """GIVEN the service WHEN a request with a body that does not fit is refused
    THEN /metrics counts one invalid_request error."""
    with service_client(tmp_path, metrics_token=TOKEN) as client:
        token = login(client, "granskare")
        refused = client.post("/api/documents/1/decision", content=b"{not json",
                              headers={"X-CSRF-Token": token,
                                       "Content-Type": "application/json"})
        assert refused.status_code == 422
        assert value(scrape(client), "sus_intake_errors_total", kind="invalid_request") == 1


def test_metrics_need_the_token_or_this_machine(tmp_path: Path) -> None:
    """GIVEN SUS_METRICS_TOKEN WHEN /metrics is asked without it or with another
    THEN 403 in Swedish; with it 200. Without a token set only loopback may scrape."""
    with service_client(tmp_path, metrics_token=TOKEN) as client:
        assert client.get("/metrics").status_code == 403
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
        assert wrong.status_code == 403
        assert "token" in wrong.json()["message"]
        assert client.get("/metrics", headers=BEARER).status_code == 200
    with service_client(tmp_path / "open") as client:
        assert client.get("/metrics", headers=BEARER).status_code == 403  # not loopback
    no_token = Settings()
    assert may_scrape(no_token, client_host="127.0.0.1", authorization=None)
    assert may_scrape(no_token, client_host="::1", authorization=None)
    assert not may_scrape(no_token, client_host="10.1.2.3", authorization=None)
    assert not may_scrape(no_token, client_host=None, authorization=None)


def test_metrics_name_no_person(tmp_path: Path) -> None:
    """GIVEN a batch read WHEN /metrics is scraped THEN no participant's name or
    personnummer is in it (förbund names are)."""
    with service_client(tmp_path, metrics_token=TOKEN) as client:
        forms = make_forms(tmp_path)
        upload(client, login(client, "forbund"), forms)
        read_all(client)
        text = client.get("/metrics", headers=BEARER).text
    truth = json.loads(forms[0].with_name(forms[0].stem + ".truth.json").read_text())[0]
    assert FORBUND in text
    for part in [*truth["fields"]["namn"].split(), truth["fields"]["personnummer"],
                 truth["fields"]["personnummer"][2:]]:
        assert part not in text
