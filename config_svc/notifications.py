"""Revisions committed by other replicas: how this replica's watchers learn of them.

On PostgreSQL every write NOTIFYs its revision on ``CHANNEL`` at commit. Each replica
LISTENs on one dedicated connection (common/pg_listen.py) and records each notified
revision in its feed; its watchers then read it from the durable log. A slow poll of the
current revision is the safety net for a notification missed while the connection was
down. On SQLite (one replica) none of this runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from config_svc.feed import ChangeFeed

CHANNEL = "cmdarr_config"
POLL_SECONDS = 2.0

_log = logging.getLogger("cmdarr.config.notifications")


class Listener(Protocol):
    """Yields notification payloads; None after each (re)connection (common/pg_listen.py)."""

    def __aiter__(self) -> AsyncIterator[str | None]: ...


def revision_of(payload: str | None) -> int | None:
    """The revision a notification names; None when it names none (a reconnection, or a
    payload that is not a revision), so the current revision must be read instead."""
    if payload is None or not payload.isdigit():
        return None
    return int(payload)


class RevisionWakeups:
    """Keeps the feed's newest revision up with the database's, from notifications and a
    slow poll."""

    def __init__(
        self,
        feed: ChangeFeed,
        current: Callable[[], Awaitable[int]],
        listener: Callable[[], AbstractAsyncContextManager[Listener]],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._feed = feed
        self._current = current
        self._listener = listener
        self._poll_seconds = poll_seconds

    async def listen(self) -> None:
        """Follow the notifications until cancelled."""
        async with self._listener() as listener:
            async for payload in listener:
                revision = revision_of(payload)
                if revision is None:
                    await self._catch_up()
                else:
                    self._feed.note(revision)

    async def poll(self) -> None:
        """Read the current revision every ``poll_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(self._poll_seconds)
            await self._catch_up()

    async def _catch_up(self) -> None:
        try:
            self._feed.note(await self._current())
        except Exception as exc:  # the database is away: the next poll tries again
            _log.warning("cannot read the current revision: %s", exc)
