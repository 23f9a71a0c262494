"""The ASGI layer every emulated request passes: URL limit, auth, counting, latency and
faults, before the server-specific routes see it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulators.knobs import Knobs

Classify = Callable[[str, str, str], str]  # (method, path, query) -> endpoint class
Authorize = Callable[[Scope, Knobs], bool]
TooLong = Callable[[Send], Awaitable[None]]  # answers a request target over the limit
Refuse = Callable[[Send], Awaitable[None]]  # answers a request without a valid token

# The longest request target served unless the server says otherwise (``max_url``) or
# the knob does: 8 KB, the request line ASP.NET Core's Kestrel (Jellyfin's server) takes by
# default (KestrelServerLimits.MaxRequestLineSize, 8,192 bytes).
DEFAULT_MAX_URL = 8192


async def respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    raw = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _plain(send: Send, status: int, text: str, headers: dict[str, str] | None = None) -> None:
    await respond(send, status, text.encode(), "text/plain; charset=utf-8", headers)


async def plain_too_long(send: Send) -> None:
    await _plain(send, 414, "URI Too Long")


async def plain_unauthorized(send: Send) -> None:
    await _plain(send, 401, "Unauthorized")


class EmulatorMiddleware:
    """Wraps an emulator app. Admin paths (``/__admin``) bypass everything here."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        knobs: Knobs,
        classify: Classify,
        authorize: Authorize,
        public: Callable[[str], bool],
        closing: asyncio.Event,
        max_url: int = DEFAULT_MAX_URL,
        too_long: TooLong = plain_too_long,
        unauthorized: Refuse = plain_unauthorized,
    ) -> None:
        self.app = app
        self.knobs = knobs
        self.classify = classify
        self.authorize = authorize
        self.public = public
        self.closing = closing
        self.max_url = max_url
        self.too_long = too_long
        self.unauthorized = unauthorized

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at shutdown so a slow fault never holds the server open."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__admin"):
            await self.app(scope, receive, send)
            return
        knobs = self.knobs
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        raw_path = scope.get("raw_path") or path.encode()
        # Checked first, as an HTTP server reads the request line before anything else:
        # no token check, no fault, no route sees an over-long request.
        target = len(raw_path) + (1 + len(query) if query else 0)  # path, "?", query
        if target > (knobs.max_url or self.max_url):
            knobs.count("other")
            await self.too_long(send)
            return
        endpoint = self.classify(scope["method"], path, query)
        knobs.count(endpoint)
        knobs.in_flight += 1
        knobs.peak_in_flight = max(knobs.peak_in_flight, knobs.in_flight)
        try:
            await self._serve(scope, receive, send, endpoint)
        finally:
            knobs.in_flight -= 1

    async def _serve(self, scope: Scope, receive: Receive, send: Send, endpoint: str) -> None:
        knobs = self.knobs
        path: str = scope["path"]
        delay = knobs.latency_ms + (knobs.search_latency_ms if endpoint == "search" else 0.0)
        if endpoint == "track_page" and knobs.item_ms > 0:
            delay += knobs.item_ms * asked_items(scope)
        await self._pause(delay / 1000.0)
        if not self.public(path) and (knobs.revoked or not self.authorize(scope, knobs)):
            await self.unauthorized(send)
            return
        fault = knobs.next_fault(endpoint)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.kind == "status":
            await _plain(send, fault.status, "injected failure")
        elif fault.kind == "rate_limit":
            await _plain(send, 429, "Too Many Requests", {"Retry-After": f"{fault.retry_after:g}"})
        elif fault.kind == "revoke_token":
            knobs.revoked = True
            await self.unauthorized(send)
        elif fault.kind == "slow":
            await self._pause(fault.seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "short_page":
            scope.setdefault("state", {})["short_page"] = True
            await self.app(scope, receive, send)
        else:  # malformed: the real answer, cut in half
            await self.app(scope, receive, _truncating(send))


def asked_items(scope: Scope) -> int:
    """How many items a listing request asks for: Plex's X-Plex-Container-Size (query or
    header) or Jellyfin's Limit; 0 when it does not say."""
    query = scope.get("query_string", b"").decode("latin-1")
    asked = {k.lower(): v for k, v in parse_qsl(query)}
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-plex-container-size":
            asked.setdefault("x-plex-container-size", value.decode("latin-1"))
    for name in ("x-plex-container-size", "limit"):
        if asked.get(name, "").isdigit():
            return int(asked[name])
    return 0


def _truncating(send: Send) -> Send:
    """A ``send`` that buffers the body and sends only its first half."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        body = body[: len(body) // 2] or b"{"
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


def json_body(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
