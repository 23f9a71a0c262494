"""Revisions committed by other replicas: how this replica's watchers learn of them.

On PostgreSQL every write NOTIFYs its revision on ``CHANNEL`` at commit. Each replica
LISTENs on one dedicated connection (common/database/pg_listen.py); for each revision another
replica wrote it reads the new revisions from the durable log once and publishes them to
its feed, so its watchers are served from memory. A slow poll is the safety net for a
notification missed while the connection was down. On SQLite (one replica) none of this runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from config_svc.feed import ChangeFeed

CHANNEL = "cmdarr_config"
POLL_SECONDS = 2.0

_log = logging.getLogger("cmdarr.config.notifications")


class Listener(Protocol):
    """Yields notification payloads; None after each (re)connection
    (common/database/pg_listen.py)."""

    def __aiter__(self) -> AsyncIterator[str | None]: ...


@dataclass(frozen=True)
class Notice:
    """What one notification says: ``revision`` was committed by replica ``origin``."""

    revision: int
    origin: str


def notice_payload(revision: int, origin: str) -> str:
    return f"{revision}:{origin}"


def parse_notice(payload: str | None) -> Notice | None:
    """The notice a payload carries; None when it carries none (a reconnection, or a
    payload of another form), so the log must be read to learn what is new."""
    if payload is None:
        return None
    revision, _, origin = payload.partition(":")
    if not revision.isdigit():
        return None
    return Notice(int(revision), origin)


def needs_read(notice: Notice | None, *, replica_id: str, latest: int) -> bool:
    """Whether a notification (None: a reconnection) calls for reading the log: not for
    this replica's own writes, nor for a revision the feed already has."""
    if notice is None:
        return True
    return notice.origin != replica_id and notice.revision > latest


class RevisionWakeups:
    """Keeps the feed up with the database's newest revision, from notifications and a
    slow poll; ``catch_up`` reads what is new from the log into the feed."""

    def __init__(
        self,
        feed: ChangeFeed,
        catch_up: Callable[[], Awaitable[None]],
        listener: Callable[[], AbstractAsyncContextManager[Listener]],
        *,
        replica_id: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._feed = feed
        self._catch_up_now = catch_up
        self._listener = listener
        self._replica_id = replica_id
        self._poll_seconds = poll_seconds

    async def listen(self) -> None:
        """Follow the notifications until cancelled."""
        async with self._listener() as listener:
            async for payload in listener:
                notice = parse_notice(payload)
                if needs_read(notice, replica_id=self._replica_id, latest=self._feed.latest):
                    await self._catch_up()

    async def poll(self) -> None:
        """Catch up every ``poll_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(self._poll_seconds)
            await self._catch_up()

    async def _catch_up(self) -> None:
        try:
            await self._catch_up_now()
        except Exception as exc:  # the database is away: the next poll tries again
            _log.warning("cannot read the newest revisions: %s", exc)
