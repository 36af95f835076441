"""Every request gets an id: the caller's ``X-Request-ID`` when it is a plain token,
else a new one; it is echoed in the answer's ``X-Request-ID`` and carried by every log
line written while the request is served (``intake.logs``). One line per request
(INFO) names the route's pattern — never the address itself, whose parts and query
may hold a name — the status and the time taken. An error no handler took is counted
(``internal``) and logged with the id before it becomes the 500."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.logs import request_id, stamp_request_ids

log = logging.getLogger("intake.request")

HEADER = "x-request-id"
#: An id from the caller is kept only if it is this plain (it goes into logs).
_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestId:
    """ASGI middleware: the request id, the request's log line, unhandled errors counted
    with ``count_error``."""

    def __init__(self, app: ASGIApp, count_error: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.count_error = count_error
        stamp_request_ids()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(HEADER.encode(), b"").decode("latin-1")
        rid = given if _PLAIN.fullmatch(given) else uuid.uuid4().hex
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), rid.encode())]}
            await send(message)

        started = time.perf_counter()
        with request_id(rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                if self.count_error is not None:
                    self.count_error("internal")
                log.exception("request failed")
                raise
            finally:
                route = getattr(scope.get("route"), "path", None) or "(ingen route)"
                ms = round((time.perf_counter() - started) * 1000, 1)
                log.info("%s %s %d %.1f ms", scope.get("method"), route, status[0], ms,
                         extra={"method": scope.get("method"), "route": route,
                                "status": status[0], "ms": ms})
