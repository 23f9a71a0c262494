"""Which builds run, and where: a build is asked for once for the cluster (by BuildCache or
the refresh schedule; config decisions are stored by the follower), and each replica's
claimer takes the lease of every server cache whose build is wanted and free, lapsed or its own,
and hands the build to its runner (``claims.py`` decides, the database arbitrates)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from cache_svc.claims import should_claim
from cache_svc.leases import LeaseStore
from cache_svc.runner import BuildRunner
from cache_svc.runtime import Runtimes
from cache_svc.store import CacheStore
from common.domain import builtin_target
from common.errors import CacheDisabled, ServerNotFound

_log = logging.getLogger("cache_svc.claimer")


class BuildClaimer:
    def __init__(
        self,
        runtimes: Runtimes,
        store: CacheStore,
        leases: LeaseStore,
        runner: BuildRunner,
        *,
        clock: Callable[[], float],
    ) -> None:
        self._runtimes = runtimes
        self._store = store
        self._leases = leases
        self._runner = runner
        self._clock = clock
        self._claiming = False  # not before the config is followed

    async def forget_stopped_process(self) -> None:
        """This replica is the only one (SQLite): the leases and requested builds a stopped
        process left are dropped instead of taken over, its builds marked interrupted."""
        await self._leases.reset()
        await self._store.forget_requests()
        interrupted = await self._store.mark_interrupted()
        if interrupted:
            _log.warning("builds interrupted by the last stop: %d", interrupted)
        for server in await self._store.caches():
            await self._store.drop_unserved(server)

    def resume(self) -> None:
        """Caught up with the config: from now on, take and run the builds asked for
        (including those a stopped process or replica never finished)."""
        self._claiming = True
        self._runtimes.wake()

    async def claim(self) -> list[str]:
        """Take the lease of each cache whose build is asked for and free (or lapsed),
        and build it; returns the servers whose build started here."""
        if not self._claiming or self._runner.stopped:
            return []
        runtimes, me = self._runtimes, self._runtimes.replica_id
        started = []
        for server, runtime in runtimes.items():
            active = runtimes.active(server)
            if not should_claim(
                runtime.shared, active=active, building_here=runtime.building, me=me
            ):
                continue
            seconds = runtimes.setting("CACHE_BUILD_LEASE_SECONDS")
            if not await self._leases.take(server, me, seconds):
                continue
            row = (await self._store.caches()).get(server)
            if (
                row is None
                or not row.wanted
                or row.generation != runtime.generation
                or self._runner.stopped
                or runtimes.get(server) is not runtime
            ):
                # Done or deleted meanwhile, or our index is behind the serving generation
                # (the next round loads it first): let go.
                await self._leases.release(server, me)
                continue
            self._runner.start(runtime, row, seconds)
            started.append(server)
        if started:
            runtimes.changed()
        return started

    async def request_build(self, server: str, full: bool | None) -> bool:
        """Ask for a build unless one is asked for or running on any replica
        (single-flight). True when asked; the claimer of some replica runs it."""
        runtime = self._runtimes.get(server)
        if runtime is None:
            raise ServerNotFound(server)
        if not self._runtimes.active(server):
            target = builtin_target(server)
            if target is not None:
                raise CacheDisabled(
                    f"the {target.label} library cache is disabled; enable "
                    f"{target.cache_enabled_key} and {target.client_enabled_key} first"
                )
            raise CacheDisabled(
                f"the library cache of server {server!r} is disabled; enable its client and "
                "library cache first (UpdateServer: client_enabled, library_cache_enabled)"
            )
        if runtime.building:
            return False
        wanted = "full" if (runtime.index is None if full is None else full) else "build"
        if not await self._store.request_build(server, wanted):
            return False
        runtime.shared = replace(runtime.shared, wanted=wanted)
        runtime.touched += 1
        self._runtimes.wake()
        self._runtimes.changed()
        return True

    async def refresh_due(self) -> list[str]:
        """Ask for the scheduled refreshes that are due (once for the cluster: the serving
        generation's build time is checked in the database); returns the servers asked."""
        runtimes = self._runtimes
        if not runtimes.config.builder_enabled:
            return []
        hours = int(runtimes.setting("LIBRARY_CACHE_REFRESH_HOURS"))
        started = []
        for server, runtime in runtimes.items():
            now = self._clock()
            if (
                runtimes.active(server)
                and not runtimes.building(server)
                and now - runtime.built_at >= hours * 3600
            ):
                wanted = "full" if runtime.index is None else "build"
                if await self._store.request_build(
                    server, wanted, built_before=int(now - hours * 3600)
                ):
                    runtime.shared = replace(runtime.shared, wanted=wanted)
                    runtime.touched += 1
                    started.append(server)
        if started:
            runtimes.wake()
            runtimes.changed()
        return started
