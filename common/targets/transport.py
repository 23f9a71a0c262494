"""One HTTP request with everything every target needs around it: the rate limit, the
concurrency cap, retries with backoff, counting, and mapping failures to typed errors."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from common.runtime.tracing import ENDPOINT_CLASS_EXTENSION
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import (
    TargetAuthError,
    TargetError,
    TargetNotFound,
    TargetRejected,
    TargetServerError,
    TargetTimeout,
)
from common.targets.ratelimit import TokenBucket
from common.targets.retry import retry_delay
from common.targets.settings import ClientSettings

log = logging.getLogger(__name__)

# How much of a refusal's body a TargetRejected keeps (a validation failure's list).
BODY_KEPT = 4000


def describe(method: str, url: str) -> str:
    """``METHOD /path`` with the query cut off: queries may carry tokens or long id lists."""
    return f"{method} {url.split('?', 1)[0]}"


class Transport:
    """Sends requests for one target. ``sleep``, ``rand`` and ``clock`` (the wall clock a
    Retry-After date is read against) are injectable so tests can see the waits chosen
    (e.g. that Retry-After was honoured) without measuring time."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        target: str,
        settings: ClientSettings,
        headers: Mapping[str, str],
        counter: RequestCounter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._target = target
        self._settings = settings
        self._headers = dict(headers)
        self.counter = counter or RequestCounter()
        self._sleep = sleep
        self._rand = rand or random.Random()
        self._clock = clock
        self._bucket = TokenBucket(settings.requests_per_second, settings.burst, sleep=sleep)
        self._gate = asyncio.Semaphore(max(1, settings.concurrency))

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    async def read_image(self, path: str, max_bytes: int) -> tuple[bytes, str]:
        """The image at a server path, with its Content-Type; TargetRejected past
        ``max_bytes``."""
        response = await self.request("GET", path, EndpointClass.PLAYLIST_READ)
        if len(response.content) > max_bytes:
            raise TargetRejected(
                f"{self._target}: the image at {describe('GET', path)} is over {max_bytes:,} bytes",
                status=413,
            )
        return response.content, response.headers.get("Content-Type", "")

    async def request(
        self,
        method: str,
        url: str,
        endpoint: EndpointClass,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        idempotent: bool | None = None,
        retry_timeouts: bool = True,
    ) -> httpx.Response:
        """Send, retrying what may be retried; return a 2xx response or raise a TargetError.

        ``url`` is a path with its query already encoded (filters such as ``title==`` need
        operators httpx would otherwise escape). Without ``retry_timeouts`` a timeout is
        final at once: for a request the caller can make smaller instead.
        """
        safe = method in ("GET", "HEAD", "PUT", "DELETE") if idempotent is None else idempotent
        what = f"{self._target}: {describe(method, url)}"
        policy = self._settings.retry
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            retry_after: str | None = None
            timed_out = connect_failed = False
            cause: Exception | None = None
            await self._bucket.acquire()
            async with self._gate:
                self.counter.count(endpoint, retry=attempt > 1)
                try:
                    response = await self._http.request(
                        method,
                        url,
                        headers={**self._headers, **(headers or {})},
                        json=json,
                        content=content,
                        timeout=self._settings.timeout_seconds,
                        # Read back by the tracing hook: the span names its endpoint class.
                        extensions={ENDPOINT_CLASS_EXTENSION: endpoint.value},
                    )
                except httpx.ConnectError as exc:
                    connect_failed, cause = True, exc
                except (
                    httpx.TimeoutException,
                    httpx.RemoteProtocolError,
                    httpx.ReadError,
                ) as exc:
                    # The request may have reached the server: retried only if idempotent.
                    timed_out, cause = True, exc
                else:
                    if response.status_code < 400:
                        self.counter.received(len(response.content))
                        return response
                    status = response.status_code
                    retry_after = response.headers.get("Retry-After")
                    if status not in (429,) and status < 500:
                        raise self._client_error(what, status, response.text[:BODY_KEPT])
            if timed_out and not retry_timeouts:
                # The transport's exception stays the cause: what failed (DNS, TLS, a
                # refused connection) is told apart from it (common/targets/probe.py).
                raise self._final_error(what, attempt, status, timed_out) from cause
            delay = retry_delay(
                attempt=attempt,
                policy=policy,
                rand=self._rand,
                status=status,
                timed_out=timed_out,
                connect_failed=connect_failed,
                retry_after=retry_after,
                idempotent=safe,
                now=datetime.fromtimestamp(self._clock(), UTC),
            )
            if delay is None:
                raise self._final_error(what, attempt, status, timed_out) from cause
            log.info(
                "retrying target request",
                extra={
                    "fields": {"target": what, "attempt": attempt, "status": status, "wait": delay}
                },
            )
            await self._sleep(delay)

    @staticmethod
    def _client_error(what: str, status: int, body: str = "") -> TargetError:
        if status in (401, 403):
            return TargetAuthError(
                f"{what} was refused with {status}: the token is wrong, revoked or lacks rights"
            )
        if status == 404:
            return TargetNotFound(f"{what} returned 404: not found")
        return TargetRejected(f"{what} was rejected with {status}", status=status, body=body)

    @staticmethod
    def _final_error(what: str, tries: int, status: int | None, timed_out: bool) -> TargetError:
        if timed_out:
            return TargetTimeout(f"{what} timed out after {tries} tries", tries=tries)
        if status is None:
            return TargetServerError(f"{what} could not connect after {tries} tries", tries=tries)
        return TargetServerError(
            f"{what} failed with {status} after {tries} tries", tries=tries, status=status
        )
