"""The intake service through its JSON API and pages: login, CSRF, upload, queue,
claims, corrections, approval into the store, and who sees what."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from intake.review.schema import Document
from sus_store import started_ended
from sus_store.schema import AnonymousParticipant, Participation
from tests.review.conftest import (
    INSATS,
    OTHER_FORBUND,
    OTHER_INSATS,
    csrf_of,
    login,
    make_forms,
    read_all,
    state_of,
    upload,
)


def _queue(client: TestClient) -> list[dict[str, object]]:
    response = client.get("/api/documents")
    assert response.status_code == 200
    documents: list[dict[str, object]] = response.json()
    return documents


def _by_form(client: TestClient, form: str) -> dict[str, object]:
    return next(d for d in _queue(client) if d["form"] == form)


def _claim(client: TestClient, token: str, document: dict[str, object]) -> None:
    """Take the document for review, as its page does before a decision."""
    response = client.post(f"/api/documents/{document['id']}/claim",
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text


def test_pages_need_login_and_api_says_401(client: TestClient) -> None:
    """GIVEN no session WHEN a page or the API is asked for
    THEN the page redirects to the login and the API answers 401 in JSON."""
    page = client.get("/ko", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = client.get("/api/documents")
    assert api.status_code == 401 and api.json()["code"] == "not_logged_in"


def test_wrong_password_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "granskare", "password": "fel lösenord",
                                           "csrf": token})
    assert response.status_code == 401
    assert response.template.name == "login.html"  # type: ignore[attr-defined]
    assert response.context["error"] == "Fel användarnamn eller lösenord."  # type: ignore[attr-defined]


def test_post_without_csrf_token_is_refused(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a logged-in uploader WHEN a batch is posted without the CSRF token
    THEN 403 csrf_failed and nothing is stored."""
    login(client, "forbund")
    files = [("files", (p.name, p.read_bytes())) for p in make_forms(tmp_path)]
    response = client.post("/api/batches", files=files)
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not (state_of(client).settings.data_dir / "uploads").exists()


def test_login_form_itself_needs_csrf(client: TestClient) -> None:
    response = client.post("/login", data={"username": "admin", "password": "x" * 12})
    assert response.status_code == 403


