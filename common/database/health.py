"""A service's health follows its database: NOT_SERVING while the database fails a bounded
``SELECT 1``, SERVING again once it answers.

Every app wires it with one line, after it reports SERVING:

    lifecycle.spawn(watch_database(db, server), "database health")
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text

from common.database.engine import Database

CHECK_SECONDS = 1.0
PING_TIMEOUT_SECONDS = 2.0

_log = logging.getLogger("cmdarr.db_health")


class HealthReporter(Protocol):
    """Where the database's health goes: the service's gRPC server (a Protocol, so that the
    database room needs nothing of the runtime's)."""

    async def set_serving(self, serving: bool) -> None: ...


async def ping(db: Database, within: float = PING_TIMEOUT_SECONDS) -> bool:
    """True when the database answers ``SELECT 1`` within ``within`` seconds."""

    async def query() -> None:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        async with asyncio.timeout(within):
            await query()
    except asyncio.CancelledError:
        raise
    except Exception:
        return False
    return True


class DatabaseHealth:
    """Checks the database every ``interval`` seconds and reports each change of verdict
    to ``on_change`` (starting from healthy: the service was ready when this started)."""

    def __init__(
        self,
        check: Callable[[], Awaitable[bool]],
        on_change: Callable[[bool], Awaitable[None]],
        *,
        interval: float = CHECK_SECONDS,
    ) -> None:
        self._check = check
        self._on_change = on_change
        self._interval = interval
        self.healthy = True

    async def check_once(self) -> bool:
        healthy = await self._check()
        if healthy != self.healthy:
            self.healthy = healthy
            _log.warning("database %s", "reachable again" if healthy else "unreachable")
            await self._on_change(healthy)
        return healthy

    async def run(self) -> None:
        """Check until cancelled."""
        while True:
            await asyncio.sleep(self._interval)
            await self.check_once()


async def watch_database(
    db: Database, server: HealthReporter, *, interval: float = CHECK_SECONDS
) -> None:
    """Keep ``server``'s health in step with ``db`` until cancelled."""
    await DatabaseHealth(
        lambda: ping(db, min(PING_TIMEOUT_SECONDS, max(interval, 0.1) * 2)),
        server.set_serving,
        interval=interval,
    ).run()
