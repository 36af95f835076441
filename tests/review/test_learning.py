"""Learning from reviewers (``intake.review.learning``): approving a form keeps the
glyphs of the digit fields a reviewer confirmed or corrected, as single labelled
images that identify no one; a Setting turns it off; it never makes approval fail."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from intake.forms import FieldType
from intake.learned.corrections import load_corrections
from intake.learned.digits import CLASSES
from intake.review import learning
from intake.review.learning import choose_labels, written_forms
from intake.settings import Settings
from sus_store.schema import Participation
from tests.review.conftest import (
    TODAY,
    login,
    make_forms,
    read_all,
    service_client,
    state_of,
    upload,
)


def _read_9448(client: TestClient, folder: Path, *, style: str = "digital",
               consent: bool = True, seed: int = 5
               ) -> tuple[int, dict[str, dict[str, object]], str]:
    """Upload a 9448 (and its consent), read it; its id, fields and a granskare's token."""
    upload(client, login(client, "forbund"),
           make_forms(folder, style=style, consent=consent, seed=seed))
    read_all(client)
    token = login(client, "granskare")
    document = max((d for d in client.get("/api/documents").json() if d["form"] == "9448"),
                   key=lambda d: d["id"])
    claimed = client.post(f"/api/documents/{document['id']}/claim",
                          headers={"X-CSRF-Token": token})
    assert claimed.status_code == 200, claimed.text
    detail = client.get(f"/api/documents/{document['id']}").json()
    return document["id"], {f["name"]: f for f in detail["fields"]}, token


def _confirm_and_approve(client: TestClient, document_id: int, token: str,
                         values: dict[str, object]) -> dict[str, object]:
    headers = {"X-CSRF-Token": token}
    put = client.put(f"/api/documents/{document_id}/fields", json={"values": values},
                     headers=headers)
    assert put.status_code == 200, put.text
    response = client.post(f"/api/documents/{document_id}/decision",
                           json={"action": "approve"}, headers=headers)
    decision: dict[str, object] = {**response.json(), "http": response.status_code}
    return decision


def _corrections(client: TestClient) -> Path:
    return state_of(client).settings.corrections_dir()


def test_approving_a_confirmed_personnummer_keeps_its_glyphs_labelled_and_nothing_else(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a hand-printed 9448, scanned, whose personnummer the reviewer confirms
    WHEN the form is approved
    THEN one shard named by the day holds just the images (28 × 28 uint8) and labels of
    its twelve digits, not in the order written; no other file, name or number is kept,
    and nothing personal is logged."""
    caplog.set_level(logging.DEBUG, logger="intake.review")
    with service_client(tmp_path) as client:
        document_id, fields, token = _read_9448(client, tmp_path, style="hand-office300")
        pnr = str(fields["personnummer"]["value"])
        others = [n for n in ("startdatum", "arbete_procent", "studier_procent")
                  if fields[n]["flagged"] and fields[n]["value"] is not None]
        assert others == [], "only the personnummer may be reviewed here"
        decision = _confirm_and_approve(client, document_id, token, {"personnummer": pnr})
        assert decision["status"] == "approved", decision
        folder = _corrections(client)
    assert [p.name for p in folder.glob("*") if not p.name.startswith(".")] == [
        f"{TODAY.isoformat()}-0001.npz"]
    with np.load(folder / f"{TODAY.isoformat()}-0001.npz") as shard:
        assert sorted(shard.files) == ["images", "labels"]
        images, labels = shard["images"], shard["labels"]
    assert images.dtype == np.uint8 and images.shape == (12, 28, 28)
    written = "".join(CLASSES[i] for i in labels)
    assert Counter(written) == Counter(pnr)
    assert written != pnr  # shuffled: 12 digits in the written order would be the number
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert pnr not in logged and pnr[2:8] not in logged


def test_unreviewed_fields_and_refused_approvals_keep_nothing(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN a digitally filled 9448 without consent, its personnummer confirmed
    WHEN approval is refused (no consent) THEN no glyph is kept;
    GIVEN a clean 9448 with consent nobody corrected WHEN approved THEN none either."""
    document_id, fields, token = _read_9448(client, tmp_path, consent=False)
    refused = _confirm_and_approve(client, document_id, token,
                                   {"personnummer": fields["personnummer"]["value"]})
    assert refused["http"] == 422
    assert load_corrections(_corrections(client))[1].size == 0
    document_id, fields, token = _read_9448(client, tmp_path, seed=6)
    assert not any(f["flagged"] for f in fields.values())
    approved = client.post(f"/api/documents/{document_id}/decision",
                           json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert approved.json()["status"] == "approved"
    assert load_corrections(_corrections(client))[1].size == 0


def test_with_the_setting_off_nothing_is_kept(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN SUS_LEARN_FROM_CORRECTIONS=false
    WHEN a form with a corrected personnummer is approved
    THEN it is registered and no glyph, shard or directory is kept."""
    monkeypatch.setenv("SUS_LEARN_FROM_CORRECTIONS", "false")
    assert Settings().learn_from_corrections is False
    with service_client(tmp_path, learn_from_corrections=False) as client:
        document_id, fields, token = _read_9448(client, tmp_path)
        decision = _confirm_and_approve(client, document_id, token,
                                        {"personnummer": fields["personnummer"]["value"]})
        assert decision["status"] == "approved"
        assert not _corrections(client).exists()


@pytest.mark.parametrize("failing", ["add_glyphs", "reviewed_glyphs"])
def test_a_failure_to_keep_glyphs_does_not_fail_approval(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        failing: str) -> None:
    """GIVEN writing the shard (or cutting the glyphs) fails
    WHEN a form with a confirmed personnummer is approved
    THEN the participant is registered all the same, and the failure is logged by
    its kind only."""
    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError("No space left on device: /data/corrections")

    monkeypatch.setattr(learning, failing, fail)
    with service_client(tmp_path) as client:
        document_id, fields, token = _read_9448(client, tmp_path)
        decision = _confirm_and_approve(client, document_id, token,
                                        {"personnummer": fields["personnummer"]["value"]})
        assert decision["status"] == "approved", decision
        with state_of(client).store.transaction() as session:
            assert session.scalar(select(func.count(Participation.id))) == 1
        assert load_corrections(_corrections(client))[1].size == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("OSError" in w for w in warnings)


def test_a_date_may_be_written_in_several_ways_with_slashes_as_glyphs() -> None:
    """GIVEN an approved date WHEN the ways it may be written are listed THEN they
    include 14/3 2026 as its glyphs (the space drawn as nothing) and 20260314."""
    forms = written_forms(FieldType.DATE, "2026-03-14")
    assert {"14/32026", "20260314", "14032026", "14/03/26"} <= set(forms)
    assert written_forms(FieldType.PERSONNUMMER, "199311162383") == [
        "199311162383", "9311162383"]
    assert written_forms(FieldType.DATE, "not a date") == []


def test_of_several_fitting_ways_none_is_chosen_without_a_clear_preference() -> None:
    """GIVEN two ways of writing that fit the glyph count
    WHEN there is no classifier THEN no labels are chosen; one way alone is taken."""
    images = np.zeros((8, 28, 28), np.float32)
    assert choose_labels(["20260314", "14032026"], images, None) is None
    assert choose_labels(["20260314"], images, None) == "20260314"
    assert choose_labels([], images, None) is None
