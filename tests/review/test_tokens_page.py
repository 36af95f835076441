"""The ``/nycklar`` page in Chromium: an uppladdare makes a token, sees it once, uses it
from a script, and revokes it."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.review.test_browser import _login, page, server

__all__ = ["page", "server"]  # the fixtures, used by name

pytestmark = pytest.mark.browser
#: Where screenshots go, when wanted (``SUS_SHOTS_DIR``).
SHOTS = os.environ.get("SUS_SHOTS_DIR")


def _status(url: str, secret: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_make_use_and_revoke_a_token_on_the_page(server: tuple[str, object],
                                                 page: object) -> None:
    base, _app = server
    _login(page, base, "forbund")
    page.click("text=API-nycklar")  # type: ignore[attr-defined]
    page.fill("input[name=label]", "förbundets skript")  # type: ignore[attr-defined]
    page.fill("input[name=days]", "30")  # type: ignore[attr-defined]
    page.click("button:has-text('Gör nyckel')")  # type: ignore[attr-defined]
    secret = page.inner_text("#token-secret")  # type: ignore[attr-defined]
    assert secret.startswith("sus_")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "nycklar-ny.png"))  # type: ignore[attr-defined]
    assert _status(f"{base}/api/batches", secret) == 200
    assert _status(f"{base}/", secret) == 401  # a page refuses it
    page.goto(f"{base}/nycklar")  # type: ignore[attr-defined]
    assert secret not in page.content()  # type: ignore[attr-defined]
    page.click("button:has-text('Återkalla')")  # type: ignore[attr-defined]
    page.wait_for_selector("text=API-nyckeln har återkallats.")  # type: ignore[attr-defined]
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "nycklar-aterkallad.png"))  # type: ignore[attr-defined]
    assert _status(f"{base}/api/batches", secret) == 401
