"""The one place python-multipart is used: an upload request's body, streamed.

Files go straight to disk in chunks as they arrive (never held in memory), hashed on
the way, each counted against the limits; the first byte past a limit ends the
request with :class:`UploadTooLarge` and every file written so far is removed. The
small text fields (``forbund_id``, ``csrf``) are kept, each bounded too.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pydantic import BaseModel
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from intake.errors import InputError, UploadTooLarge

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MB = 1024 * 1024
FIELD_BYTES = 1024  # a text field of the upload form (a number, a token)
HEADER_BYTES = 64 * 1024  # a part's header: room for a file name of 10,000 characters
MAX_FIELDS = 10


class UploadLimits(BaseModel, frozen=True):
    file_bytes: int
    request_bytes: int
    files: int


class StagedFile(BaseModel, frozen=True):
    """One received file, on disk under a temporary name until it is kept or dropped."""

    filename: str  # as the client sent it: cleaned and bounded at the next step
    path: Path
    size: int
    sha256: str


class ReceivedForm(BaseModel):
    fields: dict[str, str]
    files: list[StagedFile]


def refuse_declared_size(content_length: str | None, limits: UploadLimits) -> None:
    """A body declared larger than the limit is refused before a byte is read."""
    if content_length and content_length.isdigit() and int(content_length) > limits.request_bytes:
        raise UploadTooLarge(_request_message(limits))


async def receive_form(chunks: AsyncIterator[bytes], content_type: str, *, staging: Path,
                       limits: UploadLimits) -> ReceivedForm:
    """Read a ``multipart/form-data`` body into ``staging``; on any failure nothing of
    it is left on disk."""
    receiver = _Receiver(staging, limits)
    try:
        parser = MultipartParser(_boundary(content_type), receiver.callbacks(),
                                 max_header_size=HEADER_BYTES)
        total = 0
        async for chunk in chunks:
            total += len(chunk)
            if total > limits.request_bytes:
                raise UploadTooLarge(_request_message(limits))
            parser.write(chunk)
        parser.finalize()
        receiver.finish()
    except MultipartParseError as exc:
        receiver.discard()
        raise InputError("Uppladdningen är inte ett giltigt formulär (multipart).") from exc
    except BaseException:
        receiver.discard()
        raise
    return ReceivedForm(fields=receiver.fields, files=receiver.files)


def discard(files: list[StagedFile]) -> None:
    for item in files:
        item.path.unlink(missing_ok=True)


def _boundary(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InputError("Filerna ska skickas som multipart/form-data.")
    return boundary


def _request_message(limits: UploadLimits) -> str:
    return (f"Uppladdningen är större än {limits.request_bytes // MB} MB sammanlagt."
            " Ladda upp filerna i flera omgångar.")


class _Part:
    def __init__(self) -> None:
        self.disposition = b""
        self.name = ""
        self.filename: str | None = None
        self.data = bytearray()
        self.out: IO[bytes] | None = None
        self.path: Path | None = None
        self.size = 0
        self.sha = hashlib.sha256()


class _Receiver:
    """python-multipart's callbacks: each file part written to its own staged file."""

    def __init__(self, staging: Path, limits: UploadLimits) -> None:
        self.staging = staging
        self.limits = limits
        self.fields: dict[str, str] = {}
        self.files: list[StagedFile] = []
        self.written: list[Path] = []
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self.begin, "on_part_data": self.data,
                "on_part_end": self.end, "on_header_field": self.header_field,
                "on_header_value": self.header_val, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_done}

    def begin(self) -> None:
        self.part = _Part()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def header_val(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.part.disposition = self.header_value
        self.header_name = self.header_value = b""

    def headers_done(self) -> None:
        _kind, options = parse_options_header(self.part.disposition)
        self.part.name = _text(options.get(b"name", b""))
        if b"filename" not in options:
            if len(self.fields) >= MAX_FIELDS:
                raise InputError("Uppladdningen har för många fält.")
            return
        if len(self.files) + 1 > self.limits.files:
            raise UploadTooLarge(f"Högst {self.limits.files} filer kan laddas upp på en gång.")
        self.part.filename = _text(options[b"filename"])
        self.staging.mkdir(parents=True, exist_ok=True)
        self.part.path = self.staging / f".{uuid.uuid4().hex}.part"
        self.written.append(self.part.path)
        self.part.out = self.part.path.open("xb")

    def data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        part = self.part
        if part.out is None:
            if len(part.data) + len(chunk) > FIELD_BYTES:
                raise InputError("Ett fält i uppladdningen är för långt.")
            part.data.extend(chunk)
            return
        part.size += len(chunk)
        if part.size > self.limits.file_bytes:
            raise UploadTooLarge(f"En fil är större än {self.limits.file_bytes // MB} MB,"
                                 " det största som tas emot.")
        part.sha.update(chunk)
        part.out.write(chunk)

    def end(self) -> None:
        part = self.part
        if part.out is None:
            self.fields[part.name] = _text(bytes(part.data))
            return
        part.out.close()
        assert part.path is not None and part.filename is not None
        self.files.append(StagedFile(filename=part.filename, path=part.path, size=part.size,
                                     sha256=part.sha.hexdigest()))

    def finish(self) -> None:
        if self.part.out is not None and not self.part.out.closed:
            raise InputError("Uppladdningen tog slut mitt i en fil.")

    def discard(self) -> None:
        if self.part.out is not None:
            self.part.out.close()
        for path in self.written:
            path.unlink(missing_ok=True)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")

