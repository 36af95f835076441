"""The service's log: every request has an id, echoed in X-Request-ID and carried by
the lines written for it; and a whole run of uploading, reading and approving forms
logs no personnummer and no participant's name."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intake.logs import CONTENT_LOGGERS, JsonLines
from intake.sus.personnummer import luhn_digit
from tests.review.conftest import login, make_forms, read_all, upload

#: 10 or 12 digits, maybe a separator before the last four (as the issue asks).
NUMBER = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+ ]?(\d{4})(?!\d)")


def personnummer_in(text: str) -> list[str]:
    """Every run of 10/12 digits in ``text`` whose last digit is the Luhn digit."""
    found = []
    for match in NUMBER.finditer(text):
        digits = (match.group(1) + match.group(2))[-10:]
        if luhn_digit(digits[:9]) == int(digits[9]):
            found.append(match.group(0))
    return found


def test_a_request_id_is_echoed_or_made(client: TestClient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a request with X-Request-ID THEN the answer echoes it and its log line
    carries it; GIVEN none (or one with odd characters) THEN a fresh id is made."""
    caplog.set_level(logging.INFO, logger="intake.request")
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
    assert given.headers["x-request-id"] == "lb-7f3a.1"
    made = client.get("/healthz")
    odd = client.get("/healthz", headers={"X-Request-ID": "ett id\" med {skrap}"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    assert made.headers["x-request-id"] != odd.headers["x-request-id"]
    lines = [json.loads(JsonLines().format(r)) for r in caplog.records
             if r.name == "intake.request"]
    assert [(line["request_id"], line["route"], line["status"]) for line in lines] == [
        ("lb-7f3a.1", "/healthz", 200), (made.headers["x-request-id"], "/healthz", 200),
        (odd.headers["x-request-id"], "/healthz", 200)]


def test_uploading_reading_and_approving_logs_no_personnummer_or_name(
        client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN everything the service logs (with --verbose, and its own debugging lines)
    while forms are uploaded (a
    digital 9448 with its 9443, a scanned 9448, a text file), read, a login fails and
    the 9448 is approved
    THEN every line is one JSON object, the lines written for a request carry its id,
    and no message or traceback — even before scrubbing — holds a personnummer (any
    10/12 digits passing Luhn) or a participant's name."""
    for library in CONTENT_LOGGERS:  # as configure_logging keeps them
        caplog.set_level(logging.WARNING, logger=library)
    caplog.set_level(logging.INFO)  # the most the service logs (--verbose) ...
    for ours in ("intake", "sus_store"):  # ... and its own debugging lines
        caplog.set_level(logging.DEBUG, logger=ours)  # (the last call: capture DEBUG)
    digital = make_forms(tmp_path / "digital")
    scanned = make_forms(tmp_path / "scanned", style="typed-office300", consent=False, seed=9)
    junk = tmp_path / "anteckning.txt"
    junk.write_text("inte en blankett")
    upload(client, login(client, "forbund"), [*digital, *scanned, junk])
    read_all(client)
    client.post("/login", data={"username": "granskare", "password": "fel", "csrf": "x"})
    token = login(client, "granskare")
    document = next(d for d in client.get("/api/documents").json() if d["form"] == "9448"
                    and not d.get("needs_review"))
    client.post(f"/api/documents/{document['id']}/claim", headers={"X-CSRF-Token": token})
    decided = client.post(f"/api/documents/{document['id']}/decision",
                          json={"action": "approve"}, headers={"X-CSRF-Token": token})
    assert decided.status_code == 200, decided.text

    people = _people(tmp_path)
    assert people and len(caplog.records) > 10
    formatter = JsonLines()
    for record in caplog.records:
        line = formatter.format(record)
        assert "\n" not in line and isinstance(json.loads(line), dict)
        raw = record.getMessage() + (formatter.formatException(record.exc_info)
                                     if record.exc_info else "")
        assert personnummer_in(raw) == [], f"{record.name}: {raw}"
        assert not [p for p in people if p in raw], f"{record.name}: {raw}"
    requests = [r for r in caplog.records if r.name == "intake.request"]
    assert requests and all(json.loads(formatter.format(r)).get("request_id")
                            for r in requests)


def _people(folder: Path) -> set[str]:
    """The names (each part) and personnummer written on the forms made in ``folder``."""
    people: set[str] = set()
    for truth in folder.rglob("*.truth.json"):
        for document in json.loads(truth.read_text()):
            fields = document["fields"]
            for name in ("namn", "personnummer"):
                if fields.get(name):
                    people.update(part for part in str(fields[name]).split() if len(part) > 2)
    return people
