"""Bodies of requests other than an upload are small: a large one is refused (413)
before any route reads it, logged in or not."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.review.conftest import login
from tests.review.hostile import BOUNDARY, CHUNK, post_in_chunks

MB = 1024 * 1024


def form_body(total: int) -> Iterator[bytes]:
    """A multipart form with a "file" of ``total`` bytes, in chunks."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="username";'
           f' filename="x"\r\n\r\n').encode()
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_large_body_to_the_login_is_refused_before_it_is_read(client: TestClient) -> None:
    """GIVEN no session WHEN 16 MB of form are posted to /login (no declared length)
    THEN 413 in Swedish once 1 MB has arrived; the rest is never read."""
    sent = post_in_chunks(client, "/login", form_body(16 * MB), headers={
        "content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert sent.status == 413 and sent.body["code"] == "upload_too_large"
    assert sent.body["message"] == "Förfrågan är större än 1024 kB."
    assert sent.pulled <= MB + CHUNK


def test_declared_large_json_is_refused_unread(client: TestClient) -> None:
    """GIVEN a logged-in reviewer WHEN a correction declaring 50 MB is sent
    THEN 413 and not a byte of it is read."""
    token = login(client, "granskare")
    sent = post_in_chunks(client, "/api/documents/1/decision", iter([b"{}"]), headers={
        "content-type": "application/json", "content-length": str(50 * MB),
        "x-csrf-token": token})
    assert sent.status == 413 and sent.pulled == 0


def test_small_bodies_pass_unchanged(client: TestClient) -> None:
    """GIVEN the limit WHEN the login form is posted as usual THEN it works."""
    assert login(client, "granskare")
