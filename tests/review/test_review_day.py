"""Issue 15 (points 6, 8, 9): what trips a reviewer and an uploader up in a day's work,
through the service's pages and API — a send-back needs its reason and the uploader
reads it; deadlines stand out; messages say each thing once, in Swedish, naming
files and people rather than row numbers; a failed read is retried from its page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from intake.forms import load_form
from intake.review.deadlines import ForbundDeadlines
from intake.review.jobs import INTERNAL_FAILURE
from intake.review.schema import Document, Upload
from tests.review.conftest import (
    FORBUND,
    TODAY,
    login,
    make_forms,
    read_all,
    state_of,
    upload,
)
from tests.review.reads import ASA, Seen, add, forbund_id, new_batch, participant, read_form
from tests.sus_store.builders import KVINNA


def _claimed(client: TestClient, token: str, document_id: int) -> dict[str, str]:
    headers = {"X-CSRF-Token": token}
    response = client.post(f"/api/documents/{document_id}/claim", headers=headers)
    assert response.status_code == 200, response.text
    return headers


def _send_back(client: TestClient, document_id: int, reason: str) -> Any:
    headers = _claimed(client, login(client, "granskare"), document_id)
    return client.post(f"/api/documents/{document_id}/decision", headers=headers,
                       json={"action": "send_back", "reason": reason})


def test_send_back_without_a_reason_is_refused_and_the_document_stays_open(
        client: TestClient) -> None:
    """GIVEN a 9448 in the queue WHEN a granskare sends it back with an empty (blank)
    reason THEN that is refused in Swedish, and the document is still to be reviewed."""
    document = add(client, new_batch(client, forbund=forbund_id(client)), read_form("9448"))
    response = _send_back(client, document, "   ")
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"
    assert "Skriv varför" in response.json()["message"]
    assert Seen(client, document).status == "review"


def test_the_reason_a_document_was_sent_back_is_on_the_uploaders_batch_page(
        client: TestClient) -> None:
    """GIVEN a förbund's batch WHEN a granskare sends its 9448 back saying why
    THEN the förbund uploader's batch page shows that reason on the document's row."""
    batch = new_batch(client, forbund=forbund_id(client))
    document = add(client, batch, read_form("9448"))
    assert _send_back(client, document, "Sidan 2 saknas,  skanna om").status_code == 200
    login(client, "forbund")
    page = client.get(f"/batch/{batch}").text
    row = re.search(r'<tr class="returned">.*?</tr>', page, re.S)
    assert row and "Skickad tillbaka: Sidan 2 saknas, skanna om" in row.group(0)


def test_a_duplicate_upload_links_to_the_file_it_repeats(client: TestClient,
                                                         tmp_path: Path) -> None:
    """GIVEN a file uploaded once WHEN the same file is uploaded again in a new batch
    THEN the second batch's page names the first file and links to its batch, instead
    of a number shown nowhere ("uppladdning 13")."""
    token = login(client, "forbund")
    paths = make_forms(tmp_path, consent=False)
    first = upload(client, token, paths)
    second = upload(client, token, paths)
    page = client.get(f"/batch/{second['id']}").text
    assert f'<a href="/batch/{first["id"]}">{paths[0].name} i batch {first["id"]}</a>' in page
    assert "uppladdning" not in page.lower().replace("uppladdad", "")


def test_a_failed_read_is_read_again_from_the_batch_page(client: TestClient,
                                                          tmp_path: Path) -> None:
    """GIVEN an upload whose reading an internal error stopped (its file kept)
    WHEN the uploader presses "Läs filen igen" on the batch page
    THEN it is read again to the end and its document reaches the queue."""
    token = login(client, "forbund")
    batch = upload(client, token, make_forms(tmp_path, consent=False))
    upload_id = batch["uploads"][0]["id"]  # type: ignore[index]
    with state_of(client).store.transaction() as session:
        session.execute(update(Upload).where(Upload.id == upload_id).values(
            status="failed", message=INTERNAL_FAILURE, pages_total=1))
    page = client.get(f"/batch/{batch['id']}").text
    action = f"/batch/{batch['id']}/uppladdning/{upload_id}/las-om"
    assert f'action="{action}"' in page and "Läs filen igen" in page
    response = client.post(action, data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/batch/{batch['id']}"
    read_all(client)
    detail = client.get(f"/api/batches/{batch['id']}").json()
    assert detail["uploads"][0]["status"] == "done"
    assert [d["form"] for d in detail["documents"]] == ["9448"]


def test_another_forbunds_upload_cannot_be_read_again(client: TestClient,
                                                       tmp_path: Path) -> None:
    """GIVEN Pyramis' failed upload WHEN Göteborg's uploader asks to read it again
    THEN it is not found for them (an id guessed is not a way in)."""
    token = login(client, "forbund")
    batch = upload(client, token, make_forms(tmp_path, consent=False))
    upload_id = batch["uploads"][0]["id"]  # type: ignore[index]
    other = login(client, "goteborg")
    response = client.post(f"/batch/{batch['id']}/uppladdning/{upload_id}/las-om",
                           data={"csrf": other}, follow_redirects=False)
    assert response.status_code == 404


def test_overdue_and_due_soon_documents_stand_out_with_counts_per_forbund(
        client: TestClient) -> None:
    """GIVEN three 9448 in Pyramis' queue: three days overdue, due in two days, due in
    a month WHEN the granskare opens the queue and the overview
    THEN the overdue one is marked "försenad 3 dagar", the next "senast om 2 dagar", the
    last plain; the overview counts 1 overdue and 1 due soon of 3 for Pyramis."""
    batch = new_batch(client, forbund=forbund_id(client))
    ids = [add(client, batch, read_form("9448")) for _ in range(3)]
    with state_of(client).store.transaction() as session:
        for document_id, days in zip(ids, (-3, 2, 30), strict=True):
            session.execute(update(Document).where(Document.id == document_id)
                            .values(deadline=TODAY + timedelta(days=days)))
    login(client, "granskare")
    queue = client.get("/ko").text
    rows = {int(m.group(2)): m.group(1) for m in re.finditer(
        r'<tr( class="[^"]*")?>\s*<td><a href="/granska/(\d+)"', queue)}
    assert rows == {ids[0]: ' class="due-late"', ids[1]: ' class="due-soon"', ids[2]: None}
    assert "försenad 3 dagar" in queue and "senast om 2 dagar" in queue
    overview = client.get("/")
    assert overview.context["deadlines"] == [  # type: ignore[attr-defined]
        ForbundDeadlines(forbund=FORBUND, overdue=1, soon=1, waiting=3)]
    assert 'id="deadlines"' in overview.text


def test_a_field_says_each_thing_once_and_never_both_missing_and_unreadable(
        client: TestClient) -> None:
    """GIVEN Diariet's 9443 whose ort the reader found missing and whose date does not
    exist WHEN its fields are shown
    THEN ort says "Ort saknas" once (not "Ort saknas. · Ort saknas"), datum says only
    why it is empty ("Datumet finns inte", not also "Datum saknas."), and the two
    fields of "Ort och datum" have labels of their own."""
    batch = new_batch(client, forbund=None, by="diariet")
    document = add(client, batch, read_form(
        "9443", ort=(None, 0.0, "Ort saknas"), datum=(None, 0.0, "Datumet finns inte"),
        namnfortydligande=ASA, personnummer=KVINNA))
    login(client, "diariet")
    fields = {f["name"]: f for f in client.get(f"/api/documents/{document}").json()["fields"]}
    assert fields["ort"]["messages"] == ["Ort saknas"]
    assert fields["datum"]["messages"] == ["Datumet finns inte"]
    assert fields["ort"]["label"] != fields["datum"]["label"]
    assert "Ort och datum" in fields["ort"]["label"] and fields["datum"]["label"].startswith(
        "Datum")


def test_an_automatically_filed_consent_names_the_person_not_a_row_number(
        client: TestClient) -> None:
    """GIVEN Åsa's participation waiting for its consent WHEN her signed 9443 is read
    cleanly and filed automatically THEN the outcome Diariet reads names her (masked
    personnummer and name) and the insats, not "deltagande 49"."""
    participant(client, KVINNA, pending=True)
    batch = new_batch(client, forbund=None, by="diariet")
    seen = Seen(client, add(client, batch, read_form(
        "9443", personnummer=KVINNA, namnfortydligande=ASA)))
    assert seen.status == "approved"
    outcome = seen.outcome or ""
    assert outcome.startswith(f"Kopplat automatiskt till {KVINNA[:8]}-**** {ASA}")
    assert "Steg till arbete" in outcome
    assert not re.search(r"deltagande \d", outcome)


def test_an_automatically_filed_consent_reopens_decided_automatically_not_by_nobody(
        client: TestClient) -> None:
    """GIVEN Åsa's signed 9443 read cleanly and filed on reading (no person decided it)
    WHEN Diariet opens it afterwards
    THEN the read-only view says it was approved automatically as it was read, and when,
    instead of "Godkänd" by no one."""
    participant(client, KVINNA, pending=True)
    document = add(client, new_batch(client, forbund=None, by="diariet"), read_form(
        "9443", personnummer=KVINNA, namnfortydligande=ASA))
    login(client, "diariet")
    response = client.get(f"/granska/{document}")
    shown = response.context["document"]  # type: ignore[attr-defined]
    assert shown.status == "approved" and shown.decided_at is not None
    assert shown.decided_by_text == "automatiskt när blanketten lästes"
    assert "Godkänd</strong> <span id=\"decided-by\">automatiskt när blanketten lästes" in (
        response.text)


def test_a_form_decided_with_another_names_that_document(client: TestClient) -> None:
    """GIVEN a 9448 and the person's unsigned 9443 in one batch
    WHEN the granskare registers the 9448 anonymously (the 9443 goes with it)
    THEN the 9443's read-only view says it was anonymised automatically with that 9448,
    linked, and when; the 9448 says who decided it."""
    batch = new_batch(client, forbund=forbund_id(client))
    registration = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    consent = add(client, batch, read_form(
        "9443", personnummer=KVINNA, namnfortydligande=ASA, underskrift=False))
    headers = _claimed(client, login(client, "granskare"), registration)
    decided = client.post(f"/api/documents/{registration}/decision", headers=headers,
                          json={"action": "anonymous"})
    assert decided.status_code == 200, decided.text
    login(client, "admin")
    response = client.get(f"/granska/{consent}")
    shown = response.context["document"]  # type: ignore[attr-defined]
    assert (shown.status, shown.decided_with) == ("anonymised", registration)
    assert shown.decided_by_text == f"automatiskt med dokument {registration}"
    assert shown.decided_at is not None
    assert f'automatiskt med <a href="/granska/{registration}">dokument {registration}</a>' in (
        response.text)
    first = client.get(f"/granska/{registration}").context["document"]  # type: ignore[attr-defined]
    assert first.decided_by_text == "av granskare"


def test_the_queue_counts_each_documents_flagged_fields(client: TestClient) -> None:
    """GIVEN two 9448 in the queue, one read sure of every field and one whose
    startdatum was hardly read WHEN the granskare opens the queue THEN each row shows
    how many of its fields are flagged, the doubted one's startdatum among them."""
    batch = new_batch(client, forbund=forbund_id(client))
    clean = add(client, batch, read_form("9448"))
    doubted = add(client, batch, read_form("9448", startdatum=(TODAY, 0.2)))
    login(client, "granskare")
    queue = client.get("/ko").text
    flagged = {int(m.group(1)): int(m.group(2)) for m in re.finditer(
        r'<a href="/granska/(\d+)">.*?<td class="num">(\d+)</td>', queue, re.S)}
    names = [field.name for field in load_form("9448").fields]
    assert flagged == {d: sum(Seen(client, d).flagged(n) for n in names)
                       for d in (clean, doubted)}
    assert Seen(client, doubted).flagged("startdatum")
    assert flagged[doubted] == flagged[clean] + 1
