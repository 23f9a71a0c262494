"""PostgreSQL LISTEN/NOTIFY: wake every replica when one of them commits something.

A writer calls ``notify`` inside its transaction; PostgreSQL delivers the payload to every
listener when (and only if) the transaction commits. A ``PgListener`` keeps one dedicated
connection that LISTENs on a channel and yields each payload:

    async with PgListener(url, "cmdarr_config") as listener:
        async for payload in listener:
            if payload is None:
                ...  # (re)connected: notifications may have been missed, re-read the state
            else:
                ...  # one notification's payload

When the connection drops (or stops answering its keep-alive query) the listener
reconnects with exponential backoff and jitter, and yields ``None`` again once it listens,
so a consumer never relies on a notification sent while nobody was listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

_log = logging.getLogger("cmdarr.pg_listen")

QUEUE_LIMIT = 1024


async def notify(session: AsyncSession, channel: str, payload: str) -> None:
    """Send ``payload`` on ``channel`` when the caller's transaction commits (PostgreSQL)."""
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
    )


def asyncpg_dsn(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy URL (``postgresql+asyncpg://...``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class ListenTiming:
    """How the listener reconnects and checks its connection (seconds)."""

    first_backoff: float = 0.1
    max_backoff: float = 5.0
    keepalive: float = 5.0  # a query on the idle connection this often ...
    keepalive_timeout: float = 3.0  # ... answered within this, or the connection is renewed
    connect_timeout: float = 5.0


def next_backoff(current: float, timing: ListenTiming) -> float:
    """The delay after the next failed attempt: doubled, capped."""
    return min(max(current * 2, timing.first_backoff), timing.max_backoff)


class _Lost:
    """Queued when the connection is gone."""


_LOST = _Lost()


class PgListener:
    """One LISTEN connection on ``channel`` that survives the database going away."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        timing: ListenTiming | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._channel = channel
        self._timing = timing or ListenTiming()
        self._rng = rng or random.Random()
        self._conn: Any = None
        self._queue: asyncio.Queue[str | _Lost] = asyncio.Queue()
        self._overflowed = False
        self.connects = 0  # successful (re)connections, for tests and logs

    async def __aenter__(self) -> PgListener:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._drop()

    def __aiter__(self) -> AsyncIterator[str | None]:
        return self._payloads()

    async def _payloads(self) -> AsyncIterator[str | None]:
        while True:
            await self._connect_with_backoff()
            yield None  # listening now: whatever happened before may have been missed
            while True:
                item = await self._next()
                if isinstance(item, _Lost):
                    _log.warning("lost the LISTEN connection on %s; reconnecting", self._channel)
                    await self._drop()
                    break
                if self._overflowed:
                    self._overflowed = False
                    yield None
                yield item

    async def _next(self) -> str | _Lost:
        """The next notification, checking the connection while idle."""
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 a cancel that lands with a
                # notification is lost in wait_for, and the listener would go on.
                async with asyncio.timeout(self._timing.keepalive):
                    return await self._queue.get()
            except TimeoutError:
                try:
                    await self._conn.fetchval("SELECT 1", timeout=self._timing.keepalive_timeout)
                except Exception:
                    return _LOST

    async def _connect_with_backoff(self) -> None:
        delay = 0.0
        while True:
            try:
                await self._connect()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._drop()
                delay = next_backoff(delay, self._timing)
                _log.warning("cannot LISTEN on %s: %s; retrying", self._channel, exc)
                await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))

    async def _connect(self) -> None:
        self._queue = asyncio.Queue()
        queue = self._queue
        conn = await asyncpg.connect(self._dsn, timeout=self._timing.connect_timeout)
        self._conn = conn

        def deliver(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            if queue.qsize() >= QUEUE_LIMIT:
                self._overflowed = True  # the consumer re-reads; single payloads are moot
                return
            queue.put_nowait(payload)

        def lost(_conn: Any) -> None:
            queue.put_nowait(_LOST)

        conn.add_termination_listener(lost)
        await conn.add_listener(self._channel, deliver)
        self.connects += 1

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self._timing.keepalive_timeout):
                    await conn.close()
            if not conn.is_closed():
                conn.terminate()
