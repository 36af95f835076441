"""A form naming a förbund or insats SUS does not have (issue 15, point 1): flagged with
the closest names offered, the refusal names the unknown name (not permissions), and the
document never traps the reviewer's "nästa"."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.review.conftest import (
    FORBUND,
    INSATS,
    OTHER_FORBUND,
    login,
    make_forms,
    read_all,
    upload,
)

UNKNOWN_FORBUND = "Samordningsförbundet Stockholms stad"
UNKNOWN_INSATS = "Ung framtid Örebro"


def _field(document: dict[str, object], name: str) -> dict[str, object]:
    fields = document["fields"]
    assert isinstance(fields, list)
    found: dict[str, object] = next(f for f in fields if f["name"] == name)
    return found


def _only(client: TestClient, form: str = "9448") -> dict[str, object]:
    found: dict[str, object] = next(d for d in client.get("/api/documents").json()
                                    if d["form"] == form)
    return found


def test_an_unknown_insats_is_flagged_with_the_forbunds_insatser_offered(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a förbund's 9448 naming an insats the förbund does not have
    WHEN it is read THEN the insats is flagged, saying it is not in SUS, and the
    förbund's own insats is offered."""
    upload(client, login(client, "forbund"), make_forms(tmp_path, insats=UNKNOWN_INSATS))
    read_all(client)
    login(client, "granskare")
    insats = _field(_only(client), "insats")
    assert insats["flagged"] is True
    assert any("finns inte" in str(m) for m in insats["messages"])  # type: ignore[attr-defined]
    assert insats["suggestions"] == [INSATS]


def test_an_unknown_forbund_without_an_uploaders_forbund_is_flagged_with_candidates(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN an admin upload (no förbund of its own) of a 9448 naming a förbund and an
    insats SUS does not have
    WHEN it is read THEN both are flagged and SUS's förbund are offered (none passes as
    clean, as in issue 15)."""
    forms = make_forms(tmp_path, forbund=UNKNOWN_FORBUND, insats=UNKNOWN_INSATS)
    upload(client, login(client, "admin"), forms)
    read_all(client)
    document = _only(client)
    forbund = _field(document, "samverkansorganisation")
    assert forbund["flagged"] is True
    assert set(forbund["suggestions"]) == {FORBUND, OTHER_FORBUND}  # type: ignore[arg-type]
    assert _field(document, "insats")["flagged"] is True


def test_approving_an_unknown_insats_names_it_not_permissions_and_next_moves_on(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a 9448 with an unknown insats, and a clean 9448 after it
    WHEN the granskare approves the first unchanged
    THEN the refusal names the unknown insats and offers the förbund's (never "saknar
    giltig behörighet"); "nästa" then hands out the other document, not this one again;
    and choosing the offered insats lets it be approved."""
    token = login(client, "forbund")
    upload(client, token, make_forms(tmp_path / "a", insats=UNKNOWN_INSATS))
    upload(client, token, make_forms(tmp_path / "b", seed=7))
    read_all(client)
    token = login(client, "granskare")
    first = client.get("/granska/nasta", follow_redirects=False).headers["location"]
    document_id = int(first.rsplit("/", 1)[1])
    headers = {"X-CSRF-Token": token}
    assert client.post(f"/api/documents/{document_id}/claim", headers=headers).is_success
    refused = client.post(f"/api/documents/{document_id}/decision",
                          json={"action": "approve"}, headers=headers)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "unknown_name" and body["field"] == "insats"
    assert UNKNOWN_INSATS in body["message"] and "behörighet" not in body["message"]
    assert body["candidates"] == [INSATS]

    following = client.get("/granska/nasta", follow_redirects=False).headers["location"]
    assert following not in (first, "/ko")
    skipped = client.get(f"/granska/nasta?efter={document_id}", follow_redirects=False)
    assert skipped.headers["location"] != first

    chosen = client.put(f"/api/documents/{document_id}/fields",
                        json={"values": {"insats": INSATS}}, headers=headers)
    assert chosen.is_success, chosen.text
    approved = client.post(f"/api/documents/{document_id}/decision",
                           json={"action": "approve"}, headers=headers)
    assert approved.status_code == 200, approved.text
