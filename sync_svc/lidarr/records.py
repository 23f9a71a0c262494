"""The record of the hand-offs to Lidarr, in sync_svc's database: per run, every wanted
album as the last send left it (what was done, Lidarr's answer, when it was handed over),
and each track handed over, found again by a later run (sync_svc/tables.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update

from common.database.engine import Database, advisory_lock_key
from sync_svc import tables
from sync_svc.lidarr.wanted import WantedAlbum, WantedTrack

# How many track keys one query names (keeps every statement's parameters bounded).
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class Handoff:
    """One wanted album of a run as a send left it."""

    run_id: str
    album: WantedAlbum
    state: str  # sync_svc/lidarr/plan.py AlbumState value
    message: str
    release_group_mbid: str = ""  # Lidarr's album id (foreignAlbumId), when resolved
    lidarr_album_id: int = 0
    sent_at: float = 0.0  # when it was handed over; 0 until it is


@dataclass(frozen=True)
class Sent:
    """A track handed to Lidarr by an earlier run."""

    run_id: str
    album: str  # "Artist - Title", as people read it
    sent_at: float


@dataclass
class _Turns:
    """The sends of one run in this process: the lock they take turns on, and how many
    hold it or wait for it (the entry goes when none does)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class HandoffRecords:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._turns: dict[str, _Turns] = {}

    @asynccontextmanager
    async def one_send_at_a_time(self, run_id: str) -> AsyncIterator[None]:
        """Held for a whole send of ``run_id``: its sends take turns, so each reads the
        records the one before it left and counts its hand-overs against the cap. Two at
        once (the send after a run and a click on Send, two clicks, two replicas) would
        both find the cap's room free and hand over twice as many albums. In this process
        a lock per run; on PostgreSQL also a transaction-level advisory lock, held on a
        connection of its own while the send runs, so replicas take turns too (SQLite
        serves one replica)."""
        turns = self._turns.setdefault(run_id, _Turns())
        turns.users += 1
        try:
            async with turns.lock:
                if not self._db.is_postgres:
                    yield
                    return
                key = advisory_lock_key(f"lidarr.send.{run_id}")
                async with self._db.engine.connect() as conn, conn.begin():
                    await conn.execute(select(func.pg_advisory_xact_lock(key)))
                    yield
        finally:
            turns.users -= 1
            if not turns.users:
                del self._turns[run_id]

    async def for_run(self, run_id: str) -> dict[str, Handoff]:
        """The run's recorded albums, by album key."""
        table = tables.lidarr_handoffs
        async with self._db.sessions() as session:
            rows = (await session.execute(select(table).where(table.c.run_id == run_id))).all()
        found = {}
        for row in rows:
            tracks = tuple(
                WantedTrack(t["position"], t["title"], tuple(t["artists"]))
                for t in json.loads(row.tracks)
            )
            album = WantedAlbum(row.album_key, row.artist, row.title, "", tracks)
            found[row.album_key] = Handoff(
                row.run_id,
                album,
                row.state,
                row.message,
                row.release_group_mbid,
                row.lidarr_album_id,
                row.sent_at,
            )
        return found

    async def record(
        self,
        handoffs: Sequence[Handoff],
        track_keys: dict[int, str],
        *,
        now: float,
    ) -> None:
        """Store each album as this send left it (replacing the run's earlier record of
        it), and the tracks of those handed over now (``track_keys``: position -> key)."""
        if not handoffs:
            return
        albums, tracks = tables.lidarr_handoffs, tables.lidarr_tracks
        async with self._db.sessions() as session, session.begin():
            for h in handoffs:
                await session.execute(
                    delete(albums).where(
                        albums.c.run_id == h.run_id, albums.c.album_key == h.album.key
                    )
                )
                await session.execute(
                    insert(albums).values(
                        run_id=h.run_id,
                        album_key=h.album.key,
                        release_group_mbid=h.release_group_mbid,
                        artist=h.album.artist,
                        title=h.album.title,
                        state=h.state,
                        message=h.message,
                        lidarr_album_id=h.lidarr_album_id,
                        tracks=json.dumps(
                            [
                                {"position": t.position, "title": t.title, "artists": t.artists}
                                for t in h.album.tracks
                            ],
                            ensure_ascii=False,
                        ),
                        sent_at=h.sent_at,
                        updated_at=now,
                    )
                )
                if h.sent_at != now:
                    continue  # not handed over by this send
                for track in h.album.tracks:
                    key = track_keys.get(track.position)
                    if key is None:
                        continue
                    await session.execute(
                        delete(tracks).where(tracks.c.track_key == key, tracks.c.run_id == h.run_id)
                    )
                    await session.execute(
                        insert(tracks).values(
                            track_key=key, run_id=h.run_id, album=h.album.label, sent_at=now
                        )
                    )

    async def arrivals(self, keys: Iterable[str], run_id: str, *, mark: bool) -> dict[str, Sent]:
        """Of ``keys`` (tracks run ``run_id`` found), those an earlier run handed to Lidarr
        that no other run has found since, by key (the earliest hand-off of each). With
        ``mark``, they are this run's from now on: a later run does not say it again (a
        dry run's findings are not kept)."""
        wanted = sorted(set(keys))
        table = tables.lidarr_tracks
        found: dict[str, Sent] = {}
        async with self._db.sessions() as session, session.begin():
            for start in range(0, len(wanted), KEYS_PER_QUERY):
                chunk = wanted[start : start + KEYS_PER_QUERY]
                rows = await session.execute(
                    select(table)
                    .where(
                        table.c.track_key.in_(chunk),
                        table.c.run_id != run_id,
                        table.c.found_by.in_(["", run_id]),
                    )
                    .order_by(table.c.sent_at.desc())
                )
                for row in rows:
                    found[row.track_key] = Sent(row.run_id, row.album, row.sent_at)
                if mark and found:
                    await session.execute(
                        update(table)
                        .where(
                            table.c.track_key.in_([k for k in chunk if k in found]),
                            table.c.found_by == "",
                        )
                        .values(found_by=run_id)
                    )
        return found
