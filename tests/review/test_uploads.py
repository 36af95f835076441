"""Uploads under hostile input: who asks is known before the body is read, files
stream to disk within the limits of the settings (413 past one), bombs by pixels and
by pages end as a clear Swedish message, odd names are cleaned and bounded, and no
file is left on disk without its row. The server's memory is watched (a bound on
its growth, never a time)."""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from intake.review.schema import Upload
from tests.review.conftest import login, read_all, service_client, state_of
from tests.review.hostile import (
    BOUNDARY,
    CHUNK,
    blank_pdf_pages,
    encrypted_pdf,
    files_left,
    multipart,
    multipart_chunks,
    orphans,
    pdf_with_image,
    png_declaring,
    post_in_chunks,
    tiff_frames,
)

MB = 1024 * 1024
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
INTERNAL = "Ett internt fel"


def content(total: int, tag: str) -> Iterator[bytes]:
    """``total`` bytes of a would-be PDF, in chunks, distinct by ``tag``."""
    head = f"%PDF-1.4 {tag}\n".encode()
    sent = 0
    while sent < total:
        size = min(CHUNK, total - sent)
        yield (head + b"\x00" * (size - len(head))) if sent == 0 else b"\x00" * size
        sent += size


def uploads(client: TestClient) -> int:
    with state_of(client).store.transaction() as session:
        return session.scalar(select(func.count(Upload.id))) or 0


