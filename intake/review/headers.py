"""What every answer tells the browser: only the service's own scripts and styles run (no
inline code, nothing from elsewhere), no page is framed, no type is guessed, no address
leaves the service in a Referer. An answer that sets its own policy keeps it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The pages' policy: scripts and styles are files under /static; images are the page
#: scans (same origin) and the empty favicon (data:).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
#: A file a person uploaded or that was archived (a consent PDF may carry JavaScript):
#: nothing in it runs in the service's origin, even if a browser opens it.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.decode("latin-1").lower() for name, _ in headers}
                headers += [(name.encode("latin-1"), value.encode("latin-1"))
                            for name, value in HEADERS.items() if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def docs_policy(nonce: str) -> str:
    """The API docs page's policy: Swagger UI from its CDN, its one inline script by nonce."""
    cdn = "https://cdn.jsdelivr.net"
    return "; ".join([
        "default-src 'self'", f"script-src 'self' {cdn} 'nonce-{nonce}'",
        f"style-src 'self' {cdn} 'unsafe-inline'", "img-src 'self' data: https:",
        "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
    ])
