"""The reviewer's day in a real browser (issue 15, points 1-5): an unknown insats is
flagged with the closest name preselected (one key to accept), search finds a person
within scope, claims follow the open page, a decided document reopens read-only; and
the keystrokes and seconds a reviewer spends on three kinds of form, printed.

Run: ``.venv/bin/pytest -m browser tests/review/test_browser_reviewing.py -s`` (``-s``
shows the measurements). Screenshots go to ``out/screenshots/reviewing``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.review import test_browser
from tests.review.conftest import (
    FORBUND,
    INSATS,
    OTHER_FORBUND,
    make_forms,
)
from tests.review.test_browser import SCREENSHOTS, _login, _logout, running_service

page = test_browser.page  # the Chromium page fixture (CSP refusals fail the test)

pytestmark = pytest.mark.browser

UNKNOWN_INSATS = "Ung framtid Örebro"
PERSONNUMMER = "199311162383"  # make_forms' seed 5 (a Skatteverket test number)
MISREAD = "199311162883"  # one digit misread: the check digit no longer fits


@contextmanager
def _running(data_dir: Path, **settings: Any) -> Iterator[str]:
    """The service's address (see ``test_browser.running_service``)."""
    with running_service(data_dir, **settings) as (base, _):
        yield base


@pytest.fixture
def service(tmp_path: Path) -> Callable[..., Any]:
    return lambda **settings: _running(tmp_path / "data", **settings)


def _shot(page: Any, name: str) -> None:
    folder = SCREENSHOTS / "reviewing"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _upload(page: Any, base: str, username: str, paths: list[Path]) -> None:
    _login(page, base, username)
    page.goto(f"{base}/ladda-upp")
    page.set_input_files("#files", [str(p) for p in paths])
    page.click("#send")
    page.wait_for_selector("#batch-state[data-done=true]", timeout=60_000)
    _logout(page)


def _open_next(page: Any, base: str) -> None:
    page.goto(f"{base}/granska/nasta")
    page.wait_for_selector("#review[data-decidable=true]")


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id"))


