"""Build leases: at most one replica builds a server's cache at a time (a lease row per
server, keyed by its name). A lease is taken and
renewed against the database's clock (PostgreSQL's ``now()``; on SQLite, which serves
one replica, the process clock), so replicas never compare their own clocks."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, cast, extract, func, literal, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from cache_svc import tables
from common.database.engine import Database


@dataclass(frozen=True)
class LeaseRow:
    server: str
    holder: str  # a replica id, "" when free
    live: bool  # held and not expired, by the database's clock
    progress: str  # the running build's progress as JSON; "" before its first report


class Renewal(enum.Enum):
    HELD = "held"
    LOST = "lost"  # another replica took the lapsed lease
    SUPERSEDED = "superseded"  # a newer config decision replaced the build's request


class LeaseStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock  # SQLite only

    def _now(self) -> ColumnElement[Any]:
        if self._db.is_sqlite:
            return literal(self._clock(), Float)
        return cast(extract("epoch", func.now()), Float)

    async def take(self, server: str, holder: str, seconds: float) -> bool:
        """Take the lease when it is free, expired or already ours; True when held."""
        lease = tables.leases.c
        now = self._now()
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.leases)
                .where(
                    and_(
                        lease.target == server,
                        or_(lease.holder == holder, lease.holder == "", lease.expires_at < now),
                    )
                )
                .values(holder=holder, expires_at=now + seconds, heartbeat_at=now, progress="")
            )
            return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def renew(
        self, server: str, holder: str, seconds: float, progress: str, request_id: int
    ) -> Renewal:
        """Extend our lease and publish the build's progress; LOST when the lease is no
        longer ours, SUPERSEDED when the cache's latest decision is not ``request_id``."""
        lease = tables.leases.c
        now = self._now()
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.leases)
                .where(and_(lease.target == server, lease.holder == holder))
                .values(expires_at=now + seconds, heartbeat_at=now, progress=progress)
            )
            if int(result.rowcount) != 1:  # type: ignore[attr-defined]
                return Renewal.LOST
            current = (
                await session.execute(
                    select(tables.targets.c.pending_id).where(tables.targets.c.target == server)
                )
            ).scalar()
        return Renewal.HELD if int(current or 0) == request_id else Renewal.SUPERSEDED

    async def release(self, server: str, holder: str) -> None:
        lease = tables.leases.c
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.leases)
                .where(and_(lease.target == server, lease.holder == holder))
                .values(holder="", expires_at=0.0, progress="")
            )

    async def reset(self) -> None:
        """Free every lease: on SQLite the one replica starting knows no other runs."""
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.leases).values(holder="", expires_at=0.0, progress="")
            )

    async def all(self) -> dict[str, LeaseRow]:
        lease = tables.leases.c
        now = self._now()
        async with self._db.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        lease.target,
                        lease.holder,
                        and_(lease.holder != "", lease.expires_at >= now).label("live"),
                        lease.progress,
                    )
                )
            ).all()
        return {r.target: LeaseRow(r.target, r.holder, bool(r.live), r.progress) for r in rows}
