"""A learned form of two pages whose fields go on to page 2, in the service (issue 17):
its pages, read by separate page jobs in any order, become one document read from
both pages together; the review page shows each field's snippet on its own page;
deciding it forgets both pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from intake.forms import form_layout
from intake.forms.model import Rect
from intake.forms.store import StoredTemplate, TemplateStore
from intake.forms.template import Candidate, MatchState
from intake.mapping.document import empty_document
from intake.mapping.pages import MISSING_PAGE
from intake.pipeline import Reader
from intake.reads import PageReads, TextRead, TickRead
from intake.review import jobs
from intake.review.reading import ReadPage
from intake.review.schema import Document, Upload
from intake.samples.other_layout import information_page
from sus_store import read_consent_scan
from tests.review.conftest import login, state_of
from tests.review.hostile import blank_pdf_pages
from tests.review.test_jobs import upload
from tests.test_pipeline_templates import keep_active

#: the fields of the learned FK 9443 that go on to its page 2
ON_PAGE_2 = ("underskrift", "ort_och_datum", "namnfortydligande")


def two_page_template(store: TemplateStore, *, active: bool = True,
                      page_2: tuple[float, float] | None = None) -> StoredTemplate:
    """The built-in FK 9443 as a learned template of two pages, its signature, place
    and date and name on page 2 (where they were on page 1); ``page_2``: that page's
    size (mm) when it is not A4. A draft (not ``active``) has the name's box missing,
    with two candidates."""
    blank = np.full((2339, 1654, 3), 255, np.uint8)
    stored = keep_active(store, "9443", form_layout("9443"), blank,
                         later=(information_page("9443"),))
    store.deactivate(stored.id)
    template = stored.template
    for name in ON_PAGE_2:
        rect = template.widget(name).rect
        assert rect is not None
        template = template.with_box(name, rect, page=2)
    if page_2 is not None:
        width, height = page_2
        template = template.model_copy(update={"more_pages": (template.page(2).model_copy(
            update={"page_width_mm": width, "page_height_mm": height}),)})
    if not active:
        template = template.model_copy(update={"widgets": tuple(
            w.model_copy(update={"rect": None, "state": MatchState.MISSING,
                                 "candidates": CANDIDATES})
            if w.name == "namnfortydligande" else w for w in template.widgets)})
    store.update(stored.id, template)
    return store.activate(stored.id) if active else store.get(stored.id)


#: where the draft's page-2 name box could be
CANDIDATES = (Candidate(rect=Rect(x=95.0, y=175.5, w=98.5, h=12.0), score=0.6),
              Candidate(rect=Rect(x=15.0, y=175.5, w=78.5, h=12.0), score=0.5))


def _template(client: TestClient) -> StoredTemplate:
    return two_page_template(TemplateStore(state_of(client).settings.template_dir()))


def _jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 56), shade).save(out, "JPEG")
    return out.getvalue()


def _page(reader: Reader, stored: StoredTemplate, template_page: int, number: int,
          **reads: Any) -> ReadPage:
    """Upload page ``number`` as ``reader`` reads page ``template_page`` of ``stored``:
    its document and, as the reads it is made of, its part."""
    part = PageReads(form="9443", template=stored.ref.model_copy(
        update={"page": template_page}), **reads)
    document = reader.of_parts("batch.pdf", [number], [part])
    return ReadPage(document=document, image=_jpeg(40 * number))


def two_pages_read(reader: Reader, stored: StoredTemplate) -> dict[int, ReadPage]:
    """The two pages of a consent on ``stored`` (:func:`two_page_template`) as read:
    the personnummer on page 1; the signature, place and date and name on page 2."""
    sure = 0.99
    return {1: _page(reader, stored, 1, 1,
                     texts={"personnummer": TextRead(text="198112189876", confidence=sure)}),
            2: _page(reader, stored, 2, 2,
                     texts={"ort_och_datum": TextRead(text="Uppsala 2026-11-02",
                                                      confidence=sure),
                            "namnfortydligande": TextRead(text="Åsa Öberg", confidence=sure)},
                     signature=TickRead(ink=0.3, state="ticked", confidence=sure))}


def _two_pages(client: TestClient, stored: StoredTemplate) -> dict[int, ReadPage]:
    return two_pages_read(state_of(client).reader, stored)


def _read(client: TestClient, order: tuple[int, ...], *, blank_after: bool = False
          ) -> tuple[int, int]:
    """A two-page upload (three with a blank page after) whose page jobs finish in
    ``order``, page 2's job run again; the ids of its page 1's and page 2's rows."""
    state = state_of(client)
    pages = _two_pages(client, _template(client))
    if blank_after:
        pages[3] = ReadPage(document=empty_document("batch.pdf", 3, "blank"), image=None)
    upload_id = upload(client, blank_pdf_pages(len(pages)))
    jobs.list_upload(state, upload_id)
    for number in order:
        assert jobs.store_page(state, upload_id, number, pages[number])
    assert not jobs.store_page(state, upload_id, 2, pages[2])
    with state.store.transaction() as session:
        assert session.get_one(Upload, upload_id).status == "done"
        first, second = session.scalars(select(Document.id).where(
            Document.upload_id == upload_id).order_by(Document.page)).all()[:2]
    return first, second


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_a_later_page_with_fields_joins_its_forms_document_whatever_order_pages_finish(
        client: TestClient, order: tuple[int, int]) -> None:
    """GIVEN a two-page upload of a learned FK 9443 whose signature, place, date and
    name are on page 2 WHEN its page jobs finish in either order (page 2's run again)
    THEN one document to review holds pages 1 and 2 with the fields of both pages read
    right, none missing; page 2 is no document of its own and keeps nothing read."""
    first_id, second_id = _read(client, order)

    with state_of(client).store.transaction() as session:
        first, second = session.get_one(Document, first_id), session.get_one(Document, second_id)
        assert (first.pages, first.status, second.status) == ([1, 2], "review", "info")
        values = {name: field["value"] for name, field in (first.fields or {}).items()}
        assert values == {"personnummer": "198112189876", "underskrift": True,
                          "ort": "Uppsala", "datum": "2026-11-02",
                          "namnfortydligande": "Åsa Öberg"}
        assert MISSING_PAGE not in first.problems.values()
        assert first.reads is None and second.reads is None
        assert second.fields is None and second.outcome == "Sida 2 av blanketten på sida 1."