def test_an_unknown_insats_is_flagged_and_the_offered_one_is_one_enter(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a förbund's 9448 (with its consent) naming an insats SUS does not have
    WHEN the granskare opens it
    THEN the insats field has the focus, is flagged saying the insats is not in SUS, and
    the förbund's insats is preselected as a suggestion; Enter accepts it, Enter
    approves, and the person is registered (not refused for permissions)."""
    with service() as base:
        _upload(page, base, "forbund", make_forms(tmp_path, insats=UNKNOWN_INSATS))
        _login(page, base, "granskare")
        _open_next(page, base)
        assert _focused(page) == "in-insats"
        assert page.input_value("#in-insats") == INSATS
        assert "finns inte" in page.inner_text("#field-insats .msg")
        assert page.locator("#field-insats .suggestion").all_inner_texts() == [
            f"Alt+1 {INSATS}"]
        _shot(page, "1-unknown-insats")
        page.keyboard.press("Enter")
        page.wait_for_selector("#approve:focus")
        page.keyboard.press("Enter")
        page.wait_for_selector("#result.outcome")
        assert "Inregistrerad" in page.inner_text("#result")


def test_a_refusal_offers_the_names_one_key_each_and_never_traps_the_queue(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a 9448 with an unknown insats, and another document in the queue
    WHEN the granskare empties the insats and approves (Ctrl+Enter)
    THEN the refusal says no insats is chosen (not a permission), offers the förbund's
    insats as button 1 and a way on; "1" fills the field and Enter approves;
    and on the next such refusal "Hoppa över" moves on to another document."""
    with service() as base:
        _upload(page, base, "forbund", [
            *make_forms(tmp_path / "a", insats=UNKNOWN_INSATS),
            *make_forms(tmp_path / "b", seed=7, insats=UNKNOWN_INSATS, consent=False)])
        _login(page, base, "granskare")
        _open_next(page, base)
        first = page.url
        page.select_option("#in-insats", "")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#result.refusal .candidate")
        refusal = page.inner_text("#result")
        assert "Ingen insats är vald" in refusal and "behörighet" not in refusal
        assert page.locator("#result .candidate").all_inner_texts() == [f"1. {INSATS}"]
        _shot(page, "1b-refusal-candidates")
        page.keyboard.press("1")
        page.wait_for_selector("#approve:focus")
        assert page.input_value("#in-insats") == INSATS
        page.keyboard.press("Enter")
        page.wait_for_selector("#result.outcome")
        page.wait_for_url(lambda url: "/granska/" in url and url != first)
        page.wait_for_selector("#review[data-decidable=true]")
        second = page.url
        page.select_option("#in-insats", "")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#result.refusal .skip-on")
        page.click("#result .skip-on")
        page.wait_for_load_state()
        assert page.url != second


def test_an_unknown_forbund_takes_one_alt_key_per_suggestion(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN an admin's upload (no förbund of its own) of a 9448 naming a förbund and an
    insats SUS does not have
    WHEN the admin opens it THEN both are flagged with SUS's names offered; Alt+N on
    the förbund and on the insats fills each, and the form is then approved."""
    with service() as base:
        _upload(page, base, "admin", make_forms(
            tmp_path, forbund="Samordningsförbundet Stockholms stad", insats=UNKNOWN_INSATS))
        _login(page, base, "admin")
        _open_next(page, base)
        assert _focused(page) == "in-samverkansorganisation"
        offered = page.locator("#field-samverkansorganisation .suggestion")
        names = [offered.nth(i).get_attribute("data-value") for i in range(offered.count())]
        assert sorted(names) == sorted([FORBUND, OTHER_FORBUND])  # type: ignore[type-var]
        _shot(page, "2-unknown-forbund")
        page.keyboard.press(f"Alt+{names.index(FORBUND) + 1}")
        page.wait_for_selector("#in-insats:focus")
        assert page.input_value("#in-samverkansorganisation") == FORBUND
        insatser = page.locator("#field-insats .suggestion")
        names = [insatser.nth(i).get_attribute("data-value") for i in range(insatser.count())]
        page.keyboard.press(f"Alt+{names.index(INSATS) + 1}")
        page.wait_for_selector("#approve:focus")
        page.keyboard.press("Enter")
        page.wait_for_selector("#result.outcome")
        assert "Inregistrerad" in page.inner_text("#result")


def test_search_finds_the_person_and_the_queue_tells_documents_apart(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a read batch WHEN the granskare looks at the queue and searches for the
    personnummer THEN both show the name and the masked personnummer, the form, the file
    and page, the batch and the förbund; the personnummer is never shown whole."""
    with service() as base:
        forms = make_forms(tmp_path)
        _upload(page, base, "forbund", forms)
        _login(page, base, "granskare")
        page.goto(f"{base}/ko")
        row = page.inner_text("#queue tbody tr >> nth=0")
        assert "19931116-****" in row and FORBUND in row and ", sida 1" in row
        _shot(page, "3-queue")
        page.click("nav >> text=Sök")
        page.fill("#q", "931116-2383")
        page.keyboard.press("Enter")
        page.wait_for_selector("#queue")
        text = page.inner_text("#queue")
        assert page.locator("#queue tbody tr").count() == 2
        assert "Eliasson" in text and "19931116-****" in text and PERSONNUMMER not in text
        assert forms[0].name in text
        assert PERSONNUMMER not in page.url
        _shot(page, "4-search")


def test_claims_follow_the_open_page_and_an_admin_releases_one(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN two 9448 and claims that lapse 5 s after the page last renewed them (every
    second here)
    WHEN one granskare opens "nästa" in two tabs THEN each tab has its own document;
    WHILE the first tab stays open (longer than a claim lasts) an admin sees it held;
    WHEN that tab is closed THEN it is free at once;
    WHEN the admin presses "Släpp dokumentet" on the second THEN the admin may decide it."""
    with service(claim_seconds=5, claim_renew_seconds=1) as base:
        forbund = tmp_path / "a"
        _upload(page, base, "forbund", [*make_forms(forbund, consent=False),
                                        *make_forms(tmp_path / "b", seed=7, consent=False)])
        _login(page, base, "granskare")
        _open_next(page, base)
        second = page.context.new_page()
        _open_next(second, base)
        assert page.url != second.url
        time.sleep(7)  # longer than a claim lasts: the open pages renew theirs
        admin = page.context.browser.new_context(viewport={"width": 1500, "height": 1000})
        admin_page = admin.new_page()
        _login(admin_page, base, "admin")
        admin_page.goto(page.url)
        assert "granskas just nu av granskare" in admin_page.inner_text("#held-by")
        page.close()  # the tab goes: its claim is let go
        admin_page.reload()
        deadline = time.monotonic() + 5
        while admin_page.locator("#held-by").count() and time.monotonic() < deadline:
            time.sleep(0.5)
            admin_page.reload()
        assert admin_page.locator("#held-by").count() == 0
        assert admin_page.locator("#approve").count() == 1
        admin_page.goto(second.url)
        admin_page.wait_for_selector("#held-by")
        _shot(admin_page, "5-held-by-release")
        admin_page.click("#release")
        admin_page.wait_for_selector("#review[data-decidable=true]")
        assert admin_page.locator("#approve").count() == 1
        admin.close()


def test_a_decided_document_reopens_read_only_with_its_decision(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a clean 9448 the granskare approved (the page went on)
    WHEN the granskare presses the back button
    THEN the document shows its decision, who made it and when, and cannot be edited or
    approved again."""
    with service() as base:
        _upload(page, base, "forbund", make_forms(tmp_path))
        _login(page, base, "granskare")
        _open_next(page, base)
        url = page.url
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/ko")
        page.go_back()
        page.wait_for_selector("#decided")
        assert page.url == url
        decided = page.inner_text("#decided")
        assert "Godkänd av granskare den " in decided and "Inregistrerad" in decided
        assert page.locator("#approve").count() == 0
        assert page.locator("#in-namn").is_disabled()
        _shot(page, "6-decided-read-only")


def _measure(page: Any, base: str, steps: Callable[[], int]) -> tuple[int, float]:
    started = time.monotonic()
    _open_next(page, base)
    keys = steps()
    page.wait_for_selector("#result.outcome")
    seconds = time.monotonic() - started
    page.wait_for_url("**/ko")  # the page goes on by itself: the queue is empty
    return keys, seconds


def test_keystrokes_and_seconds_per_form(
        service: Callable[..., Any], page: Any, tmp_path: Path) -> None:
    """GIVEN a clean form, a form with a misread personnummer and one with an unknown
    insats (each with its consent) WHEN the granskare reviews each from "nästa" to
    registered THEN it takes 1, at most 3, and 2 keystrokes; the figures are printed."""
    with service() as base:
        misread = make_forms(tmp_path / "m", seed=5, consent=False,
                             written={"personnummer": MISREAD})
        consent = make_forms(tmp_path / "mc", seed=5)[1]  # with the right personnummer
        _upload(page, base, "forbund", [*make_forms(tmp_path / "c", seed=7)])
        _login(page, base, "granskare")

        def clean() -> int:
            assert _focused(page) == "approve"
            page.keyboard.press("Enter")
            return 1

        figures = {"ren blankett": _measure(page, base, clean)}
        _logout(page)
        _upload(page, base, "forbund", [*misread, consent])
        _login(page, base, "granskare")

        def misread_personnummer() -> int:
            assert _focused(page) == "in-personnummer"
            keys = 0
            if page.input_value("#in-personnummer") != PERSONNUMMER:  # not offered: type it
                page.keyboard.press("Control+A")
                page.keyboard.type(PERSONNUMMER)
                keys += 1 + len(PERSONNUMMER)
            page.keyboard.press("Enter")
            page.wait_for_selector("#approve:focus")
            page.keyboard.press("Enter")
            return keys + 2

        figures["felläst personnummer"] = _measure(page, base, misread_personnummer)
        _logout(page)
        _upload(page, base, "forbund", make_forms(tmp_path / "u", seed=9,
                                                  insats=UNKNOWN_INSATS))
        _login(page, base, "granskare")

        def unknown_insats() -> int:
            assert _focused(page) == "in-insats"
            page.keyboard.press("Enter")
            page.wait_for_selector("#approve:focus")
            page.keyboard.press("Enter")
            return 2

        figures["okänd insats"] = _measure(page, base, unknown_insats)
        _shot(page, "7-measured-last")
    print("\nGranskning från 'nästa' till registrerad (Chromium, tangenttryck och sekunder):")
    for case, (keys, seconds) in figures.items():
        print(f"  {case:22} {keys:3} tangenttryck  {seconds:5.1f} s")
    assert figures["ren blankett"][0] == 1
    assert figures["okänd insats"][0] == 2
    assert figures["felläst personnummer"][0] <= 3