def traced_peak(action: Callable[[], object]) -> int:
    """The most Python memory (bytes) ``action`` held at once beyond what was held."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def rss_growth(action: Callable[[], object]) -> int:
    """How far the process's resident memory peaked (kB) above where it was: the
    kernel's high-water mark, reset first (C libraries' memory counts too)."""
    status = Path("/proc/self/status")
    clear = Path("/proc/self/clear_refs")
    if not clear.exists():
        pytest.skip("needs Linux /proc to watch resident memory")

    def field(name: str) -> int:
        line = next(x for x in status.read_text().splitlines() if x.startswith(name))
        return int(line.split()[1])
    clear.write_text("5")  # the high-water mark starts again from now
    before = field("VmRSS:")
    action()
    return field("VmHWM:") - before


def test_anonymous_upload_is_refused_before_its_body_is_read(client: TestClient) -> None:
    """GIVEN no session WHEN 8 MB are posted to /api/batches
    THEN 401 before the body is read (the application pulled none of it), nothing on disk."""
    body = multipart_chunks([("skanning.pdf", content(8 * MB, "anonym"))])
    sent = post_in_chunks(client, "/api/batches", body, headers={"content-type": MULTIPART})
    assert sent.status == 401 and sent.body["code"] == "not_logged_in"
    assert sent.pulled == 0
    assert files_left(client) == []


def test_body_declared_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    """GIVEN an uploader and a limit of 2 MB a request
    WHEN a body declaring 10 GB is posted THEN 413 with a Swedish message, unread."""
    with service_client(tmp_path, max_upload_mb=1, max_request_mb=2) as client:
        token = login(client, "forbund")
        body = multipart_chunks([("stor.pdf", content(3 * MB, "deklarerad"))])
        sent = post_in_chunks(client, "/api/batches", body, headers={
            "content-type": MULTIPART, "content-length": str(10 * 1024 * MB),
            "x-csrf-token": token})
        assert sent.status == 413 and sent.body["code"] == "upload_too_large"
        assert "2 MB" in str(sent.body["message"])
        assert sent.pulled == 0 and files_left(client) == []


def test_file_over_the_limit_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    """GIVEN a limit of 1 MB a file WHEN a 5 MB file streams in (no declared length)
    THEN 413 as soon as the limit is passed; no file on disk, no row."""
    with service_client(tmp_path, max_upload_mb=1, max_request_mb=20) as client:
        token = login(client, "forbund")
        body = multipart_chunks([("liten.pdf", content(10_000, "liten")),
                                 ("stor.pdf", content(5 * MB, "stor"))])
        sent = post_in_chunks(client, "/api/batches", body, headers={
            "content-type": MULTIPART, "x-csrf-token": token})
        assert sent.status == 413
        assert sent.body["message"] == ("En fil är större än 1 MB, det största som tas"
                                        " emot.")
        assert sent.pulled < 2 * MB  # stopped at the limit, not at the end
        assert files_left(client) == [] and uploads(client) == 0


def test_request_over_the_limit_is_refused_though_each_file_fits(tmp_path: Path) -> None:
    """GIVEN 1 MB a file and 2 MB a request WHEN three files of 0.9 MB are sent
    THEN 413 naming the request's limit; nothing kept."""
    with service_client(tmp_path, max_upload_mb=1, max_request_mb=2) as client:
        token = login(client, "forbund")
        body = multipart_chunks([(f"del{i}.pdf", content(9 * MB // 10, str(i)))
                                 for i in range(3)])
        sent = post_in_chunks(client, "/api/batches", body, headers={
            "content-type": MULTIPART, "x-csrf-token": token})
        assert sent.status == 413 and "2 MB sammanlagt" in str(sent.body["message"])
        assert files_left(client) == [] and uploads(client) == 0


def test_large_upload_streams_to_disk_without_memory_growth(client: TestClient) -> None:
    """GIVEN an uploader WHEN three files of 12 MB each are uploaded
    THEN they are stored, and the server never held more than 8 MB of them at once."""
    token = login(client, "forbund")
    result = {}

    def send() -> None:
        body = multipart_chunks([(f"del{i}.pdf", content(12 * MB, str(i))) for i in range(3)])
        result["sent"] = post_in_chunks(client, "/api/batches", body, headers={
            "content-type": MULTIPART, "x-csrf-token": token})
    peak = traced_peak(send)
    assert result["sent"].status == 200, result["sent"].body
    assert [u["status"] for u in result["sent"].body["uploads"]] == ["queued"] * 3
    assert peak < 8 * MB
    assert sorted(p.stat().st_size for p in files_left(client)) == [12 * MB] * 3


def test_worker_refuses_a_pdf_image_bomb_without_decoding_it(client: TestClient) -> None:
    """GIVEN a 400 kB PDF drawing one 20000² image (400 M pixels; default limits)
    WHEN it is uploaded and read THEN it fails as 'orimligt stor bild' and the
    server's resident memory grew by less than 150 MB."""
    token = login(client, "forbund")
    body = multipart([("bildbomb.pdf", pdf_with_image(20_000, 20_000))])
    response = client.post("/api/batches", content=body[1], headers={
        "content-type": body[0], "X-CSRF-Token": token})
    assert response.status_code == 200
    growth = rss_growth(lambda: read_all(client))
    detail = client.get(f"/api/batches/{response.json()['id']}").json()
    upload = detail["uploads"][0]
    assert upload["status"] == "failed"
    assert upload["message"].startswith("bildbomb.pdf: orimligt stor bild")
    assert growth < 150 * 1024


#: name → bytes of each hostile file, and what its upload must say when read
#: (None: read, whatever the page turned out to be).
def _corpus() -> list[tuple[str, bytes, str | None]]:
    proper = blank_pdf_pages(1, size_pt=595.0)
    return [
        ("pixelbomb.png", png_declaring(40_000, 40_000), "orimligt stor bild"),
        ("pixelbomb-lagom.png", png_declaring(2_100, 2_100), "orimligt stor bild"),
        ("pixelbomb-varning.png", png_declaring(13_000, 13_000), "orimligt stor bild"),
        ("sidbomb.pdf", blank_pdf_pages(4), "4 sidor är fler än de 3"),
        ("rutbomb.tif", tiff_frames(4), "4 sidor är fler än de 3"),
        ("bildbomb.pdf", pdf_with_image(2_500, 2_500), "orimligt stor bild på sidan 1"),
        ("vaggstor-sida.pdf", blank_pdf_pages(1, size_pt=14_400.0), None),
        ("avbruten.pdf", proper[: len(proper) // 2], "fail"),
        ("last.pdf", encrypted_pdf(), "kan inte läsas som PDF"),
        ("polyglot.pdf", b"%PDF-1.4\n" + png_declaring(100, 100),
         "kan inte läsas som PDF (filen är skadad eller ingen riktig PDF)"),
        ("tom.pdf", b"", "filen är tom"),
    ]


def test_hostile_files_each_end_with_a_swedish_message(tmp_path: Path) -> None:
    """GIVEN bombs by pixels (over PIL's ceiling, its warning band and the setting)
    and by pages (PDF, TIFF), an image bomb inside a PDF, a page as large as a wall,
    truncated, encrypted, polyglot and empty files
    WHEN each is uploaded through the API and read
    THEN no request is a 5xx, each is read or failed with its own Swedish message
    (never the internal error, never pdfium's or PIL's English: "Failed to load
    document (PDFium: Data format error)"; an empty file "filen är tom"), and nothing
    is left on disk without its row."""
    with service_client(tmp_path, max_pages_per_file=3, max_pixels_per_page=4_000_000) as client:
        token = login(client, "forbund")
        expected = {}
        for name, data, says in _corpus():
            kind, body = multipart([(name, data)])
            response = client.post("/api/batches", content=body,
                                   headers={"content-type": kind, "X-CSRF-Token": token})
            assert response.status_code == 200, (name, response.text)
            expected[response.json()["uploads"][0]["id"]] = (name, says)
        read_all(client)
        with state_of(client).store.transaction() as session:
            rows = {u.id: (u.status, u.message or "") for u in session.scalars(select(Upload))}
        for upload_id, (name, says) in expected.items():
            status, message = rows[upload_id]
            assert INTERNAL not in message, (name, message)
            assert not re.search(r"Failed|PDFium|error|cannot", message), (name, message)
            if says is None:
                assert status == "done", (name, message)
            elif says == "fail":
                assert status == "failed" and message.startswith(f"{name}: "), (name, message)
            else:
                assert status == "failed" and says in message, (name, message)
                assert message.startswith(f"{name}: ")
        assert orphans(client) == []


@pytest.mark.parametrize("sent, kept", [
    ("blan\x00kett.pdf", "blankett.pdf"),
    ("tab\tochdel\x7f.pdf", "tabochdel.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\skannat\\fk9448.pdf", "fk9448.pdf"),
    ("\x00\x01", "fil"),
])
def test_odd_file_names_are_cleaned_and_the_file_kept_with_its_row(
        client: TestClient, sent: str, kept: str) -> None:
    """GIVEN a file name with NUL bytes, control characters or a path
    WHEN it is uploaded THEN 200 with the name cleaned, and its bytes have a row."""
    token = login(client, "forbund")
    kind, body = multipart([(sent, blank_pdf_pages(1, size_pt=100.0 + len(sent)))])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    assert response.json()["uploads"][0]["filename"] == kept
    assert orphans(client) == [] and len(files_left(client)) == 1


def test_ten_thousand_character_name_is_shortened_keeping_its_extension(
        client: TestClient) -> None:
    """GIVEN a file name of 10,000 characters WHEN uploaded
    THEN it is kept as 255 characters ending in .pdf, with its row."""
    token = login(client, "forbund")
    kind, body = multipart([("å" * 10_000 + ".pdf", blank_pdf_pages(1))])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    name = response.json()["uploads"][0]["filename"]
    assert len(name) == 255 and name.endswith(".pdf") and name.startswith("ååå")
    assert orphans(client) == []


def test_a_failed_upload_leaves_no_file_behind(client: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the database refuses the upload's row (a fault mid-request)
    WHEN a file is uploaded THEN the request fails and no file is left in uploads/."""
    token = login(client, "forbund")
    import intake.review.ingest as ingest

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("databasen svarar inte")
    monkeypatch.setattr(ingest.BatchView, "model_validate", refuse)
    kind, body = multipart([("skanning.pdf", blank_pdf_pages(1))])
    with pytest.raises(RuntimeError):
        client.post("/api/batches", content=body,
                    headers={"content-type": kind, "X-CSRF-Token": token})
    assert files_left(client) == [] and uploads(client) == 0


@pytest.mark.parametrize("side", [40_000, 13_000])
def test_pixel_bomb_says_orimligt_stor_bild_not_internal_error(client: TestClient,
                                                               side: int) -> None:
    """GIVEN a PNG declaring side² pixels: over twice PIL's ceiling (its
    DecompressionBombError) or just over it (its warning), default settings
    WHEN uploaded and read THEN it fails as 'orimligt stor bild', not an internal error."""
    token = login(client, "forbund")
    kind, body = multipart([("bomb.png", png_declaring(side, side))])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200
    read_all(client)
    upload = client.get(f"/api/batches/{response.json()['id']}").json()["uploads"][0]
    assert upload["status"] == "failed"
    assert upload["message"].startswith("bomb.png: orimligt stor bild")
