"""Teaching the service another printer's layout on the templates page, in a real
browser (issue 17): an admin uploads a scanned blank in which two fields' boxes are
ambiguous and two are missing, fixes them by clicking a candidate, by a candidate's
number key, by dragging a rectangle and with the keyboard only, activates the
template, and the list shows it in use.

Run: ``.venv/bin/pytest -m browser tests/review/test_browser_templates.py``.
Screenshots go to ``out/screenshots/templates``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from intake.forms.model import LineOp, Rect
from intake.forms.store import TemplateStore
from intake.forms.template import MatchState
from intake.samples.other_layout import draw, other_layout
from intake.samples.scan import PROFILES, scan_page
from sus_store import audit_trail
from tests.review import test_browser
from tests.review.test_browser import SCREENSHOTS, _login

page = test_browser.page  # the Chromium page fixture (CSP refusals fail the test)
server = test_browser.server  # the service, started after the browser

pytestmark = [pytest.mark.browser, pytest.mark.tesseract]

SCAN_DPI = 300
#: the fields whose label and box the blank leaves out: learned missing
LEFT_OUT = {"namnfortydligande": "Namnförtydligande", "ort_och_datum": "Ort och datum"}
#: fields whose label and box are printed again 40 mm lower: learned ambiguous
DOUBLED = {"personnummer": "Personnummer", "underskrift": "Underskrift"}
DOUBLED_BELOW_MM = 40.0


def scanned_blank_with_open_boxes(folder: Path) -> Path:
    """Another printer's FK 9443 (``other_layout``), printed and office-scanned, without
    two fields' labels and boxes and with two others' labels and boxes twice."""
    layout = other_layout("9443")
    gone = {layout.widget(name).rect for name in LEFT_OUT}
    labels = [next(t for t in layout.texts if t.text == text) for text in DOUBLED.values()]
    again = [layout.widget(name).rect for name in DOUBLED]
    texts = (*(t for t in layout.texts if t.text not in LEFT_OUT.values()),
             *(t.model_copy(update={"y": t.y + DOUBLED_BELOW_MM}) for t in labels))
    boxes = (*(b for b in layout.boxes if b.rect not in gone),
             *(LineOp(rect=r.model_copy(update={"y": r.y + DOUBLED_BELOW_MM}), width=0.3)
               for r in again))
    printed = layout.model_copy(update={"texts": texts, "boxes": boxes, "widgets": ()})
    scan = scan_page(draw(printed, SCAN_DPI), SCAN_DPI, PROFILES["office300"],
                     np.random.default_rng(4))
    path = folder / "fk9443-annan-tryckning.png"
    scan.image.save(path, dpi=(scan.dpi, scan.dpi))
    return path


def _shot(page: Any, name: str) -> None:
    folder = SCREENSHOTS / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _state_of(page: Any, name: str) -> str:
    state: str = page.get_attribute(f'#widgets li[data-name="{name}"]', "data-state")
    return state


def _select(page: Any, name: str) -> None:
    """Walk the list with j until ``name`` is selected (keyboard only)."""
    for _ in range(10):
        if page.locator(f'#widgets li.selected[data-name="{name}"]').count():
            return
        page.keyboard.press("j")
    raise AssertionError(f"{name} was never selected")


def _upper_candidate(page: Any, name: str) -> int:
    """The index of the widget's candidate highest on the page (its own box)."""
    candidates = page.get_attribute(f'#widgets li[data-name="{name}"]', "data-candidates")
    tops = [float(c.split()[1]) for c in candidates.split(";") if c.strip()]
    return tops.index(min(tops))


def _saved(page: Any, name: str) -> None:
    page.wait_for_url(f"**vald={name}")
    page.wait_for_selector(f'#widgets li[data-name="{name}"][data-state=fixed]')


