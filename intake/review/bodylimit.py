"""Every request body but an upload's is small (a form, a JSON object): one larger
than ``max_bytes`` is answered 413 before any route sees it — by its declared
length, or when it streams past the limit — so that no route parses (and spools to
disk) a body of gigabytes before it asks who is there. The upload route streams its
own body to disk within the upload limits (``intake.review.multipart``)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.errors import UploadTooLarge


class BodyLimit:
    """Pure ASGI middleware; ``streamed`` are the paths that read their own body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, streamed: frozenset[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.streamed:
            await self.app(scope, receive, send)
            return
        if _declared(scope) > self.max_bytes:
            await self._refuse(send)
            return
        messages = await self._read(receive)
        if messages is None:
            await self._refuse(send)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The body's messages, held (it is small); None when it passes the limit."""
        messages: list[Message] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, send: Send) -> None:
        error = UploadTooLarge(f"Förfrågan är större än {self.max_bytes // 1024} kB.")
        body = json.dumps({"code": error.code, "message": error.message}).encode()
        await send({"type": "http.response.start", "status": error.http_status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _declared(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()
    return replayed