def test_upload_reads_documents_and_recognises_a_duplicate(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a förbund uploader WHEN a batch of a 9448, its 9443, the 9448 again and a
    text file is uploaded and read
    THEN two documents wait for review, the repeat is a duplicate not read twice, and the
    text file is marked unreadable while the rest went on."""
    token = login(client, "forbund")
    forms = make_forms(tmp_path)
    junk = tmp_path / "anteckning.txt"
    junk.write_text("inte en blankett")
    batch = upload(client, token, [*forms, forms[0], junk])
    read_all(client)
    detail = client.get(f"/api/batches/{batch['id']}").json()
    statuses = [(u["filename"], u["status"]) for u in detail["uploads"]]
    assert statuses == [(forms[0].name, "done"), (forms[1].name, "done"),
                        (forms[0].name, "duplicate"), ("anteckning.txt", "failed")]
    assert "anteckning.txt" in detail["uploads"][3]["message"]
    assert sorted(d["form"] for d in detail["documents"]) == ["9443", "9448"]
    assert detail["done"] is True


def test_clean_form_with_consent_is_approved_into_the_store_and_report(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a digitally filled 9448 and its signed 9443 in one batch
    WHEN the granskare of the insats approves the 9448
    THEN the participant is registered with the consent linked and counts in the report."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "granskare")
    document = _by_form(client, "9448")
    assert document["deadline"] == "2026-12-15" or document["deadline"]
    _claim(client, token, document)
    response = client.post(f"/api/documents/{document['id']}/decision",
                           json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    with state_of(client).store.transaction() as session:
        report = started_ended(session, year=2026)
        assert session.scalar(select(func.count(Participation.id))) == 1
    row = next(r for r in report.insatser if r.insats == INSATS)
    assert row.startade.totalt == 1
    assert [d["form"] for d in _queue(client)] == []  # the consent was filed with it


def test_without_consent_the_refusal_offers_ways_out_and_anonymous_purges(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 without any consent
    WHEN it is approved THEN 422 consent_required with the ways out;
    WHEN registered anonymously THEN only year and kön are stored, and the form's fields
    and page image are gone."""
    upload(client, login(client, "forbund"), make_forms(tmp_path, consent=False))
    read_all(client)
    token = login(client, "granskare")
    document = _by_form(client, "9448")
    _claim(client, token, document)
    url = f"/api/documents/{document['id']}/decision"
    refused = client.post(url, json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "consent_required"
    assert [w["action"] for w in body["ways_out"]] == [
        "wait_consent", "anonymous", "send_back", "reject"]
    done = client.post(url, json={"action": "anonymous"}, headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["status"] == "anonymised"
    state = state_of(client)
    with state.store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
        assert session.scalar(select(func.count(Participation.id))) == 0
        row = session.get_one(Document, document["id"])
        assert row.fields is None and row.image is None
    assert list((state.settings.data_dir / "pages").glob("*.jpg")) == []
    assert client.get(f"/sida/{document['id']}.jpg").status_code == 404


def test_correcting_a_field_validates_and_clears_its_flag(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 WHEN the reviewer enters a startdatum as 'hej' THEN 422 with a
    Swedish message; WHEN as '3/11 2026' THEN it is stored as 2026-11-03, corrected."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    token = login(client, "granskare")
    document = _by_form(client, "9448")
    url = f"/api/documents/{document['id']}/fields"
    bad = client.put(url, json={"values": {"startdatum": "hej"}},
                     headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and "datum" in bad.json()["message"].lower()
    good = client.put(url, json={"values": {"startdatum": "3/11 2026"}},
                      headers={"X-CSRF-Token": token})
    assert good.status_code == 200
    field = next(f for f in good.json()["fields"] if f["name"] == "startdatum")
    assert field["value"] == "2026-11-03" and field["corrected"] and not field["flagged"]


def test_two_reviewers_never_work_on_one_document(client: TestClient, tmp_path: Path) -> None:
    """GIVEN admin has opened a document (claimed it)
    WHEN the granskare opens it too THEN it is refused, naming who has it."""
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    login(client, "admin")
    document = _by_form(client, "9448")
    assert client.get(f"/granska/{document['id']}").status_code == 200
    token = login(client, "granskare")
    response = client.post(f"/api/documents/{document['id']}/claim",
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 403 and "admin" in response.json()["message"]


def test_forbund_user_cannot_see_another_forbunds_document_by_guessing(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a document uploaded by Pyramis
    WHEN Göteborg's uploader asks for it, its page image or its batch by id
    THEN each is 404, as if it did not exist; their queue is empty."""
    batch = upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    ids = [d["id"] for d in client.get(f"/api/batches/{batch['id']}").json()["documents"]]
    login(client, "goteborg")
    for document_id in ids:
        assert client.get(f"/api/documents/{document_id}").status_code == 404
        assert client.get(f"/sida/{document_id}.jpg").status_code == 404
        assert client.get(f"/granska/{document_id}").status_code == 404
    assert client.get(f"/api/batches/{batch['id']}").status_code == 404
    assert _queue(client) == []


def test_granskare_of_another_insats_cannot_approve(client: TestClient, tmp_path: Path) -> None:
    upload(client, login(client, "forbund"), make_forms(tmp_path))
    read_all(client)
    login(client, "annan")
    assert _queue(client) == [] or all(d["form"] == "9443" for d in _queue(client))


def test_queue_is_ordered_by_sus_deadline(client: TestClient, tmp_path: Path) -> None:
    """GIVEN 9448s started at different dates WHEN the queue is listed
    THEN the earliest deadline comes first."""
    token = login(client, "forbund")
    for seed in (1, 2, 3):
        upload(client, token, make_forms(tmp_path / str(seed), consent=False, seed=seed))
    read_all(client)
    login(client, "granskare")
    deadlines = [d["deadline"] for d in _queue(client)]
    assert deadlines == sorted(deadlines) and len(deadlines) == 3


def test_uploader_may_only_upload_for_own_forbund(client: TestClient, tmp_path: Path) -> None:
    token = login(client, "forbund")
    with state_of(client).store.transaction() as session:
        from sus_store import list_forbund

        other = next(f.id for f in list_forbund(session) if f.name == OTHER_FORBUND)
    files = [("files", (p.name, p.read_bytes())) for p in make_forms(tmp_path)]
    response = client.post("/api/batches", files=files, data={"forbund_id": str(other)},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 403


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/batches" in paths and "/api/documents/{document_id}/decision" in paths
    assert OTHER_INSATS  # the fixture's second insats exists for the visibility tests


def test_misread_insats_is_preselected_from_sus_but_stays_flagged(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 whose insats reads 'Steg till arbcte' (one letter off)
    WHEN it is read
    THEN the insats 'Steg till arbete' is preselected, flagged, with what was read."""
    forms = make_forms(tmp_path, consent=False, written={"insats": "Steg till arbcte"})
    upload(client, login(client, "forbund"), forms)
    read_all(client)
    login(client, "granskare")
    document = _by_form(client, "9448")
    insats = next(f for f in document["fields"] if f["name"] == "insats")
    assert insats["value"] == INSATS and insats["flagged"]
    assert any("arbcte" in m for m in insats["messages"])
