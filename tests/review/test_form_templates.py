"""The templates pages (issue 17): admins only; learning an uploaded blank as a draft,
fixing its boxes, activating it (refused while a box is open), the documents read
with each template, every change audited; the review page draws the boxes of the
template a document was read with."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from intake.forms import form_layout
from intake.forms.blank import builtin_template
from intake.forms.model import Rect
from intake.forms.store import TemplateStore
from intake.forms.template import MatchState, Source, Template, TemplateRef
from intake.review import jobs
from intake.review.reading import ReadPage
from intake.review.schema import Document
from sus_store import audit_trail
from tests.review.conftest import (
    login,
    make_forms,
    read_all,
    service_client,
    state_of,
    upload,
)
from tests.review.hostile import blank_pdf_pages, multipart
from tests.review.reads import read_form
from tests.templates.blanks import flat_blank, pdf_of


def context(response: Any) -> dict[str, Any]:
    result: dict[str, Any] = response.context
    return result


def store_of(client: TestClient) -> TemplateStore:
    return TemplateStore(state_of(client).settings.template_dir())


def send_blank(client: TestClient, token: str, path: Path, form: str = "9448",
               version: str = "") -> Any:
    return client.post("/mallar/ny", follow_redirects=False,
                       data={"form": form, "version": version, "csrf": token},
                       files={"blank": (path.name, path.read_bytes())})


def blank_without_namn(folder: Path) -> Path:
    """A flat 9448 whose Namn label and box are not printed: namn is learned missing."""
    layout = form_layout("9448")
    namn = layout.widget("namn").rect
    return pdf_of(layout.model_copy(update={
        "texts": tuple(t for t in layout.texts if t.text != "Namn"),
        "boxes": tuple(b for b in layout.boxes if b.rect != namn), "widgets": ()}),
        folder / "utan-namn.pdf")


def template_events(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    with state_of(client).store.transaction() as session:
        return [(e.actor, e.action, e.after or {})
                for e in reversed(audit_trail(session, entity="template"))]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/mallar"), ("get", "/mallar/FK9448"), ("get", "/mallar/FK9448/blankett.png"),
    ("post", "/mallar/FK9448/aktivera"), ("post", "/mallar/ny"),
    ("put", "/api/templates/FK9448/widgets/namn")])
def test_the_templates_pages_refuse_a_granskare(client: TestClient, method: str,
                                                path: str) -> None:
    """GIVEN a logged-in granskare WHEN a templates page or action is asked for
    THEN 403 (the CSRF token sent, so it is the role that refuses)."""
    token = login(client, "granskare")
    kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": token}}
    if path == "/mallar/ny":
        kwargs["files"] = {"blank": ("b.pdf", b"%PDF")}
    if method == "put":
        kwargs["json"] = {"x": 1, "y": 1, "w": 10, "h": 5}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 403


def test_the_list_shows_every_template_with_the_documents_read_with_it(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 that records it was read with the built-in FK9448 template
    WHEN the admin opens /mallar
    THEN the three built-in templates are listed in use, FK9448 with one document."""
    upload(client, login(client, "forbund"), make_forms(tmp_path / "in", consent=False))
    read_all(client)
    with state_of(client).store.transaction() as session:
        document = session.scalars(select(Document)).one()
        document.template_id, document.template_version = "FK9448", "002.F.001"
    login(client, "admin")
    response = client.get("/mallar")
    assert response.status_code == 200 and response.template.name == "mallar.html"
    rows = {r.id: r for r in context(response)["rows"]}
    assert list(rows) == ["FK9443", "FK9448", "FK9449"]
    assert all(r.active and r.builtin for r in rows.values())
    assert rows["FK9448"].documents == 1 and rows["FK9443"].documents == 0
    assert 'href="/mallar"' in client.get("/").text  # in the admin's menu


