"""The edge: the Host allow-list and the security headers (ASGI middlewares), and the log
filter that keeps control tokens out of the access log.

DNS rebinding points a hostile name at this server so that a page from that name may read
the API as if it were same-origin; its requests carry that name in ``Host``. So a request is
answered only when its Host is one this server goes by: localhost, 127.0.0.1 or [::1] (any
port), the host it was told to serve on, the names in ``NNPG_ALLOWED_HOSTS``, and, when it
serves on every interface (0.0.0.0 or ::), any IP address: a classroom reaches it as
``http://192.168.1.20:8000``, and an address cannot be rebound. A name such as
``teacher.local`` must be listed; ``*`` turns the check off.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.settings import Settings

LOCAL = frozenset({"localhost", "127.0.0.1", "[::1]"})
EVERY_INTERFACE = frozenset({"0.0.0.0", "::", ""})
POLICY = 1008
# the page: its own scripts, styles, fonts and images; pictures drawn into data:/blob: URLs;
# fetches and the websocket to its own origin ('self' covers ws: and wss: to it); no frames
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc load their scripts from a CDN and inline: no CSP but framing
DOCS_CSP = "frame-ancestors 'none'"
DOCS = ("/docs", "/redoc")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def host_name(header: str) -> str:
    """``Host`` without its port, lower case: ``[::1]:8000`` -> ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.partition("]")[0] + "]"
    name = header.rpartition(":")[0] if header.count(":") == 1 else header
    return name.rstrip(".")  # "example.org." is "example.org"


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def host_allowed(name: str, settings: Settings) -> bool:
    extra = {host_name(h) for h in settings.allowed_hosts}
    if "*" in extra or name in LOCAL or name in extra:
        return True
    served = settings.host.lower()
    if served in EVERY_INTERFACE:
        return _is_address(name)
    return name == host_name(f"[{served}]" if ":" in served else served)


class HostGuard:
    """Answers only requests (and websockets) whose Host this server goes by; others get
    400 (a websocket: refused before the handshake, 403). A request without Host (HTTP/1.0)
    passes: browsers always send one."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            raw = dict(scope["headers"]).get(b"host")
            if raw is not None:
                name = host_name(raw.decode("latin-1"))
                if not host_allowed(name, self.settings):
                    await self._refuse(scope, send, name)
                    return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, name: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY, "reason": "host not allowed"})
            return
        detail = f"this server does not answer to the host {name!r}; list it in NNPG_ALLOWED_HOSTS"
        body = json.dumps({"detail": detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the Content-Security-Policy, nosniff, no-referrer and no-framing headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS) else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", csp.encode()),
                    *HEADERS,
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"']*")


class RedactTokens(logging.Filter):
    """Keeps control tokens out of the log: uvicorn logs each request's path with its query
    (``/stream?token=…``, access log and websocket lines alike); the value becomes
    ``[redacted]``. ``serve`` installs it on uvicorn's handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact(text: str) -> str:
    return TOKEN_IN_QUERY.sub(r"\1[redacted]", text)
