"""A form going on to page 2 on the review page, in a real browser (issue 17): both
pages' images are shown, each field's box drawn on its own page and its snippet cut
from that page's image.

Run: ``.venv/bin/pytest -m browser tests/review/test_browser_form_pages.py``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from intake.forms.store import TemplateStore
from intake.review import jobs
from intake.review.clock import now
from intake.review.schema import Batch, Document, Upload
from sus_store import list_forbund
from tests.review import test_browser
from tests.review.conftest import FORBUND
from tests.review.test_browser import _login
from tests.review.test_form_pages import two_page_template, two_pages_read

page = test_browser.page  # the Chromium page fixture (CSP refusals fail the test)
server = test_browser.server  # the service, started after the browser

pytestmark = [pytest.mark.browser]


def _two_page_document(app: Any) -> int:
    """A förbund's upload of the two-page 9443 (fields on page 2) read and joined, as
    the page jobs leave it; its document's id."""
    state = app.state.service
    pages = two_pages_read(state.reader, two_page_template(
        TemplateStore(state.settings.template_dir())))
    with state.store.transaction() as session:
        forbund = next(f.id for f in list_forbund(session) if f.name == FORBUND)
        batch = Batch(forbund_id=forbund, uploaded_by="forbund", created_at=now())
        session.add(batch)
        session.flush()
        scan = b"%PDF-1.4 two scanned pages"
        upload = Upload(batch_id=batch.id, filename="skanning.pdf",
                        sha256=state.files.put_upload(scan), size=len(scan),
                        status="processing", pages_total=2, created_at=now())
        session.add(upload)
        session.flush()
        upload_id = upload.id
    for number in (2, 1):
        jobs.store_page(state, upload_id, number, pages[number])
    with state.store.transaction() as session:
        document_id: int = session.scalars(select(Document.id).where(
            Document.upload_id == upload_id, Document.page == 1)).one()
        return document_id


def test_a_two_page_forms_fields_show_their_snippets_from_their_own_page(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a 9443 whose personnummer is on page 1 and whose name is on page 2, read as
    one document WHEN a granskare opens it THEN both pages' images load, the name's box
    is drawn over page 2 and the personnummer's over page 1, and each field's snippet
    is cut from its own page's image."""
    base, app = server
    document_id = _two_page_document(app)
    _login(page, base, "granskare")

    page.goto(f"{base}/granska/{document_id}")
    page.wait_for_function("Array.from(document.querySelectorAll('img.page-image'))"
                           ".every((i) => i.complete && i.naturalWidth > 0)")

    assert page.locator("img.page-image").count() == 2
    assert page.locator('.leaf[data-sida="2"] .box[data-field="namnfortydligande"]').count() == 1
    assert page.locator('.leaf[data-sida="1"] .box[data-field="personnummer"]').count() == 1
    snippet = "(n) => document.querySelector('#field-' + n + ' .snippet').style.backgroundImage"
    assert "sida=2" in page.evaluate(snippet, "namnfortydligande")
    assert "sida=2" not in page.evaluate(snippet, "personnummer")
    assert f"/sida/{document_id}.jpg" in page.evaluate(snippet, "personnummer")
