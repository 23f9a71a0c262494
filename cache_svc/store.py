"""SQL access for cache_svc: followed config, each server's cache state, the generations'
index images, build history. A cache's rows are keyed by its server's name (the columns
are still called ``target``: the built-in servers' names are the targets' values)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cache_svc import tables
from cache_svc.config_view import Action, Decision, FollowedConfig
from common.database.engine import Database

IMAGE_PART_BYTES = 4 * 2**20


@dataclass(frozen=True)
class CacheRow:
    server: str
    generation: int
    built_at: int
    track_count: int
    library_names: tuple[str, ...]
    changes_since: int
    last_error: str
    pending: str  # "", "build" or "full": asked for by a config decision
    pending_reason: str
    pending_id: int = 0  # the latest config decision's id
    requested: str = ""  # "", "build" or "full": asked for by BuildCache or the schedule
    format_version: int = 0  # the serving generation's index image format (0: none)
    checksum: str = ""  # of the serving generation's index image
    build_costs: str = ""  # JSON: what each step of the serving generation's build cost

    @property
    def wanted(self) -> str:
        """The build this row asks for ("", "build" or "full"), whoever asked."""
        if "full" in (self.pending, self.requested):
            return "full"
        return self.pending or self.requested


class CacheStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        # The manager's clock: built_at, read back at start-up, decides when a refresh is due.
        self._clock = clock

    async def followed(self) -> tuple[int, FollowedConfig] | None:
        async with self._db.sessions() as session:
            row = (await session.execute(select(tables.follow_state))).first()
        if row is None:
            return None
        return int(row.applied_revision), FollowedConfig.from_json(row.config)

    async def apply_followed(
        self, revision: int, config: FollowedConfig, decisions: Sequence[Decision]
    ) -> bool:
        """Persist the applied revision with the effect it caused, in one transaction,
        unless a replica already applied it (or a later one): decisions are recorded
        once for the cluster. True when this call recorded them."""
        for _attempt in range(3):
            try:
                return await self._apply_followed(revision, config, decisions)
            except IntegrityError:
                continue  # another replica inserted the first row meanwhile: read it again
        return await self._apply_followed(revision, config, decisions)

    async def _apply_followed(
        self, revision: int, config: FollowedConfig, decisions: Sequence[Decision]
    ) -> bool:
        state = tables.follow_state
        async with self._db.sessions() as session, session.begin():
            row = (
                await session.execute(
                    select(state.c.applied_revision, state.c.config).with_for_update()
                )
            ).first()
            if (
                row is not None
                and int(row.applied_revision) >= revision
                # A state stored before servers were followed: its follower's snapshot (at
                # the same revision) brings the servers, whose decisions are recorded now.
                and FollowedConfig.from_json(row.config).follows_servers
            ):
                return False
            if row is None:
                await session.execute(
                    insert(state).values(id=1, applied_revision=revision, config=config.to_json())
                )
            else:
                await session.execute(
                    update(state).values(applied_revision=revision, config=config.to_json())
                )
            await _add_servers(session, config.server_names())
            for decision in decisions:
                target = tables.targets.c
                if decision.action is Action.DELETE:
                    await _delete_server(session, decision.server)
                elif decision.action is Action.BUILD:
                    await session.execute(
                        update(tables.targets)
                        .where(target.target == decision.server)
                        .values(
                            pending="full" if decision.full else "build",
                            pending_reason=decision.reason,
                            pending_id=target.pending_id + 1,
                        )
                    )
                elif decision.action is Action.DISABLE:
                    await session.execute(
                        update(tables.targets)
                        .where(target.target == decision.server)
                        .values(
                            pending="",
                            pending_reason="",
                            requested="",
                            pending_id=target.pending_id + 1,
                        )
                    )
        return True

    async def request_build(
        self, server: str, mode: str, *, built_before: int | None = None
    ) -> bool:
        """Record a requested build ("build" or "full") unless one is pending or running
        for the server's cache anywhere (single-flight across replicas); with ``built_before``,
        only when the serving generation was built before then. True when recorded."""
        row = tables.targets.c
        condition = and_(row.target == server, row.pending == "", row.requested == "")
        if built_before is not None:
            condition = and_(condition, row.built_at <= built_before)
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.targets).where(condition).values(requested=mode)
            )
            return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def forget_requests(self) -> None:
        """Drop requested builds (not config decisions): on SQLite, after a restart."""
        async with self._db.sessions() as session, session.begin():
            await session.execute(update(tables.targets).values(requested=""))

    async def caches(self) -> dict[str, CacheRow]:
        """Every server's cache row, by server name."""
        async with self._db.sessions() as session:
            rows = (await session.execute(select(tables.targets))).all()
        return {
            r.target: CacheRow(
                r.target,
                int(r.generation),
                int(r.built_at),
                int(r.track_count),
                tuple(json.loads(r.library_names)),
                int(r.changes_since),
                r.last_error,
                r.pending,
                r.pending_reason,
                int(r.pending_id),
                r.requested,
                int(r.format_version),
                r.checksum,
                r.build_costs,
            )
            for r in rows
        }

    async def activate(
        self,
        server: str,
        generation: int,
        *,
        track_count: int,
        library_names: Sequence[str],
        changes_since: int,
        request_id: int,
        format_version: int,
        checksum: str,
        build_costs: str = "",
    ) -> bool:
        """Make ``generation`` the serving one and drop every other generation's image; the
        request is done, and so is the decision ``request_id`` unless a newer one came.
        False when the server was deleted meanwhile: then its image goes too."""
        values: dict[str, object] = {
            "format_version": format_version,
            "checksum": checksum,
            "generation": generation,
            "built_at": int(self._clock()),
            "track_count": track_count,
            "library_names": json.dumps(list(library_names), ensure_ascii=False),
            "changes_since": changes_since,
            "last_error": "",
            "build_costs": build_costs,
        }
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.targets).where(tables.targets.c.target == server).values(**values)
            )
            if int(result.rowcount) != 1:  # type: ignore[attr-defined]
                await session.execute(
                    delete(tables.index_images).where(tables.index_images.c.target == server)
                )
                return False
            await self._done(session, server, request_id)
            await session.execute(
                delete(tables.index_images).where(
                    and_(
                        tables.index_images.c.target == server,
                        tables.index_images.c.generation != generation,
                    )
                )
            )
        return True

    async def save_image(self, server: str, generation: int, image: bytes) -> None:
        """Store a generation's index image (before its activation), in parts."""
        parts = [
            {
                "target": server,
                "generation": generation,
                "part": n,
                "data": image[start : start + IMAGE_PART_BYTES],
            }
            for n, start in enumerate(range(0, max(len(image), 1), IMAGE_PART_BYTES))
        ]
        for part in parts:  # each part commits whole, even when the build is cancelled meanwhile
            await asyncio.shield(self._write_image_part(part))

    async def _write_image_part(self, part: Mapping[str, object]) -> None:
        async with self._db.sessions() as session, session.begin():
            await session.execute(insert(tables.index_images), [part])

    async def image(self, server: str, generation: int) -> bytes:
        """A generation's index image, its parts read in order with one raw query (b""
        when none is stored)."""
        images = tables.index_images.c
        query = (
            select(images.data)
            .where(and_(images.target == server, images.generation == generation))
            .order_by(images.part)
        )
        async with self._db.sessions() as session:
            result = await session.stream(query)
            return b"".join([bytes(row[0]) async for row in result])

    async def reject(self, server: str, generation: int, error: str) -> None:
        """The serving generation ``generation`` cannot be served whole: say why and ask
        for a full build (once, whichever replica finds it first)."""
        row = tables.targets.c
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.targets)
                .where(and_(row.target == server, row.generation == generation))
                .values(last_error=error, requested="full")
            )

    async def fail(self, server: str, error: str, *, request_id: int) -> None:
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.targets)
                .where(tables.targets.c.target == server)
                .values(last_error=error)
            )
            await self._done(session, server, request_id)

    @staticmethod
    async def _done(session: AsyncSession, server: str, request_id: int) -> None:
        row = tables.targets.c
        await session.execute(
            update(tables.targets).where(row.target == server).values(requested="")
        )
        await session.execute(
            update(tables.targets)
            .where(and_(row.target == server, row.pending_id == request_id))
            .values(pending="", pending_reason="")
        )

    async def drop_unserved(self, server: str) -> None:
        """Delete the images of generations that are not serving (a build cut short). Only the
        lease holder calls it (or the one replica on SQLite): no other build is writing."""
        serving = (
            select(tables.targets.c.generation)
            .where(tables.targets.c.target == server)
            .scalar_subquery()
        )
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                delete(tables.index_images).where(
                    and_(
                        tables.index_images.c.target == server,
                        tables.index_images.c.generation != serving,
                    )
                )
            )

    async def next_generation(self, server: str) -> int:
        """A generation number above any present, even rows left by an interrupted build."""
        async with self._db.sessions() as session:
            highest = (
                await session.execute(
                    select(func.max(tables.index_images.c.generation)).where(
                        tables.index_images.c.target == server
                    )
                )
            ).scalar()
            serving = (
                await session.execute(
                    select(tables.targets.c.generation).where(tables.targets.c.target == server)
                )
            ).scalar()
        return max(int(highest or 0), int(serving or 0)) + 1

    async def start_build(self, server: str, mode: str) -> int:
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                insert(tables.builds).values(
                    target=server,
                    mode=mode,
                    started_at=int(self._clock()),
                    finished_at=0,
                    outcome="running",
                    error="",
                    generation=0,
                    tracks=0,
                    requests=0,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]

    async def finish_build(
        self,
        build_id: int,
        *,
        outcome: str,
        error: str,
        generation: int,
        tracks: int,
        requests: int,
        costs: str = "",
    ) -> None:
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.builds)
                .where(tables.builds.c.id == build_id)
                .values(
                    finished_at=int(self._clock()),
                    outcome=outcome,
                    error=error,
                    generation=generation,
                    tracks=tracks,
                    requests=requests,
                    costs=costs,
                )
            )

    async def mark_interrupted(self, server: str | None = None) -> int:
        """Builds left 'running' by a process that stopped are interrupted (of ``server``
        only: its lease holder knows no other build of it runs); returns how many."""
        condition = tables.builds.c.outcome == "running"
        if server is not None:
            condition = and_(condition, tables.builds.c.target == server)
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.builds)
                .where(condition)
                .values(
                    outcome="interrupted",
                    finished_at=int(self._clock()),
                    error="the service stopped during the build",
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


async def _add_servers(session: AsyncSession, names: Sequence[str]) -> None:
    """A cache row and a lease row for each server that has none yet (a created server),
    in the follower's transaction."""
    have = set((await session.execute(select(tables.targets.c.target))).scalars())
    new = [n for n in names if n not in have]
    if not new:
        return
    await session.execute(
        insert(tables.targets),
        [
            {
                "target": name,
                "generation": 0,
                "built_at": 0,
                "track_count": 0,
                "library_names": "[]",
                "changes_since": 0,
                "last_error": "",
                "pending": "",
                "pending_reason": "",
            }
            for name in new
        ],
    )
    leased = set((await session.execute(select(tables.leases.c.target))).scalars())
    leases = [
        {"target": n, "holder": "", "expires_at": 0.0, "heartbeat_at": 0.0, "progress": ""}
        for n in new
        if n not in leased
    ]
    if leases:
        await session.execute(insert(tables.leases), leases)


async def _delete_server(session: AsyncSession, name: str) -> None:
    """A deleted server's cache is forgotten: its generations, lease, requests and build
    history, in the follower's transaction. A build still running for it loses its lease
    at its next renewal and stops; its activation finds no row and stores nothing."""
    for table in (tables.index_images, tables.leases, tables.builds, tables.targets):
        await session.execute(delete(table).where(table.c.target == name))