def test_a_later_pages_fields_show_their_snippets_on_their_own_page(
        client: TestClient) -> None:
    """GIVEN that document WHEN a granskare opens it THEN the review page shows both
    pages' images, page 1's fields boxed on page 1 and page 2's on page 2; each page's
    image is served."""
    first_id, _ = _read(client, (2, 1))
    login(client, "granskare")

    page = client.get(f"/granska/{first_id}")
    document = page.context["document"]  # type: ignore[attr-defined]
    on = {f.name: {b.page for b in f.boxes} for f in document.fields}
    assert document.images == [1, 2]
    assert on["personnummer"] == {1}
    assert on["namnfortydligande"] == on["underskrift"] == {2}
    assert f'src="/sida/{first_id}.jpg?sida=2"' in page.text
    images = [client.get(f"/sida/{first_id}.jpg", params={"sida": n}) for n in (1, 2, 3)]
    assert [r.status_code for r in images] == [200, 200, 404]
    assert images[0].content == _jpeg(40) and images[1].content == _jpeg(80)


def test_rejecting_a_two_page_document_forgets_both_pages(client: TestClient) -> None:
    """GIVEN that document WHEN a granskare rejects it (a felregistrering) THEN it is
    decided, and what was read and the images of both its pages are gone."""
    first_id, second_id = _read(client, (1, 2))
    token = login(client, "granskare")
    headers = {"X-CSRF-Token": token}
    assert client.post(f"/api/documents/{first_id}/claim", headers=headers).status_code == 200

    response = client.post(f"/api/documents/{first_id}/decision", headers=headers,
                           json={"action": "reject", "reason": "Felregistrering."})

    assert response.status_code == 200, response.text
    with state_of(client).store.transaction() as session:
        first, second = session.get_one(Document, first_id), session.get_one(Document, second_id)
        assert first.status == "rejected"
        assert (first.image, second.image, first.fields, second.fields) == (None,) * 4
    assert client.get(f"/sida/{first_id}.jpg", params={"sida": 2}).status_code == 404


