"""The whole flow in a real browser (Debian's Chromium driven by Playwright): a förbund
uploads a batch, a granskare corrects a flagged field and approves with the keyboard
only, and the participant is in the store's report.

Run: ``.venv/bin/pytest -m browser tests/review/test_browser.py`` (part of the default
run too; skipped where Chromium is missing, a failure in CI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from intake.review.app import create_app
from intake.settings import Settings
from sus_store import started_ended
from tests.conftest import CHROMIUM
from tests.review.conftest import PASSWORD, TODAY, _organisation, make_forms

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parents[2] / "out" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_service(data_dir: Path, **settings: Any) -> Iterator[tuple[str, Any]]:
    """The service on a free localhost port with its background worker: its address and
    its app. Start it after the browser and stop it before: its reading processes,
    forked from this process, hold copies of Playwright's pipes to its driver, and a
    driver whose pipe stays open never exits (closing the browser then waits for ever)."""
    app = create_app(Settings(data_dir=data_dir, today=TODAY, **settings), run_worker=True)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(),
                                            log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    _organisation(app.state.service)
    try:
        yield f"http://127.0.0.1:{running.config.port}", app
    finally:
        running.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def server(tmp_path: Path, page: object) -> Iterator[tuple[str, object]]:
    """The service for a test with the browser ``page`` (started after it, stopped
    before it: see :func:`running_service`)."""
    with running_service(tmp_path / "data") as running:
        yield running


@pytest.fixture
def page() -> Iterator[object]:
    """A Chromium page; at the end, nothing the pages did may have been refused by the
    Content-Security-Policy."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="sv-SE")
        opened = context.new_page()
        refused: list[str] = []  # what the Content-Security-Policy blocked
        opened.on("console", lambda message: refused.append(message.text)
                  if "Content Security Policy" in message.text else None)
        yield opened
        browser.close()
    assert refused == [], "the pages' own code broke the CSP"


def _login(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/")  # type: ignore[attr-defined]


def _logout(page: object) -> None:
    page.click("form.logout button")  # type: ignore[attr-defined]
    page.wait_for_url("**/login")  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def test_upload_review_with_keyboard_approve_and_see_the_report(
        server: tuple[str, object], page: object, tmp_path: Path) -> None:
    """GIVEN a förbund uploader and a granskare
    WHEN the uploader drops a 9448 with an empty Namn and its consent, and the granskare
    types the name, presses Enter (to the approve button) and Enter again
    THEN the 9448 is registered with its consent and counts in the started report."""
    base, app = server
    forms = make_forms(tmp_path / "forms", blank=("namn",))
    _login(page, base, "forbund")
    page.goto(f"{base}/ladda-upp")  # type: ignore[attr-defined]
    page.set_input_files("#files", [str(p) for p in forms])  # type: ignore[attr-defined]
    page.click("#send")  # type: ignore[attr-defined]
    page.wait_for_url("**/batch/*")  # type: ignore[attr-defined]
    page.wait_for_selector("#batch-state[data-done=true]", timeout=60_000)  # type: ignore[attr-defined]
    _shot(page, "1-batch-read")
    assert page.locator("#documents tbody tr").count() == 2  # type: ignore[attr-defined]
    _logout(page)

    _login(page, base, "granskare")
    page.goto(f"{base}/ko")  # type: ignore[attr-defined]
    _shot(page, "2-queue")
    page.click("#queue a >> nth=0")  # type: ignore[attr-defined]
    page.wait_for_selector("#review")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement.id")  # type: ignore[attr-defined]
    assert focused == "in-namn"  # the flagged field has the focus
    _shot(page, "3-review-flagged")
    page.keyboard.type("Åsa Öberg-Test")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#approve:focus")  # type: ignore[attr-defined]
    assert page.locator(".field.flagged").count() == 0  # type: ignore[attr-defined]
    # The page shows the outcome and goes on to the next document 600 ms later (on a
    # busy machine before a screenshot or a look at the page is done): the outcome is
    # read from the decision's answer that the page shows.
    reviewed = page.url  # type: ignore[attr-defined]
    with page.expect_response(  # type: ignore[attr-defined]
            lambda r: r.url.endswith("/decision") and r.request.method == "POST") as answer:
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert "Inregistrerad med samtycke" in answer.value.json()["message"]
    _shot(page, "4-approved")
    # its own move on, before the report is opened: one interrupts the other
    page.wait_for_url(lambda url: url != reviewed)  # type: ignore[attr-defined]

    state = app.state.service  # type: ignore[attr-defined]
    with state.store.transaction() as session:
        report = started_ended(session, year=TODAY.year)
    assert report.startade.totalt == 1
    page.goto(f"{base}/rapporter")  # type: ignore[attr-defined]
    _shot(page, "5-report")
    assert "Steg till arbete" in page.inner_text("main")  # type: ignore[attr-defined]


def test_a_clean_form_takes_one_keystroke(
        server: tuple[str, object], page: object, tmp_path: Path) -> None:
    """GIVEN a cleanly read 9448 with its consent in the queue
    WHEN the granskare opens it
    THEN the approve button has the focus and one Enter registers it."""
    base, app = server
    _login(page, base, "forbund")
    page.goto(f"{base}/ladda-upp")  # type: ignore[attr-defined]
    page.set_input_files("#files", [str(p) for p in make_forms(tmp_path / "clean")])  # type: ignore[attr-defined]
    page.click("#send")  # type: ignore[attr-defined]
    page.wait_for_selector("#batch-state[data-done=true]", timeout=60_000)  # type: ignore[attr-defined]
    _logout(page)
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/nasta")  # type: ignore[attr-defined]
    page.wait_for_selector("#review")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.id") == "approve"  # type: ignore[attr-defined]
    _shot(page, "6-review-clean")
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#result.outcome")  # type: ignore[attr-defined]
    assert "Inregistrerad med samtycke" in page.inner_text("#result")  # type: ignore[attr-defined]


def test_protected_identity_is_one_step_from_the_review_page(
        server: tuple[str, object], page: object, tmp_path: Path) -> None:
    """GIVEN a 9448 with its signed consent in the queue
    WHEN the granskare clicks 'Skyddade personuppgifter – registrera anonymt' on its
    review page and confirms
    THEN the person counts anonymously, no participation or consent is kept, and the
    page says so."""
    from sqlalchemy import func, select

    from sus_store.schema import AnonymousParticipant, Consent, Participation

    base, app = server
    _login(page, base, "forbund")
    page.goto(f"{base}/ladda-upp")  # type: ignore[attr-defined]
    page.set_input_files("#files", [str(p) for p in make_forms(tmp_path / "in")])  # type: ignore[attr-defined]
    page.click("#send")  # type: ignore[attr-defined]
    page.wait_for_selector("#batch-state[data-done=true]", timeout=60_000)  # type: ignore[attr-defined]
    _logout(page)
    _login(page, base, "granskare")
    page.goto(f"{base}/granska/nasta")  # type: ignore[attr-defined]
    page.wait_for_selector("#protected")  # type: ignore[attr-defined]
    page.once("dialog", lambda dialog: dialog.accept())  # type: ignore[attr-defined]
    page.click("#protected")  # type: ignore[attr-defined]
    page.wait_for_selector("#result.outcome")  # type: ignore[attr-defined]
    assert "Skyddade personuppgifter" in page.inner_text("#result")  # type: ignore[attr-defined]
    state = app.state.service  # type: ignore[attr-defined]
    with state.store.transaction() as session:
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == 1
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert session.scalar(select(func.count(Consent.id))) == 0