def test_an_uploaded_blank_is_learned_as_a_draft_and_the_learning_audited(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN an admin WHEN they upload a flat 9448 blank with a version
    THEN it is kept as a draft of that version, its page shows its boxes over its blank,
    and the audit trail says who learned which template."""
    token = login(client, "admin")
    response = send_blank(client, token, flat_blank("9448", tmp_path), version="003 F 001")
    assert response.status_code == 303, response.text
    template_id = response.headers["location"].removeprefix("/mallar/").split("?")[0]
    stored = store_of(client).get(template_id)
    assert not stored.active and stored.template.version == "003.F.001"
    page = client.get(response.headers["location"])
    assert page.template.name == "mall.html" and context(page)["editable"]
    assert "Blanketten är inläst som utkast" in page.text
    image = client.get(f"/mallar/{template_id}/blankett.png")
    assert image.headers["content-type"] == "image/png"
    row = next(r for r in context(client.get("/mallar"))["rows"] if r.id == template_id)
    assert (row.active, row.ready, row.source_file) == (False, True, "platt9448.pdf")
    [(actor, action, after)] = template_events(client)
    assert (actor, action, after["mall"], after["fil"]) == ("admin", "create", template_id,
                                                              "platt9448.pdf")


def test_a_two_page_blank_is_shown_with_every_page_and_each_pages_boxes(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN an admin WHEN they upload another printer's blank of two pages (the form
    and a page of text) THEN the template's page shows page 1's boxes over page 1 and
    page 2 as a page of text over its own image; a page the template lacks is not found."""
    from intake.samples.other_layout import other_layout_pages
    from tests.templates.blanks import pdf_of_pages

    token = login(client, "admin")
    blank = pdf_of_pages(other_layout_pages("9443"), tmp_path / "annan-9443.pdf")
    response = send_blank(client, token, blank, form="9443")
    assert response.status_code == 303, response.text
    template_id = response.headers["location"].removeprefix("/mallar/").split("?")[0]

    page = client.get(f"/mallar/{template_id}")

    [second] = context(page)["later_pages"]
    assert second.number == 2 and second.widgets == [] and second.height_mm > 290
    assert {w.page for w in context(page)["widgets"]} == {1}
    assert 'id="sida-2"' in page.text and "Sida 2: text, inga fält" in page.text
    assert f'/mallar/{template_id}/blankett.png?sida=2' in page.text
    images = [client.get(f"/mallar/{template_id}/blankett.png?sida={n}") for n in (1, 2, 3)]
    assert [i.status_code for i in images] == [200, 200, 404]
    assert images[0].content != images[1].content
    assert client.get("/mallar/FK9443/blankett.png?sida=2").status_code == 404


@pytest.mark.tesseract
def test_bad_blanks_are_refused_in_swedish_and_nothing_is_kept(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN an admin WHEN they upload a 9449 as a 9448, a file that is no image, an
    empty page, or no form chosen THEN the list says why in Swedish and no template is
    added."""
    token = login(client, "admin")
    junk = tmp_path / "trasig.png"
    junk.write_bytes(b"inte en bild")
    white = tmp_path / "vit.png"
    Image.new("L", (1654, 2339), 255).save(white, dpi=(200, 200))
    cases = [(flat_blank("9449", tmp_path), "9448", "sidfoten säger FK 9449, inte FK 9448"),
             (junk, "9448", "trasig.png: bilden kan inte läsas"),
             (white, "9448", "sidan är tom"),
             (white, "1234", "Välj vilken blankett det är")]
    for path, form, said in cases:
        response = send_blank(client, token, path, form=form, version="003 F 001")
        assert response.status_code in (409, 422), (path, response.status_code)
        assert response.template.name == "mallar.html"
        assert said in context(response)["error"], context(response)["error"]
        assert context(response)["values"] == {"form": form, "version": "003 F 001"}
    assert [s.id for s in store_of(client).all()] == ["FK9443", "FK9448", "FK9449"]
    assert template_events(client) == []


def test_a_blank_larger_than_the_upload_limit_is_refused_before_it_is_learned(
        tmp_path: Path) -> None:
    with service_client(tmp_path / "data", max_upload_mb=1) as client:
        token = login(client, "admin")
        big = tmp_path / "stor.png"
        big.write_bytes(b"\x89PNG" + bytes(2 * 1024 * 1024))
        response = send_blank(client, token, big)
        assert response.status_code == 413
        assert [s.id for s in store_of(client).all()] == ["FK9443", "FK9448", "FK9449"]


def test_an_upload_without_the_csrf_token_is_refused(client: TestClient,
                                                     tmp_path: Path) -> None:
    login(client, "admin")
    response = send_blank(client, "fel", flat_blank("9448", tmp_path))
    assert response.status_code == 403
    assert [s.id for s in store_of(client).all()] == ["FK9443", "FK9448", "FK9449"]


def test_a_draft_with_a_missing_box_is_activated_only_once_the_box_is_drawn(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a learned 9448 draft whose Namn box was not found
    WHEN the admin activates it, then saves a box outside the page, then a good box
    (without and with the CSRF token), then activates it and deactivates it
    THEN activation is refused in Swedish until the box is saved ("rättad"), the list
    shows it in use, and each change is in the audit trail."""
    token = login(client, "admin")
    response = send_blank(client, token, blank_without_namn(tmp_path))
    template_id = response.headers["location"].removeprefix("/mallar/").split("?")[0]
    assert store_of(client).get(template_id).template.widget("namn").state is MatchState.MISSING

    refused = client.post(f"/mallar/{template_id}/aktivera", data={"csrf": token})
    assert refused.status_code == 409
    assert "kan inte tas i bruk" in context(refused)["error"]

    box = f"/api/templates/{template_id}/widgets/namn"
    outside = client.put(box, json={"x": 190, "y": 50, "w": 40, "h": 8},
                         headers={"X-CSRF-Token": token})
    assert outside.status_code == 422 and "inom sidan" in outside.json()["message"]
    assert client.put(box, json={"x": 20, "y": 50, "w": 80, "h": 8}).status_code == 403
    saved = client.put(box, json={"x": 20, "y": 50.5, "w": 80, "h": 8},
                       headers={"X-CSRF-Token": token})
    assert saved.status_code == 200, saved.text
    assert saved.json()["ready"] is True
    assert saved.json()["widget"]["state_name"] == "rättad"
    assert store_of(client).get(template_id).template.widget("namn").rect == Rect(
        x=20, y=50.5, w=80, h=8)

    assert client.post(f"/mallar/{template_id}/aktivera", data={"csrf": token},
                       follow_redirects=False).status_code == 303
    row = next(r for r in context(client.get("/mallar"))["rows"] if r.id == template_id)
    assert row.active and row.fixed == 1
    assert client.put(box, json={"x": 20, "y": 50, "w": 80, "h": 8},
                      headers={"X-CSRF-Token": token}).status_code == 409  # in use
    assert client.post(f"/mallar/{template_id}/inaktivera", data={"csrf": token},
                       follow_redirects=False).status_code == 303
    assert not store_of(client).get(template_id).active
    assert [(a, e["mall"]) for _, a, e in template_events(client)] == [
        ("create", template_id), ("update", template_id), ("activate", template_id),
        ("deactivate", template_id)]
    logged = client.get("/admin/logg?entity=template").text
    assert "tog i bruk" in logged and "Blankettmall" in logged


def test_a_builtin_template_is_shown_read_only(client: TestClient) -> None:
    token = login(client, "admin")
    page = client.get("/mallar/FK9448")
    assert page.status_code == 200 and not context(page)["editable"]
    labels = {w.name: w.label for w in context(page)["widgets"]}
    assert labels["namn"] == "Namn"  # the form's label where nothing was learned
    assert client.get("/mallar/FK9448/blankett.png").content[:4] == b"\x89PNG"
    response = client.put("/api/templates/FK9448/widgets/namn",
                          json={"x": 20, "y": 50, "w": 80, "h": 8},
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 409 and "inbyggd" in response.json()["message"]
    assert client.get("/mallar/finns-inte").status_code == 404


def _moved_namn_template(store: TemplateStore) -> str:
    """A learned 9448 template whose Namn box is 30 mm lower than the built-in one."""
    builtin = builtin_template("9448")
    namn = builtin.widget("namn").rect
    moved = namn.model_copy(update={"y": namn.y + 30})
    template = Template.model_validate({
        **builtin.with_box("namn", moved).model_dump(),
        "source": Source(file="annan.png", sha256="ab" * 32, kind="scan")})
    png = io.BytesIO()
    Image.new("L", (10, 14), 255).save(png, format="PNG")
    return store.add(template, blank=b"x", blank_suffix=".png",
                     reference_png=png.getvalue()).id


def test_the_review_page_draws_the_boxes_of_the_template_a_document_was_read_with(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a read 9448 recorded as read with a learned template whose Namn box is lower
    WHEN the granskare opens it THEN the Namn snippet box is the template's; with an
    unknown template id, the built-in layout's."""
    template_id = _moved_namn_template(store_of(client))
    upload(client, login(client, "forbund"), make_forms(tmp_path / "in", consent=False))
    read_all(client)
    with state_of(client).store.transaction() as session:
        document = session.scalars(select(Document)).one()
        document.template_id, document.template_version = template_id, "002.F.001"
        document_id = document.id
    login(client, "granskare")
    builtin = builtin_template("9448")
    fields = {f["name"]: f for f in client.get(f"/api/documents/{document_id}").json()["fields"]}
    namn = fields["namn"]["boxes"][0]
    expected_y = (builtin.widget("namn").rect.y + 30) / builtin.page_height_mm
    assert namn["y"] == pytest.approx(expected_y)
    page = client.get(f"/granska/{document_id}")
    shown = {f.name: f for f in context(page)["document"].fields}
    assert shown["namn"].boxes[0].y == pytest.approx(expected_y)

    with state_of(client).store.transaction() as session:
        session.get_one(Document, document_id).template_id = "FK9448-borta-00000000"
    fields = {f["name"]: f for f in client.get(f"/api/documents/{document_id}").json()["fields"]}
    assert fields["namn"]["boxes"][0]["y"] == pytest.approx(
        builtin.widget("namn").rect.y / builtin.page_height_mm)


def test_a_page_read_with_a_template_is_stored_with_its_id_and_version(
        client: TestClient) -> None:
    """GIVEN a 2-page upload WHEN page 1 is read with a learned template and page 2
    without one (a digital form) THEN the first document records the template's id and
    version, the second none."""
    token = login(client, "forbund")
    kind, body = multipart([("batch.pdf", blank_pdf_pages(2))])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    upload_id = response.json()["uploads"][0]["id"]
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    ref = TemplateRef(id="FK9448-003.F.001-0123abcd", version="003.F.001")
    read = read_form("9448").model_copy(update={"template": ref})
    jobs.store_page(state, upload_id, 1, ReadPage(document=read, image=None))
    jobs.store_page(state, upload_id, 2, ReadPage(document=read_form("9448"), image=None))
    with state.store.transaction() as session:
        stored = [(d.page, d.template_id, d.template_version)
                  for d in session.scalars(select(Document).order_by(Document.page))]
    assert stored == [(1, ref.id, "003.F.001"), (2, None, None)]


@pytest.mark.tesseract
def test_a_form_in_a_layout_activated_on_the_running_service_is_read_with_it(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a running service and another printer's FK 9448 layout activated in its
    template store after it started WHEN a förbund uploads a typed 9448 on that print
    THEN it is read as a 9448 with the learned template, its page of text joined to it,
    the document records the template's id and version, and its Namn snippet box is the
    learned layout's."""
    import random

    from intake.demo import case_for
    from intake.samples.make import write_cases
    from intake.samples.other_layout import other_layout
    from tests.review.conftest import FORBUND, INSATS, TODAY
    from tests.test_pipeline_templates import keep_other_layout

    layout = other_layout("9448")
    stored = keep_other_layout(store_of(client), "9448")
    rng = random.Random(3)
    case = case_for("9448", rng, FORBUND, INSATS, today=TODAY)
    form = write_cases([case], "typed-office300", tmp_path / "annan-9448", rng,
                       layouts=["other"])

    upload(client, login(client, "forbund"), [form])
    read_all(client)

    with state_of(client).store.transaction() as session:
        document, text = session.scalars(select(Document).order_by(Document.page)).all()
        assert (document.form, document.template_id, document.template_version) == (
            "9448", stored.id, stored.template.version)
        assert (document.pages, document.status) == ([1, 2], "review")
        assert (text.page, text.template_page, text.status) == (2, 2, "info")
        document_id = document.id
    login(client, "granskare")
    fields = {f["name"]: f for f in client.get(f"/api/documents/{document_id}").json()["fields"]}
    namn = fields["namn"]["boxes"][0]
    assert namn["y"] == pytest.approx(layout.widget("namn").rect.y / stored.template
                                      .page_height_mm, abs=1e-3)
