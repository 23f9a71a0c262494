"""SQL access for cache_svc: followed config, per-target state, generations of track rows."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, select, update

from cache_svc import tables
from cache_svc.followed import Action, Decision, FollowedConfig
from common.db import Database
from common.matching import LibraryTrack
from common.model import Target

WRITE_BATCH = 2000


@dataclass(frozen=True)
class TargetRow:
    target: Target
    generation: int
    built_at: int
    track_count: int
    library_names: tuple[str, ...]
    changes_since: int
    last_error: str
    pending: str  # "", "build" or "full"
    pending_reason: str


def _row_to_track(row: object) -> LibraryTrack:
    r = row._mapping  # type: ignore[attr-defined]
    return LibraryTrack(
        item_id=r["item_id"],
        library=r["library"],
        title=r["title"],
        artists=tuple(json.loads(r["artists"])),
        album_artist=r["album_artist"],
        album=r["album"],
        duration_ms=int(r["duration_ms"]),
        mbid=r["mbid"],
        updated_at=int(r["updated_at"]),
    )


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
    ) -> None:
        """Persist the applied revision with the effect it caused, in one transaction."""
        async with self._db.sessions() as session, session.begin():
            await session.execute(delete(tables.follow_state))
            await session.execute(
                insert(tables.follow_state).values(
                    id=1, applied_revision=revision, config=config.to_json()
                )
            )
            for decision in decisions:
                if decision.action is Action.BUILD:
                    await session.execute(
                        update(tables.targets)
                        .where(tables.targets.c.target == decision.target.value)
                        .values(
                            pending="full" if decision.full else "build",
                            pending_reason=decision.reason,
                        )
                    )
                elif decision.action is Action.DISABLE:
                    await session.execute(
                        update(tables.targets)
                        .where(tables.targets.c.target == decision.target.value)
                        .values(pending="", pending_reason="")
                    )

    async def targets(self) -> dict[Target, TargetRow]:
        async with self._db.sessions() as session:
            rows = (await session.execute(select(tables.targets))).all()
        return {
            Target(r.target): TargetRow(
                Target(r.target),
                int(r.generation),
                int(r.built_at),
                int(r.track_count),
                tuple(json.loads(r.library_names)),
                int(r.changes_since),
                r.last_error,
                r.pending,
                r.pending_reason,
            )
            for r in rows
        }

    async def tracks(self, target: Target, generation: int) -> AsyncIterator[list[LibraryTrack]]:
        """The rows of one generation, in batches (streamed, not all in one result)."""
        async with self._db.sessions() as session:
            result = await session.stream(
                select(tables.tracks).where(
                    and_(
                        tables.tracks.c.target == target.value,
                        tables.tracks.c.generation == generation,
                    )
                )
            )
            async for chunk in result.partitions(WRITE_BATCH):
                yield [_row_to_track(row) for row in chunk]

    async def write_tracks(
        self, target: Target, generation: int, tracks: Sequence[LibraryTrack]
    ) -> None:
        """Write a generation's rows; they are not served until activate(). Each batch
        commits whole even when the build is cancelled meanwhile (shielded), so no
        transaction is ever left holding the database's write lock."""
        for start in range(0, len(tracks), WRITE_BATCH):
            await asyncio.shield(
                self._write_batch(target, generation, tracks[start : start + WRITE_BATCH])
            )

    async def _write_batch(
        self, target: Target, generation: int, batch: Sequence[LibraryTrack]
    ) -> None:
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                insert(tables.tracks),
                [
                    {
                        "target": target.value,
                        "generation": generation,
                        "item_id": t.item_id,
                        "library": t.library,
                        "title": t.title,
                        "artists": json.dumps(list(t.artists), ensure_ascii=False),
                        "album_artist": t.album_artist,
                        "album": t.album,
                        "duration_ms": t.duration_ms,
                        "mbid": t.mbid,
                        "updated_at": t.updated_at,
                    }
                    for t in batch
                ],
            )

    async def activate(
        self,
        target: Target,
        generation: int,
        *,
        track_count: int,
        library_names: Sequence[str],
        changes_since: int,
        clear_pending: bool,
    ) -> None:
        """Make ``generation`` the serving one and drop every other generation's rows."""
        values: dict[str, object] = {
            "generation": generation,
            "built_at": int(self._clock()),
            "track_count": track_count,
            "library_names": json.dumps(list(library_names), ensure_ascii=False),
            "changes_since": changes_since,
            "last_error": "",
        }
        if clear_pending:
            values.update(pending="", pending_reason="")
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.targets)
                .where(tables.targets.c.target == target.value)
                .values(**values)
            )
            await session.execute(
                delete(tables.tracks).where(
                    and_(
                        tables.tracks.c.target == target.value,
                        tables.tracks.c.generation != generation,
                    )
                )
            )

    async def fail(self, target: Target, error: str, *, clear_pending: bool) -> None:
        values: dict[str, object] = {"last_error": error}
        if clear_pending:
            values.update(pending="", pending_reason="")
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                update(tables.targets)
                .where(tables.targets.c.target == target.value)
                .values(**values)
            )

    async def drop_unserved(self, target: Target, serving: int) -> None:
        """Delete rows of generations that are not serving (a build cut short)."""
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                delete(tables.tracks).where(
                    and_(
                        tables.tracks.c.target == target.value,
                        tables.tracks.c.generation != serving,
                    )
                )
            )

    async def next_generation(self, target: Target) -> int:
        """A generation number above any present, even rows left by an interrupted build."""
        async with self._db.sessions() as session:
            highest = (
                await session.execute(
                    select(func.max(tables.tracks.c.generation)).where(
                        tables.tracks.c.target == target.value
                    )
                )
            ).scalar()
            serving = (
                await session.execute(
                    select(tables.targets.c.generation).where(
                        tables.targets.c.target == target.value
                    )
                )
            ).scalar()
        return max(int(highest or 0), int(serving or 0)) + 1

    async def start_build(self, target: Target, mode: str) -> int:
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                insert(tables.builds).values(
                    target=target.value,
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
                )
            )

    async def mark_interrupted(self) -> int:
        """Builds left 'running' by a previous process are interrupted; returns how many."""
        async with self._db.sessions() as session, session.begin():
            result = await session.execute(
                update(tables.builds)
                .where(tables.builds.c.outcome == "running")
                .values(
                    outcome="interrupted",
                    finished_at=int(self._clock()),
                    error="the service stopped during the build",
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
