"""Hostile and broken upload files, made by the tests: bombs by pixels and by pages,
truncated, encrypted and polyglot files; multipart bodies built by hand (names with
NUL bytes, 10,000 characters), and a way to send a body to the application in
chunks, as a server receives it, counting what the application pulls."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter

from intake.review.schema import Upload
from tests.review.conftest import state_of

BOUNDARY = "grans-7d1f0c"
CHUNK = 64 * 1024


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` grey pixels, with a few
    bytes of data: opening it decodes nothing, decoding it would take it all."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def pdf_with_image(width: int, height: int, *, page_pt: float = 595.0) -> bytes:
    """A one-page PDF drawing one grey image of ``width`` × ``height`` pixels whose
    data is a little compressed white: small on disk, huge decoded."""
    squeeze = zlib.compressobj(9)
    row = b"\xff" * width
    data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_pt} {page_pt}]"
         " /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>").encode(),
        (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height}"
         f" /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"
         f" /Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream",
    ]
    content = f"q {page_pt} 0 0 {page_pt} 0 0 cm /Im0 Do Q".encode()
    objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content
                   + b"\nendstream")
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
              "%%EOF\n".encode())
    return out.getvalue()


def blank_pdf_pages(count: int, *, size_pt: float = 72.0) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(size_pt, size_pt)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tiff_frames(count: int) -> bytes:
    frames = [Image.new("L", (16, 16), 255) for _ in range(count)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("hemligt", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def multipart(files: list[tuple[str, bytes]], fields: dict[str, str] | None = None
              ) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body with ``files`` under "files", names sent as
    given (NUL bytes and all, UTF-8); its content type and bytes."""
    return f"multipart/form-data; boundary={BOUNDARY}", b"".join(
        multipart_chunks([(name, [data]) for name, data in files], fields))


def multipart_chunks(files: list[tuple[str, Iterator[bytes] | list[bytes]]],
                     fields: dict[str, str] | None = None) -> Iterator[bytes]:
    """The same body, each file's content coming from its own chunks."""
    for key, value in (fields or {}).items():
        yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
               f"{value}\r\n").encode()
    for name, chunks in files:
        yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files";'
               f' filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
               ).encode()
        yield from chunks
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def zeros(total: int) -> Iterator[bytes]:
    """``total`` bytes in chunks, never more than one chunk held."""
    sent = 0
    while sent < total:
        size = min(CHUNK, total - sent)
        sent += size
        yield b"%PDF-1.4\n" + b"\x00" * (size - 9) if sent == size else b"\x00" * size


class Sent:
    """What a request sent in chunks got: status, JSON body, bytes the app pulled."""

    def __init__(self, status: int, body: dict[str, object], pulled: int) -> None:
        self.status, self.body, self.pulled = status, body, pulled


def post_in_chunks(client: TestClient, path: str, chunks: Iterator[bytes], *,
                   headers: dict[str, str]) -> Sent:
    """POST straight to the ASGI application, the body arriving chunk by chunk as a
    server hands it on (TestClient would read it whole first), with the client's
    session cookie."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    raw = [(k.lower().encode(), v.encode()) for k, v in {**headers, "cookie": cookie}.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": raw,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    pulled = 0
    status = 0
    body = bytearray()

    async def receive() -> dict[str, object]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))  # type: ignore[arg-type]

    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    try:
        answer = json.loads(bytes(body) or b"{}")
    except ValueError:  # a page, not JSON
        answer = {"page": bytes(body).decode(errors="replace")}
    return Sent(status, answer, pulled)


def files_left(client: TestClient) -> list[Path]:
    """Every file under the service's data directory's uploads/ (staged ones too)."""
    root = state_of(client).settings.data_dir / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def orphans(client: TestClient) -> list[str]:
    """Files in uploads/ that no upload's row refers to (and any staged leftover)."""
    from sqlalchemy import select

    state = state_of(client)
    with state.store.transaction() as session:
        known = set(session.scalars(select(Upload.sha256)))
    return [p.name for p in files_left(client) if p.name not in known]
