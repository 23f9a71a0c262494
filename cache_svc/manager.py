"""The library caches as the servicer, the config follower and the app see them: a thin
front over the parts that own each concern, wired here.

- ``serving.py``: status, MatchTracks and LookupItems, loading a generation;
- ``view.py``: every replica's view of the shared database;
- ``claimer.py``: builds asked for (BuildCache, the refresh schedule) and claimed;
- ``runner.py``: a build under its lease, its activation or failure;
- ``runtime.py``: each server's cache in memory, which they all share.

A cache is named by its server (``plex`` and ``jellyfin`` are the built-in ones); the set
of caches follows the configuration's servers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from cache_svc.build.builders import Builder
from cache_svc.build.trace import BuildTracing
from cache_svc.claimer import BuildClaimer
from cache_svc.config_view import Action, Decision, FollowedConfig
from cache_svc.leases import LeaseStore
from cache_svc.runner import BuildRunner
from cache_svc.runtime import Runtimes
from cache_svc.serving import Serving
from cache_svc.status import CacheStatus
from cache_svc.steering import Steering
from cache_svc.store import CacheStore
from cache_svc.view import SharedView
from common.config.registry import Registry
from common.domain import CacheState
from common.matching import LibraryTrack, Match, Query
from common.matching.explain import Explanation
from common.runtime.telemetry import Telemetry

_log = logging.getLogger("cache_svc.manager")


class CacheManager:
    def __init__(
        self,
        store: CacheStore,
        leases: LeaseStore,
        registry: Registry,
        builder: Builder,
        *,
        replica_id: str,
        exclusive: bool,
        clock: Callable[[], float] = time.time,
        seconds_per_minute: float = 60.0,
        telemetry: Telemetry | None = None,
    ) -> None:
        """``exclusive``: this replica is the only one (SQLite), so leases and requested
        builds left by a stopped process are dropped at start-up instead of taken over."""
        telemetry = telemetry or Telemetry()
        tracing = BuildTracing(telemetry.tracing.tracer("cache_svc"), telemetry.metrics)
        self._store = store
        self._exclusive = exclusive
        self._runtimes = Runtimes(registry, replica_id=replica_id)
        self._serving = Serving(self._runtimes, store, Steering(), clock=clock)
        self._view = SharedView(self._runtimes, store, leases, self._serving)
        self._runner = BuildRunner(
            self._runtimes,
            store,
            leases,
            builder,
            tracing,
            clock=clock,
            seconds_per_minute=seconds_per_minute,
        )
        self._claimer = BuildClaimer(self._runtimes, store, leases, self._runner, clock=clock)

    async def load(self) -> None:
        """Serve the last good generation of each server's cache without rebuilding."""
        if self._exclusive:
            await self._claimer.forget_stopped_process()
        followed = await self._store.followed()
        if followed is not None:
            self._runtimes.applied_revision = followed[0]
            self._runtimes.follow(followed[1])
        await self.refresh_view()

    def resume_pending(self) -> None:
        """Caught up with the config: take and run the builds asked for from now on."""
        self._claimer.resume()

    @property
    def applied_revision(self) -> int:
        return self._runtimes.applied_revision

    @property
    def config(self) -> FollowedConfig:
        return self._runtimes.config

    @property
    def replica_id(self) -> str:
        return self._runtimes.replica_id

    def builds_here(self, server: str) -> bool:
        """A build of ``server``'s cache runs in this replica (it holds the lease)."""
        runtime = self._runtimes.get(server)
        return runtime is not None and runtime.building

    def server_names(self) -> list[str]:
        """The servers with a cache: the built-in ones, then the created ones by name."""
        return self._runtimes.names()

    async def apply(
        self, revision: int, config: FollowedConfig, decisions: Sequence[Decision]
    ) -> None:
        """Act on an applied configuration (its decisions already persisted, by this
        replica or another): stop a local build a decision superseded or whose server is
        gone, then let the claimer take what is asked for."""
        self._runtimes.applied_revision = revision
        gone = self._runtimes.follow(config)
        for decision in decisions:
            fields = {
                "server": decision.server,
                "action": decision.action.value,
                "reason": decision.reason,
            }
            _log.info("config change", extra={"fields": fields})
        await self._runner.forget(gone)
        for runtime in gone:
            self._serving.forget(runtime.server)
        if any(d.action in (Action.BUILD, Action.DISABLE) for d in decisions):
            await self._runner.stop_superseded({d.server for d in decisions})
            await self.refresh_view()
        self._runtimes.wake()
        self._runtimes.changed()

    async def run(self, every: float) -> None:
        """Forever: follow the shared database (serving generations, builds on other
        replicas) and take the builds asked for, every ``every`` s or when woken."""
        wakeups = self._runtimes.claim_wakeups
        while True:
            seen = wakeups.version
            try:
                await self.refresh_view()
                await self.claim()
            except Exception as exc:  # the database is away: try again next round
                _log.warning("cache view refresh failed: %s", exc)
            await wakeups.wait_beyond(seen, every)

    async def refresh_view(self) -> None:
        await self._view.refresh()

    async def claim(self) -> list[str]:
        return await self._claimer.claim()

    async def request_build(self, server: str, full: bool | None) -> bool:
        return await self._claimer.request_build(server, full)

    async def refresh_due(self) -> list[str]:
        return await self._claimer.refresh_due()

    async def stop(self, *, release: bool = True) -> None:
        """Stop building; the leases are let go at once unless ``release`` is false (as
        when a replica dies: the others take over once the leases lapse)."""
        await self._runner.stop(release=release)

    def status(self, server: str) -> CacheStatus:
        """ServerNotFound when no such server is followed."""
        return self._serving.status(server)

    @property
    def version(self) -> int:
        return self._runtimes.status_changes.version

    async def wait_changed(self, seen: int, patience: float) -> int:
        """Wait up to ``patience`` s for a status change after version ``seen``."""
        changes = self._runtimes.status_changes
        await changes.wait_beyond(seen, patience)
        return changes.version

    def match(
        self, server: str, queries: Sequence[Query], min_confidence: float
    ) -> tuple[list[Match], CacheState, int]:
        """Match against the serving generation (CPU-bound: call it in a thread)."""
        return self._serving.match(server, queries, min_confidence)

    def explain(
        self, server: str, query: Query, min_confidence: float, limit: int
    ) -> tuple[Explanation | None, CacheState, int]:
        """Why ``query`` matches what it does (CPU-bound: call it in a thread)."""
        return self._serving.explain(server, query, min_confidence, limit)

    def lookup(
        self, server: str, item_ids: Sequence[str]
    ) -> tuple[CacheState, list[LibraryTrack] | None]:
        return self._serving.lookup(server, item_ids)

    def min_confidence(self) -> float:
        return self._runtimes.setting("MATCH_MIN_CONFIDENCE")