def test_approving_a_two_page_consent_archives_both_its_pages(client: TestClient) -> None:
    """GIVEN that consent, in an upload with a blank page after it WHEN a granskare
    approves it THEN it is archived with a scan of both its pages (one PDF of two pages:
    page 2 has the signature), not page 1 alone."""
    from pypdf import PdfReader

    first_id, _ = _read(client, (1, 3, 2), blank_after=True)
    headers = {"X-CSRF-Token": login(client, "granskare")}
    assert client.post(f"/api/documents/{first_id}/claim", headers=headers).status_code == 200

    response = client.post(f"/api/documents/{first_id}/decision", headers=headers,
                           json={"action": "approve"})

    assert response.status_code == 200, response.text
    with state_of(client).store.transaction() as session:
        consent_id = session.get_one(Document, first_id).store_ref
        assert consent_id is not None
        scan = read_consent_scan(session, consent_id, actor="test")
    assert len(PdfReader(io.BytesIO(scan)).pages) == 2


# --- the admin editor: a box on page 2 ------------------------------------------------


def test_the_admin_fixes_a_box_on_page_2_within_page_2(client: TestClient) -> None:
    """GIVEN a draft two-page 9443 template whose page 2 is A5 (148 × 210 mm) and whose
    name box on page 2 was not found WHEN the admin opens it, saves a box below page 2's
    bottom, then the second candidate THEN the page shows that widget on page 2's sheet
    with its candidates; the box out of page 2 is refused in Swedish naming page 2's
    size; the candidate is saved on page 2 ("rättad") and the draft can be activated."""
    store = TemplateStore(state_of(client).settings.template_dir())
    stored = two_page_template(store, active=False, page_2=(148.0, 210.0))
    token = login(client, "admin")

    page = client.get(f"/mallar/{stored.id}")
    widget = next(w for w in page.context["widgets"]  # type: ignore[attr-defined]
                  if w.name == "namnfortydligande")
    assert (widget.page, widget.state, len(widget.candidates)) == (2, "missing", 2)
    assert 'id="sheet-2" data-page="2" data-width="148.0" data-height="210.0"' in page.text
    assert 'data-name="namnfortydligande" data-state="missing" data-page="2"' in page.text

    box = f"/api/templates/{stored.id}/widgets/namnfortydligande"
    headers = {"X-CSRF-Token": token}
    below = client.put(box, json={"x": 15, "y": 220, "w": 78.5, "h": 12}, headers=headers)
    assert below.status_code == 422 and "inom sidan (148 × 210 mm)" in below.json()["message"]
    chosen = CANDIDATES[1].rect
    saved = client.put(box, json=chosen.model_dump(), headers=headers)

    assert saved.status_code == 200, saved.text
    assert saved.json()["ready"] is True
    assert (saved.json()["widget"]["page"], saved.json()["widget"]["state_name"]) == (
        2, "rättad")
    fixed = store.get(stored.id).template.widget("namnfortydligande")
    assert (fixed.page, fixed.rect) == (2, chosen)
    assert client.post(f"/mallar/{stored.id}/aktivera", data={"csrf": token},
                       follow_redirects=False).status_code == 303


# --- read from scans: the other print with its form going on to page 2 -----------------


