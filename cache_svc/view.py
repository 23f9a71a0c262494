"""Each replica's view of the shared database, read every round: every server cache's
row and lease. A generation another replica activated is loaded and served, and a build running
elsewhere is shown with its published progress, so every replica serves and reports
alike."""

from __future__ import annotations

import asyncio

from cache_svc.build.progress import BuildProgress
from cache_svc.claims import Shared
from cache_svc.costs import costs_from_json
from cache_svc.leases import LeaseRow, LeaseStore
from cache_svc.runtime import Runtimes
from cache_svc.serving import Serving
from cache_svc.store import CacheStore


class SharedView:
    def __init__(
        self, runtimes: Runtimes, store: CacheStore, leases: LeaseStore, serving: Serving
    ) -> None:
        self._runtimes = runtimes
        self._store = store
        self._leases = leases
        self._serving = serving
        self._reading = asyncio.Lock()  # one read of the shared view at a time

    async def refresh(self) -> None:
        """Read every cache's row and lease; load a newer serving generation in bulk and
        swap it in."""
        async with self._reading:
            await self._refresh()

    async def _refresh(self) -> None:
        runtimes = self._runtimes
        here = dict(runtimes.items())
        touched = {name: r.touched for name, r in here.items()}
        # Rows of servers this replica does not follow (yet, or any more) are left alone.
        rows = {n: row for n, row in (await self._store.caches()).items() if n in here}
        leases = await self._leases.all()
        # Newly activated generations, every cache's at once; not while this replica builds
        # the cache: the build serves what it activates, and reading it back meanwhile
        # would hold a second copy of the index and its image.
        loaded = await asyncio.gather(
            *(
                self._serving.load(here[name], row)
                for name, row in rows.items()
                if row.generation > here[name].generation and not here[name].building
            )
        )
        changed = any(loaded)
        for name, row in rows.items():
            runtime = here[name]
            lease = leases.get(name, LeaseRow(name, "", False, ""))
            if runtime.touched != touched[name]:
                continue  # a local build changed it meanwhile: read again next round
            before = (runtime.shared, runtime.remote_progress, runtime.last_error)
            runtime.shared = Shared(row.wanted, lease.holder, lease.live)
            remote = lease.live and lease.holder != runtimes.replica_id
            runtime.remote_progress = BuildProgress.from_json(lease.progress) if remote else None
            if row.generation == runtime.generation:
                runtime.built_at = row.built_at
                runtime.library_names = row.library_names
                runtime.changes_since = row.changes_since
                runtime.build_costs = costs_from_json(row.build_costs)
            if not runtime.building:
                runtime.last_error, runtime.failed = row.last_error, bool(row.last_error)
            changed = changed or before != (
                runtime.shared,
                runtime.remote_progress,
                runtime.last_error,
            )
        if changed:
            runtimes.changed()
