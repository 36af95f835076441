"""The whole JSON API fuzzed from its own OpenAPI schema (schemathesis), as each role:
no request makes the service fail (5xx), and no answer carries another förbund's
personal data. The default run is small; the ``slow`` run tries many more cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import select

from intake.review.schema import Batch, Document
from tests.review.conftest import (
    FORBUND,
    OTHER_FORBUND,
    OTHER_INSATS,
    login,
    make_forms,
    read_all,
    state_of,
    upload,
)

#: Who may not see whose personal data: role → the förbund whose forms they must not see.
MUST_NOT_SEE = {"forbund": OTHER_FORBUND, "goteborg": FORBUND,
                "granskare": OTHER_FORBUND, "annan": FORBUND}
ROLES = ("admin", "granskare", "annan", "diariet", "forbund", "goteborg")
PERSONAL_FIELDS = ("personnummer", "namn", "namnfortydligande")


def _personal_data(client: TestClient) -> dict[str, set[str]]:
    """Each förbund's personnummer and names, as read from the forms uploaded for it."""
    found: dict[str, set[str]] = {FORBUND: set(), OTHER_FORBUND: set()}
    with state_of(client).store.transaction() as session:
        for document in session.scalars(select(Document)):
            owner = _forbund_name(session, document.batch_id)
            for name in PERSONAL_FIELDS:
                value = (document.fields or {}).get(name, {}).get("value")
                if isinstance(value, str) and len(value) >= 6:
                    found[owner].add(value)
    assert all(found.values()), found
    return found


def _forbund_name(session: Any, batch_id: int) -> str:
    from sus_store import list_forbund

    batch = session.get_one(Batch, batch_id)
    return next(f.name for f in list_forbund(session) if f.id == batch.forbund_id)


def _request(client: TestClient, case: Any, token: str) -> Any:
    """Send a generated case through the test client, logged in, with the CSRF token."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in kwargs.get("headers", {}).items()
               if k.lower() not in ("cookie", "connection")}
    headers["X-CSRF-Token"] = token
    send: dict[str, Any] = {"params": kwargs.get("params") or None, "headers": headers}
    if "json" in kwargs:
        send["json"] = kwargs["json"]
    if isinstance(kwargs.get("data"), bytes | str):
        send["content"] = kwargs["data"]
    elif kwargs.get("files") is not None or kwargs.get("data") is not None:
        send["files"], send["data"] = _as_text_parts(kwargs.get("files")), kwargs.get("data")
    return client.request(kwargs["method"], kwargs["url"], **send)


def _as_text_parts(files: Any) -> Any:
    """Multipart parts as a client sends them: a generated non-text value (a number
    schemathesis put in an extra field) goes as its text, which is all a form carries."""
    if not isinstance(files, list):
        return files
    return [(name, (None, str(part[1])) if isinstance(part, tuple) and part[0] is None
             and not isinstance(part[1], str | bytes) else part) for name, part in files]


def _fuzz_operation(client: TestClient, operation: Any, examples: int, *, role: str,
                    token: str, forbidden: set[str], seen: Counter[int]) -> None:
    @settings(max_examples=examples, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = _request(client, case, token)
        seen[response.status_code] += 1
        where = f"{role}: {case.method} {case.formatted_path} -> {response.status_code}"
        assert response.status_code < 500, f"{where}: {response.text[:300]}"
        leaked = [value for value in forbidden if value in response.text]
        assert not leaked, f"{where} shows another förbund's personal data"

    check()


def _fuzz(client: TestClient, examples: int) -> dict[str, Counter[int]]:
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    personal = _personal_data(client)
    statuses: dict[str, Counter[int]] = {}
    for role in ROLES:
        token = login(client, role)
        forbidden = personal.get(MUST_NOT_SEE.get(role, ""), set())
        seen: Counter[int] = Counter()
        for operation in operations:
            _fuzz_operation(client, operation, examples, role=role, token=token,
                            forbidden=forbidden, seen=seen)
        statuses[role] = seen
    return statuses


@pytest.mark.parametrize("examples", [
    4, pytest.param(60, marks=pytest.mark.slow)])
def test_fuzzing_the_api_as_each_role_finds_no_5xx_and_no_leak(
        client: TestClient, tmp_path: Path, examples: int) -> None:
    """GIVEN forms of two förbund read into the queue
    WHEN every API operation is called with cases generated from the OpenAPI schema
    (valid and invalid: odd ids, odd bodies, odd query values), logged in as each role
    with a valid CSRF token
    THEN no answer is a 5xx, and no förbund user or granskare gets an answer holding a
    personnummer or name from the other förbund's forms."""
    upload(client, login(client, "forbund"), make_forms(tmp_path / "pyramis"))
    upload(client, login(client, "goteborg"), make_forms(
        tmp_path / "goteborg", insats=OTHER_INSATS, forbund=OTHER_FORBUND, seed=7))
    read_all(client)
    statuses = _fuzz(client, examples)
    total = sum(sum(seen.values()) for seen in statuses.values())
    print(f"\nfuzzed {total} requests: " + json.dumps(
        {role: dict(sorted(seen.items())) for role, seen in statuses.items()}))
    assert all(sum(seen.values()) >= len(seen) for seen in statuses.values())


def test_an_id_too_large_for_the_database_is_refused_not_a_500(client: TestClient) -> None:
    """GIVEN a logged-in admin (who may see every document)
    WHEN a document, batch or queue filter is asked for by an id beyond the database's
    integers (what the fuzzer tried first) THEN 422 or 404, never a 500."""
    token = login(client, "admin")
    huge = 2**63 + 1
    headers = {"X-CSRF-Token": token}
    assert client.get(f"/api/documents/{huge}").status_code == 422
    assert client.get(f"/api/batches/{huge}").status_code == 422
    assert client.post(f"/api/documents/{huge}/claim", headers=headers).status_code == 422
    assert client.get("/api/documents", params={"insats_id": huge}).status_code == 422
    assert client.get(f"/granska/{huge}").status_code == 404
    assert client.get(f"/batch/{huge}").status_code == 404
    assert client.get(f"/samtycken/{huge}/skanning").status_code == 404