def _keep_split_layout(store: TemplateStore, form_id: str) -> StoredTemplate:
    """The split variant of the other print (``split_layout_pages``) as an active
    template: page 1's widgets, and page 2's on page 2 over its printed text."""
    from intake.forms.template import Anchor, TemplateWidget
    from intake.samples.other_layout import draw, split_layout_pages
    from tests.test_pipeline_templates import REFERENCE_DPI

    first, second = split_layout_pages(form_id)
    stored = keep_active(store, form_id, first, draw(first, REFERENCE_DPI), later=(second,))
    store.deactivate(stored.id)
    template = stored.template
    template = template.model_copy(update={
        "widgets": (*template.widgets, *(TemplateWidget(
            name=w.name, kind=w.kind, field=w.field, option=w.option, rect=w.rect, page=2)
            for w in second.widgets)),
        "more_pages": (template.page(2).model_copy(update={
            "boxes": second.boxes,
            "anchors": tuple(Anchor(kind="box", rect=b.rect) for b in second.boxes)}),)})
    store.update(stored.id, template)
    return store.activate(stored.id)


@pytest.mark.slow
@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_a_scanned_form_going_on_to_page_2_is_one_document_read_right(
        client: TestClient, tmp_path: Path, order: tuple[int, int]) -> None:
    """GIVEN the other print of FK 9443 whose name, place and date are on page 2 (under
    its text), learned as an active template, and a typed consent on it, scanned
    WHEN the service's page jobs read its two pages and finish in either order
    THEN one document to review holds both pages, every field read as written (those of
    page 2 too, none missing), and its review page has each page's image with the
    name's box on page 2 and the personnummer's on page 1."""
    import random

    from intake.demo import case_for, consent_case_for
    from intake.review.reading import read_page
    from intake.samples.make import write_cases
    from tests.review.conftest import FORBUND, INSATS, TODAY

    state = state_of(client)
    _keep_split_layout(TemplateStore(state.settings.template_dir()), "9443")
    rng = random.Random(17)
    case = consent_case_for(case_for("9448", rng, FORBUND, INSATS, today=TODAY), rng)
    scan = write_cases([case], "typed-office300", tmp_path / "delad-9443", rng,
                       layouts=["split"])
    upload_id = upload(client, scan.read_bytes())
    jobs.list_upload(state, upload_id)
    with state.store.transaction() as session:
        path = state.files.upload_path(session.get_one(Upload, upload_id).sha256)
    for number in order:
        jobs.store_page(state, upload_id, number, read_page(path, number, state.reader))

    with state.store.transaction() as session:
        first, second = session.scalars(select(Document).where(
            Document.upload_id == upload_id).order_by(Document.page)).all()
        assert second.form == "9443", "page 2 not recognised as the template's page 2"
        assert (first.pages, first.status, second.status) == ([1, 2], "review", "info")
        read = {name: field["value"] for name, field in (first.fields or {}).items()}
        assert MISSING_PAGE not in first.problems.values()
        first_id = first.id
    assert read == {name: case.truth.get(name) for name in read}, read
    login(client, "granskare")
    document = client.get(f"/granska/{first_id}").context["document"]  # type: ignore[attr-defined]
    on = {f.name: {b.page for b in f.boxes} for f in document.fields}
    assert document.images == [1, 2]
    assert (on["personnummer"], on["namnfortydligande"]) == ({1}, {2})


def test_the_read_pages_of_an_upload_that_cannot_be_read_further_go_to_review(
        client: TestClient) -> None:
    """GIVEN a three-page upload whose pages 1 and 2 were read as the two-page 9443
    WHEN page 3 cannot be read (the file is broken there) THEN the upload fails saying
    why, and the form read so far is one document to review, not left waiting."""
    from intake.errors import InputError

    state = state_of(client)
    pages = _two_pages(client, _template(client))
    upload_id = upload(client, blank_pdf_pages(3))
    jobs.list_upload(state, upload_id)
    for number in (2, 1):
        jobs.store_page(state, upload_id, number, pages[number])

    jobs.fail_page(state, upload_id, 3, InputError("batch.pdf: sidan 3 går inte att läsa."))

    with state.store.transaction() as session:
        assert session.get_one(Upload, upload_id).status == "failed"
        first, second = session.scalars(select(Document).where(
            Document.upload_id == upload_id).order_by(Document.page)).all()
        assert (first.pages, first.status, second.status) == ([1, 2], "review", "info")
