"""Several sync_svc replicas in-process against one PostgreSQL database, with one
config_svc, one cache_svc and the emulated Plex and Jellyfin, for the cross-replica tests.
Also a playlist loader that holds runs at a gate, so a test decides when a run proceeds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc

from cache_svc.app import start as start_cache
from common.database.engine import Database
from common.domain import SourceKind
from common.wire.channels import open_channel
from emulators.server import running_jellyfin, running_plex
from sync_svc.app import SyncApp
from sync_svc.app import start as start_sync
from sync_svc.loader import load_source
from sync_svc.run_queue import RunQueue
from sync_svc.runs import RunState, Track
from sync_svc.source_reading import Loader
from sync_svc.store import SyncStore
from tests.support.cache_service import settle
from tests.support.config_service import running_config
from tests.support.inprocess_stack import CATALOG, JELLYFIN, MUSIC, PLEX, Stack, env
from tests.support.rpc import STOP_GRACE, TIMEOUT


def catalog_tracks(count: int) -> list[Track]:
    """``count`` tracks of the emulated catalog's music, as a source would give them."""
    return [
        Track(
            title=t.title,
            artists=((t.credit or t.album_artist).split(" feat. ")[0],),
            duration_ms=t.duration_ms,
        )
        for t in MUSIC[:count]
    ]


class GatedSource:
    """A playlist loader shared by every replica: each run that reads its source waits at
    the gate until the test lets it through, and the loader counts who is waiting."""

    def __init__(self, tracks: list[Track]) -> None:
        self.tracks = tracks  # what every run reads; a test may change it between runs
        self._allowed = 0  # runs let through so far (a let-through may precede the arrival)
        self._passed = 0
        self._moved = asyncio.Condition()
        self.waiting = 0
        self.peak_waiting = 0

    async def __call__(
        self, _kind: SourceKind, ref: str, _values: dict[str, str]
    ) -> tuple[str, list[Track]]:
        async with self._moved:
            self.waiting += 1
            self.peak_waiting = max(self.peak_waiting, self.waiting)
            try:
                await self._moved.wait_for(lambda: self._allowed > self._passed)
                self._passed += 1
            finally:
                self.waiting -= 1
        return ref, list(self.tracks)

    async def let_through(self, runs: int = 1) -> None:
        async with self._moved:
            self._allowed += runs
            self._moved.notify_all()


def gated_spec(title: str) -> pb.SyncSpec:
    """A spec whose tracks come from the gated loader (``ref`` is only a name)."""
    return pb.SyncSpec(
        playlist_title=title,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=title),
        targets=[PLEX, JELLYFIN],
    )


@dataclass
class Replicas:
    """The stack (``stack.sync`` talks to the first replica), every replica's app and
    stub, and read access to the shared sync tables."""

    stack: Stack
    apps: list[SyncApp]
    syncs: list[sync_pb2_grpc.SyncServiceAsyncStub]
    queue: RunQueue
    store: SyncStore

    async def states(self) -> dict[str, RunState]:
        """Every stored run's state, by run id."""
        return {r.run_id: r.progress.state for r in await self.store.recent(500)}

    def index_of(self, owner: str) -> int:
        return [app.replica for app in self.apps].index(owner)

    async def wait_warm(self) -> None:
        """Both targets' caches are READY."""
        for kind in (PLEX, JELLYFIN):
            await settle(self.stack.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)


def halt(app: SyncApp) -> None:
    """The replica stops claiming and renewing leases, as if it hung or lost the network:
    its runs are left RUNNING in the database with nobody keeping them."""
    for task in app.lifecycle.tasks:
        if task.get_name() in ("claimer", "lease-keeper", "scheduler"):
            task.cancel()


@asynccontextmanager
async def sync_replicas(
    database_url: str,
    tmp_path: Path,
    *,
    count: int = 2,
    load_playlist: Loader = load_source,
    schedule_every: float = 30.0,
    clocks: list[Callable[[], float]] | None = None,
) -> AsyncIterator[Replicas]:
    """``count`` sync_svc replicas and config_svc sharing ``database_url`` (PostgreSQL),
    cache_svc on its own SQLite, both emulators. ``clocks`` gives each replica its own."""
    clocks = clocks or [time.time] * count
    async with (
        running_plex(catalog=CATALOG) as plex,
        running_jellyfin(catalog=CATALOG) as jellyfin,
        running_config(database_url, tmp_path) as config_app,
    ):
        config_address = f"127.0.0.1:{config_app.server.port}"
        cache_app = await start_cache(
            env("cache", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}"),
            config_address=config_address,
            progress_interval_ms=200,
        )
        cache_address = f"127.0.0.1:{cache_app.server.port}"
        apps: list[SyncApp] = []
        db = Database(database_url)
        try:
            for clock in clocks:
                apps.append(
                    await start_sync(
                        env("sync", tmp_path, database_url),
                        config_address=config_address,
                        cache_address=cache_address,
                        load_playlist=load_playlist,
                        schedule_every=schedule_every,
                        clock=clock,
                    )
                )
            syncs = [
                sync_pb2_grpc.SyncServiceStub(open_channel(f"127.0.0.1:{a.server.port}"))
                for a in apps
            ]
            stack = Stack(
                plex,
                jellyfin,
                config_pb2_grpc.ConfigServiceStub(open_channel(config_address)),
                cache_pb2_grpc.CacheServiceStub(open_channel(cache_address)),
                syncs[0],
                {"config": config_address, "cache": cache_address},
            )
            yield Replicas(stack, apps, syncs, RunQueue(db), SyncStore(db))
        finally:
            for app in apps:
                await app.stop(STOP_GRACE)
            await cache_app.stop(STOP_GRACE)
            await db.close()


async def finished(sync: sync_pb2_grpc.SyncServiceAsyncStub, run_id: str) -> pb.SyncReport:
    """Follow ``run_id`` on ``sync`` to its end; its final report from the same replica."""
    async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    request = pb.GetSyncReportRequest(run_id=run_id)
    return (await sync.GetSyncReport(request, timeout=TIMEOUT)).report
