"""Issue 15 (points 3, 6, 8, 9, 11) in real Chromium: the consent desk naming the person;
the send-back dialog by keyboard and its reason on the uploader's batch page; deadlines
standing out in the queue and on the overview; the scan zoomed and panned by keyboard;
the heading in view when the focus lands on Godkänn; the header naming the user; the
admin's dates as ÅÅÅÅ-MM-DD.

Documents are put in the queue the way the worker adds a read page (no OCR here);
screenshots go to out/screenshots/review-day/."""

# The fixtures server and page are test_browser's, imported: their names as parameters
# are the point, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from intake.review.clock import now
from intake.review.jobs import add_document
from intake.review.schema import Batch, Document, Upload
from intake.samples.make import blank_image
from sus_store import file_consent, list_forbund, register_in
from tests.review.conftest import FORBUND, TODAY
from tests.review.reads import ASA, read_form
from tests.review.test_browser import (  # noqa: F401 (the fixtures)
    SCREENSHOTS,
    _login,
    _logout,
    page,
    server,
)
from tests.sus_store.builders import KVINNA, consent, inregistrering

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "review-day"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _jpeg(form: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(blank_image(form)).convert("L").save(out, "JPEG", quality=70)
    return out.getvalue()


def _queued(app: Any, form: str = "9448", *, count: int = 1, image: bool = True,
            **read: Any) -> tuple[int, list[int]]:
    """A Pyramis batch (uploaded by "forbund") with ``count`` read ``form`` documents,
    each with the blank form's page image; the batch id and the documents' ids."""
    state = app.state.service
    scan = _jpeg(form) if image else None
    with state.store.transaction() as session:
        forbund = next(f.id for f in list_forbund(session) if f.name == FORBUND)
        batch = Batch(forbund_id=forbund, uploaded_by="forbund", created_at=now())
        session.add(batch)
        session.flush()
        ids = []
        for number in range(count):
            data = f"%PDF-1.4 page {batch.id}-{number}".encode()
            upload = Upload(batch_id=batch.id, filename=f"skanning-{number + 1}.pdf",
                            sha256=state.files.put_upload(data), size=len(data),
                            status="processing", pages_total=1, created_at=now())
            session.add(upload)
            session.flush()
            person = {"personnummer": KVINNA, "namn": ASA} if form == "9448" else {}
            add_document(session, state, upload, read_form(form, **{**person, **read}), scan)
            ids.append(session.scalars(select(Document.id).where(
                Document.upload_id == upload.id)).one())
        return batch.id, ids


def test_send_back_is_an_in_page_dialog_with_a_required_reason(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a 9448 in the queue
    WHEN the granskare tabs to "Skicka tillbaka", presses Enter, presses Enter again
    with no reason, then types one and presses Enter
    THEN no browser prompt appears, the empty reason is refused in the dialog, the
    document is sent back, and the förbund uploader reads the reason on the batch page."""
    base, app = server
    batch, (document,) = _queued(app)
    prompts: list[str] = []
    page.on("dialog", lambda d: (prompts.append(d.message), d.dismiss()))
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/{document}")
    page.wait_for_selector("#review")
    assert page.evaluate("document.activeElement.id") == "approve"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "send-back"
    page.keyboard.press("Enter")
    page.wait_for_selector("#send-back-dialog[open]")
    assert page.evaluate("document.activeElement.id") == "send-back-reason"
    page.keyboard.press("Enter")
    assert "Skriv varför" in page.inner_text("#send-back-error")
    assert page.is_visible("#send-back-dialog[open]")
    page.keyboard.type("Sidan 2 saknas, skanna om hela blanketten")
    _shot(page, "1-send-back-dialog")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ko")
    assert prompts == []
    with app.state.service.store.transaction() as session:
        row = session.get_one(Document, document)
        assert (row.status, row.outcome) == (
            "returned", "Skickad tillbaka: Sidan 2 saknas, skanna om hela blanketten")
    _logout(page)
    _login(page, base, "forbund")
    page.goto(f"{base}/batch/{batch}")
    returned = page.locator("#documents tr.returned")
    assert "Skickad tillbaka: Sidan 2 saknas, skanna om hela blanketten" in returned.inner_text()
    _shot(page, "2-batch-sent-back")


def test_escape_closes_the_send_back_dialog_and_nothing_is_decided(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN the send-back dialog open WHEN the granskare presses Esc
    THEN it closes, the focus is back on "Skicka tillbaka", and the document is open."""
    base, app = server
    _, (document,) = _queued(app)
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/{document}")
    page.wait_for_selector("#review")
    page.focus("#send-back")
    page.keyboard.press("Enter")
    page.wait_for_selector("#send-back-dialog[open]")
    page.keyboard.type("1")  # a digit typed here is text, not a way out of a refusal
    page.keyboard.press("Escape")
    page.wait_for_selector("#send-back-dialog:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "send-back"
    with app.state.service.store.transaction() as session:
        assert session.get_one(Document, document).status == "review"


def test_overdue_and_due_soon_stand_out_in_the_queue_and_on_the_overview(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN three 9448: overdue, due in two days, due in a month
    WHEN the granskare opens the queue and the overview
    THEN the overdue row is marked red and says so, the next amber, the last plain;
    the overview counts them for Pyramis."""
    base, app = server
    _, ids = _queued(app, count=3, image=False)
    with app.state.service.store.transaction() as session:
        for document, days in zip(ids, (-3, 2, 30), strict=True):
            session.execute(update(Document).where(Document.id == document)
                            .values(deadline=TODAY + timedelta(days=days)))
    _login(page, base, "granskare")
    page.goto(f"{base}/ko")
    late = page.locator("#queue tr.due-late")
    soon = page.locator("#queue tr.due-soon")
    assert late.count() == 1 and "försenad 3 dagar" in late.inner_text()
    assert soon.count() == 1 and "senast om 2 dagar" in soon.inner_text()
    plain = page.locator("#queue tbody tr:not(.due-late):not(.due-soon) .badge")
    colours = {name: locator.evaluate("e => getComputedStyle(e).backgroundColor")
               for name, locator in (("late", late.locator(".badge")),
                                     ("soon", soon.locator(".badge")), ("plain", plain))}
    assert len(set(colours.values())) == 3, colours
    _shot(page, "3-queue-deadlines")
    page.goto(f"{base}/")
    row = page.locator("#deadlines tbody tr", has_text=FORBUND)
    assert re.sub(r"\s+", " ", row.inner_text()).strip() == f"{FORBUND} 1 1 3"
    _shot(page, "4-overview-deadlines")


def test_the_scan_zooms_and_pans_by_keyboard(server: tuple[str, Any], page: Any) -> None:
    """GIVEN a 9448 with its scan WHEN the granskare focuses the scan and presses +
    twice, then → and ↓, then 0
    THEN the scan is shown 225 % large and moves, and 0 shows the whole page again;
    the boxes of the fields follow the scan."""
    base, app = server
    _, (document,) = _queued(app)
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/{document}")
    page.wait_for_selector("#page-image")
    page.wait_for_function("document.getElementById('page-image').complete")
    before, start = (page.locator("#page-image").bounding_box(),
                     page.locator("#page").bounding_box())
    page.focus("#page")
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert page.get_attribute("#page", "data-zoom") == "2.250"
    assert page.inner_text("#zoom-level") == "225 %"
    zoomed = page.locator("#page-image").bounding_box()
    assert zoomed["width"] == pytest.approx(before["width"] * 2.25, rel=0.01)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    moved = page.locator("#page-image").bounding_box()
    assert moved["x"] < zoomed["x"] and moved["y"] < zoomed["y"]
    box = page.locator(".page .box >> nth=0").bounding_box()
    assert box["width"] > 0
    _shot(page, "5-scan-zoomed")
    assert page.evaluate("document.activeElement.id") == "page"  # Alt-free keys stay here
    page.keyboard.press("0")
    assert page.get_attribute("#page", "data-zoom") == "1.000"
    after, frame = page.locator("#page-image").bounding_box(), page.locator("#page").bounding_box()
    assert after["width"] == pytest.approx(before["width"])
    assert (after["x"] - frame["x"], after["y"] - frame["y"]) == pytest.approx(
        (before["x"] - start["x"], before["y"] - start["y"]))


def test_the_heading_stays_in_view_when_the_focus_lands_on_approve(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a clean 9448 (every field sure) WHEN the granskare opens it and the focus
    lands on Godkänn THEN the page's heading and the button are both in the window."""
    base, app = server
    _, (document,) = _queued(app)
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/{document}")
    page.wait_for_selector("#review")
    assert page.evaluate("document.activeElement.id") == "approve"
    height = page.evaluate("window.innerHeight")
    heading = page.locator("main h1").bounding_box()
    approve = page.locator("#approve").bounding_box()
    assert heading["y"] >= 0 and heading["y"] + heading["height"] <= height
    assert approve["y"] >= 0 and approve["y"] + approve["height"] <= height
    _shot(page, "6-review-approve-focused")


def test_the_header_names_the_user_and_admin_dates_are_swedish(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN the admin WHEN any page is open THEN the header says who is logged in;
    the admin page's dates are written ÅÅÅÅ-MM-DD whatever the browser's language, and
    a förbund added with such a date is there."""
    base, app = server
    _login(page, base, "admin")
    who = re.sub(r"\s+", " ", page.inner_text("#who"))
    assert who == "Inloggad som Admin (admin · Administratör)"
    page.goto(f"{base}/admin")
    dates = page.locator("input.date")
    assert dates.count() == 4
    for index in range(4):
        field = dates.nth(index)
        assert field.get_attribute("type") in (None, "text")
        assert field.get_attribute("placeholder") == "ÅÅÅÅ-MM-DD"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.input_value("input[name=valid_until]"))
    page.fill("#add-forbund input[name=name]", "Finsam Testköping")
    page.fill("#add-forbund input[name=startdatum]", "2026-12-01")
    _shot(page, "7-admin-dates")
    page.click("#add-forbund button[type=submit]")
    page.wait_for_load_state()
    with app.state.service.store.transaction() as session:
        assert "Finsam Testköping" in {f.name for f in list_forbund(session)}


def _mailed_consent(app: Any, **read: Any) -> int:
    """A 9443 from Diariet's mail, read as ``read`` says, added as the worker adds a read
    page (with the blank form's image); its document's id."""
    state = app.state.service
    with state.store.transaction() as session:
        batch = Batch(forbund_id=None, uploaded_by="diariet", created_at=now())
        session.add(batch)
        session.flush()
        data = f"%PDF-1.4 a mailed consent {batch.id}".encode()
        upload = Upload(batch_id=batch.id, filename="samtycke.pdf",
                        sha256=state.files.put_upload(data), size=len(data),
                        status="processing", pages_total=1, created_at=now())
        session.add(upload)
        session.flush()
        add_document(session, state, upload, read_form("9443", **read), _jpeg("9443"))
        return session.scalars(select(Document.id).where(
            Document.upload_id == upload.id)).one()


def test_a_retry_button_and_a_duplicate_link_on_the_batch_page(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a batch with a failed upload and a duplicate of another batch's file
    WHEN the uploader opens it THEN the failed one offers "Läs filen igen" and the
    duplicate links to the batch holding the first copy."""
    base, app = server
    first, _ = _queued(app, image=False)
    second, _ = _queued(app, image=False)
    state = app.state.service
    with state.store.transaction() as session:
        uploads = session.scalars(select(Upload).where(Upload.batch_id.in_((first, second)))
                                  .order_by(Upload.id)).all()
        uploads[1].status, uploads[1].message = "failed", "skanning-1.pdf: filen är tom."
        session.add(Upload(batch_id=second, filename="kopia.pdf", sha256=uploads[0].sha256,
                           size=1, scope=0, status="duplicate", duplicate_of=uploads[0].id,
                           message=f"Samma fil som uppladdning {uploads[0].id}; läses inte igen.",
                           created_at=now()))
    _login(page, base, "forbund")
    page.goto(f"{base}/batch/{second}")
    assert page.is_visible("text=Läs filen igen")
    link = page.locator(f'#uploads a[href="/batch/{first}"]')
    assert link.inner_text() == f"skanning-1.pdf i batch {first}"
    _shot(page, "8-batch-retry-duplicate")


def test_the_consent_desk_names_the_person_beside_the_masked_personnummer(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a mailed consent waiting for Åsa's pending participation
    WHEN Diariet opens the consent desk
    THEN her row shows her name beside the masked personnummer (never the whole number),
    with the participation to link it to."""
    base, app = server
    with app.state.service.store.transaction() as session:
        file_consent(session, consent(KVINNA), actor="diariet", today=TODAY)
        register_in(session, inregistrering(KVINNA), hold_for_consent=True,
                    actor="granskare", today=TODAY)
    _login(page, base, "diariet")
    page.goto(f"{base}/samtycken")
    person = page.inner_text("#consents tbody tr >> nth=0 >> td.person")
    assert person == f"{KVINNA[:8]}-**** {ASA}"
    assert KVINNA not in page.content()
    _shot(page, "9-consent-desk-name")


def test_a_consent_filed_on_reading_reopens_decided_automatically(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN Åsa's pending participation and her signed 9443, read cleanly from Diariet's
    mail and so filed on reading
    WHEN Diariet opens that document
    THEN it is read-only and says it was approved automatically as it was read, and when
    — not "Godkänd" by no one."""
    base, app = server
    with app.state.service.store.transaction() as session:
        register_in(session, inregistrering(KVINNA), hold_for_consent=True,
                    actor="granskare", today=TODAY)
    document = _mailed_consent(app, personnummer=KVINNA, namnfortydligande=ASA)
    _login(page, base, "diariet")
    page.goto(f"{base}/granska/{document}")
    decided = page.inner_text("#decided")
    assert re.search(r"Godkänd automatiskt när blanketten lästes den \d{4}-\d\d-\d\d kl\.",
                     decided), decided
    assert page.locator("#approve").count() == 0
    _shot(page, "10-decided-automatically")


def test_a_field_says_each_thing_once_on_the_review_page(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN Diariet's 9443 whose ort was found missing and whose date does not exist
    WHEN Diariet opens it THEN Ort says "Ort saknas" once, Datum says only "Datumet finns
    inte" (not also "Datum saknas"), and the two fields of "Ort och datum" are labelled
    apart (issue 15.9)."""
    base, app = server
    document = _mailed_consent(
        app, ort=(None, 0.0, "Ort saknas"), datum=(None, 0.0, "Datumet finns inte"),
        namnfortydligande=ASA, personnummer=KVINNA)
    _login(page, base, "diariet")
    page.goto(f"{base}/granska/{document}")
    page.wait_for_selector("#review")
    ort = page.inner_text("#field-ort .msg")
    datum = page.inner_text("#field-datum .msg")
    assert ort == "Ort saknas"
    assert datum == "Datumet finns inte"
    labels = (page.inner_text("#field-ort .label"), page.inner_text("#field-datum .label"))
    assert labels[0] != labels[1] and labels[1].startswith("Datum")
    _shot(page, "13-each-thing-once")