def test_an_admin_fixes_a_learned_layouts_open_boxes_and_takes_it_into_use(
        server: tuple[str, Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a scanned blank of another printer's FK 9443 with the Personnummer and
    Underskrift boxes twice and no Namnförtydligande or Ort och datum box
    WHEN the admin uploads it, clicks the right personnummer candidate, presses the
    number of the right underskrift candidate, drags a rectangle for
    Namnförtydligande, places Ort och datum with the keys, and activates
    THEN each fixed box is saved as drawn ("rättad"), activation was offered only then,
    and the list shows the template in use; the audit trail has every step."""
    base, app = server
    blank = scanned_blank_with_open_boxes(tmp_path)
    _login(page, base, "admin")
    page.goto(f"{base}/mallar")
    page.select_option("select[name=form]", "9443")
    page.set_input_files("#blank", str(blank))
    page.click("#learn-send")
    page.wait_for_url("**/mallar/FK9443-*?klart=inlard", timeout=180_000)
    template_id = page.get_attribute("#sheet", "data-id")
    _shot(page, "1-learned")
    assert {_state_of(page, n) for n in DOUBLED} == {"ambiguous"}
    assert {_state_of(page, n) for n in LEFT_OUT} == {"missing"}
    assert page.is_disabled("#activate button")

    # One click on the candidate that is the personnummer's own box (the upper one).
    page.click('#widgets li[data-name="personnummer"]')
    page.click(f'#candidates rect.candidate[data-index="{_upper_candidate(page, "personnummer")}"]')
    _saved(page, "personnummer")

    # Underskrift's own box by its number key, reached with j.
    _select(page, "underskrift")
    page.keyboard.press(str(_upper_candidate(page, "underskrift") + 1))
    _saved(page, "underskrift")

    # A rectangle dragged on the blank for Namnförtydligande.
    store = TemplateStore(app.state.service.settings.template_dir())
    under_signature = store.get(template_id).template.widget("underskrift").rect
    wanted = Rect(x=under_signature.x, y=under_signature.bottom + 3.0, w=50.0, h=8.0)
    page.click('#widgets li[data-name="namnfortydligande"]')
    sheet = page.locator("#boxes").bounding_box()
    width = float(page.get_attribute("#sheet", "data-width"))
    px = sheet["width"] / width
    page.mouse.move(sheet["x"] + wanted.x * px, sheet["y"] + wanted.y * px)
    page.mouse.down()
    page.mouse.move(sheet["x"] + (wanted.x + wanted.w / 2) * px,
                    sheet["y"] + (wanted.y + wanted.h / 2) * px, steps=4)
    page.mouse.move(sheet["x"] + wanted.right * px, sheet["y"] + wanted.bottom * px, steps=4)
    page.mouse.up()
    _shot(page, "2-dragged")
    page.click("#save-box")
    _saved(page, "namnfortydligande")
    drawn = store.get(template_id).template.widget("namnfortydligande").rect
    assert drawn is not None
    assert max(abs(drawn.x - wanted.x), abs(drawn.y - wanted.y), abs(drawn.w - wanted.w),
               abs(drawn.h - wanted.h)) < 1.0, drawn

    # Ort och datum with the keyboard only: j to it, e for a box, arrows, Enter.
    _select(page, "ort_och_datum")
    page.keyboard.press("e")
    start = page.locator("#draft")
    x0, y0 = float(start.get_attribute("x")), float(start.get_attribute("y"))
    target = Rect(x=drawn.x + 87.0, y=drawn.y, w=51.0, h=8.0)  # right of Namnförtydligande
    for key, steps in (("ArrowRight", (target.x - x0) / 0.5), ("ArrowDown", (target.y - y0) / 0.5)):
        for _ in range(round(steps)):
            page.keyboard.press(key)
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    _shot(page, "3-keyboard")
    page.keyboard.press("Enter")
    _saved(page, "ort_och_datum")
    placed = store.get(template_id).template.widget("ort_och_datum").rect
    assert placed is not None
    assert placed.w == pytest.approx(51.0) and placed.h == pytest.approx(8.0)
    assert abs(placed.x - target.x) <= 0.5 and abs(placed.y - target.y) <= 0.5

    learned = store.get(template_id).template
    assert learned.ready() and learned.counts()[MatchState.FIXED] == 4
    assert learned.widget("underskrift").rect.y == pytest.approx(
        learned.widget("personnummer").rect.y, abs=1.0)  # both the upper ones
    _shot(page, "4-ready")
    page.click("#activate button")
    page.wait_for_url("**/mallar?klart=aktiverad")
    row = page.locator(f'#templates tr[data-id="{template_id}"]')
    assert row.locator(".template-state").inner_text() == "i bruk"
    page.once("dialog", lambda dialog: dialog.dismiss())  # deactivating asks first
    row.locator("button", has_text="Inaktivera").click()
    assert row.locator(".template-state").inner_text() == "i bruk"
    _shot(page, "5-in-use")
    assert store.get(template_id).active

    with app.state.service.store.transaction() as session:
        events = [e.action for e in reversed(audit_trail(session, entity="template"))]
    assert events == ["create", "update", "update", "update", "update", "activate"]


def test_an_admin_fixes_boxes_on_page_2_by_candidate_key_and_by_dragging_there(
        server: tuple[str, Any], page: Any) -> None:
    """GIVEN a draft two-page FK 9443 template whose name box on page 2 is missing (two
    candidates) and whose place and date box is on page 2 too WHEN the admin chooses the
    name, presses the second candidate's number, then chooses place and date and drags
    a rectangle on page 2's sheet THEN the candidates are drawn on page 2 (none on page
    1), both boxes are saved on page 2 as chosen and drawn ("rättad"), and a drag on
    page 1 for a page-2 field is refused in Swedish."""
    from tests.review.test_form_pages import CANDIDATES, two_page_template

    base, app = server
    store = TemplateStore(app.state.service.settings.template_dir())
    stored = two_page_template(store, active=False)
    _login(page, base, "admin")
    page.goto(f"{base}/mallar/{stored.id}")

    page.click('#widgets li[data-name="namnfortydligande"]')
    assert page.locator("#sheet-2 rect.candidate").count() == 2
    assert page.locator("#sheet rect.candidate").count() == 0
    page.keyboard.press("2")
    _saved(page, "namnfortydligande")
    fixed = store.get(stored.id).template.widget("namnfortydligande")
    assert (fixed.page, fixed.rect) == (2, CANDIDATES[1].rect)

    page.click('#widgets li[data-name="ort_och_datum"]')
    first = page.locator("#boxes").bounding_box()
    page.mouse.move(first["x"] + 40, first["y"] + 40)
    page.mouse.down()
    page.mouse.move(first["x"] + 120, first["y"] + 80, steps=3)
    page.mouse.up()
    assert "ligger på sida 2" in page.inner_text("#box-status")

    wanted = Rect(x=20.0, y=60.0, w=60.0, h=10.0)
    sheet = page.locator("#sheet-2 svg.boxes")
    sheet.scroll_into_view_if_needed()
    box = sheet.bounding_box()
    px = box["width"] / float(page.get_attribute("#sheet-2", "data-width"))
    page.mouse.move(box["x"] + wanted.x * px, box["y"] + wanted.y * px)
    page.mouse.down()
    page.mouse.move(box["x"] + wanted.right * px, box["y"] + wanted.bottom * px, steps=4)
    page.mouse.up()
    _shot(page, "6-page-2-dragged")
    page.click("#save-box")
    _saved(page, "ort_och_datum")
    drawn = store.get(stored.id).template.widget("ort_och_datum")
    assert drawn.page == 2 and drawn.rect is not None
    assert max(abs(drawn.rect.x - wanted.x), abs(drawn.rect.y - wanted.y),
               abs(drawn.rect.w - wanted.w), abs(drawn.rect.h - wanted.h)) < 1.0, drawn.rect
