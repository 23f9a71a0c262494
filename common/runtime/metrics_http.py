"""A minimal HTTP endpoint for ``GET /metrics``, for the services without an HTTP side
(config_svc, cache_svc, sync_svc): asyncio streams, no thread, no framework."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST

from common.auth.keys import KeyRing

_log = logging.getLogger("cmdarr.metrics")
_READ_TIMEOUT = 5.0


class MetricsEndpoint:
    """Serves ``render()`` on ``GET /metrics`` at ``address`` (``host:port``; port 0 picks
    one, read back from ``port``); anything else is 404. One request per connection. When
    ``keys`` require a key, a request without ``authorization: Bearer <key>`` gets 401."""

    def __init__(
        self, address: str, render: Callable[[], bytes], keys: KeyRing | None = None
    ) -> None:
        self._address = address
        self._render = render
        self._keys = keys or KeyRing(None)
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        host, _, port = self._address.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"metrics address {self._address!r} is not host:port")
        self._server = await asyncio.start_server(
            self._serve, host.strip("[]") or "127.0.0.1", int(port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        _log.info("metrics", extra={"fields": {"address": self._address, "port": self.port}})
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _allowed(self, head: bytes) -> bool:
        if not self._keys.required:
            return True
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"authorization":
                given = value.strip().decode("latin-1")
                return given.startswith("Bearer ") and self._keys.accepts(given[7:])
        return False

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            parts = head.split(b" ", 2)
            path = parts[1].split(b"?", 1)[0] if len(parts) > 1 else b""
            if parts[0] == b"GET" and path == b"/metrics" and not self._allowed(head):
                body, status, kind = (
                    b"the API key is required\n",
                    b"401 Unauthorized",
                    b"text/plain",
                )
            elif parts[0] == b"GET" and path == b"/metrics":
                body, status, kind = self._render(), b"200 OK", CONTENT_TYPE_LATEST.encode()
            else:
                body, status, kind = b"not found\n", b"404 Not Found", b"text/plain"
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: "
                + kind
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
