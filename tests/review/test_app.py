"""What every response tells the browser (CSP, framing, sniffing, referrer), and what is
behind the login: the API's description too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.review.conftest import login, make_forms, read_all, upload

#: Pages and files of every kind: a page, a login redirect, the API's JSON, a static file.
ANSWERS = ["/login", "/ko", "/api/documents", "/static/app.css", "/static/review.js"]


def _csp(header: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.mark.parametrize("path", ANSWERS)
def test_every_answer_forbids_framing_sniffing_and_foreign_code(
        client: TestClient, path: str) -> None:
    """GIVEN any request, logged in or not WHEN the service answers
    THEN the answer carries a CSP allowing only the service's own scripts and styles (no
    inline code), X-Frame-Options DENY, nosniff and a Referrer-Policy."""
    response = client.get(path, follow_redirects=False)
    csp = _csp(response.headers["content-security-policy"])
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client: TestClient, tmp_path: Path) -> None:
    """GIVEN the CSP refuses inline code WHEN the pages with scripts (upload, batch, review)
    are rendered THEN none holds an inline <script> or style attribute the CSP would block."""
    batch = upload(client, login(client, "forbund"), make_forms(tmp_path))
    pages = ["/ladda-upp", f"/batch/{batch['id']}"]
    read_all(client)
    login(client, "granskare")
    document = next(d for d in client.get("/api/documents").json() if d["form"] == "9448")
    pages.append(f"/granska/{document['id']}")
    for page in pages:
        html = client.get(page).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"\sstyle=", html), page


def test_the_api_description_needs_a_login(client: TestClient) -> None:
    """GIVEN no session WHEN the OpenAPI schema or the API docs are asked for THEN 401;
    GIVEN a logged-in user THEN both are there, the docs allowed their own script only."""
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 401
    login(client, "granskare")
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/batches" in schema.json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    nonce = re.search(r"<script nonce=\"([^\"]+)\">", docs.text)
    assert nonce and f"'nonce-{nonce.group(1)}'" in docs.headers["content-security-policy"]
    assert "'unsafe-inline'" not in _csp(docs.headers["content-security-policy"])["script-src"]
