"""What this replica serves: each server cache's status, and MatchTracks and LookupItems against
its serving generation; and how a generation activated by any replica comes to be served
(loaded in bulk, and only whole)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from cache_svc.build.progress import BuildProgress
from cache_svc.claims import full_build
from cache_svc.costs import costs_from_json
from cache_svc.integrity import read_image
from cache_svc.runtime import Runtimes, ServerRuntime
from cache_svc.status import CacheStatus, derive_state, progress_fields
from cache_svc.steering import Steering
from cache_svc.store import CacheRow, CacheStore
from common.domain import CacheState, ServerKind, builtin_target
from common.errors import ServerNotFound
from common.matching import LibraryTrack, Match, Query
from common.matching.explain import Explanation
from common.matching.image import ImageError
from common.runtime.memory import release_free_memory

_log = logging.getLogger("cache_svc.serving")


class Serving:
    def __init__(
        self,
        runtimes: Runtimes,
        store: CacheStore,
        steering: Steering,
        *,
        clock: Callable[[], float],
    ) -> None:
        self._runtimes = runtimes
        self._store = store
        self._steering = steering  # the user's match overrides
        self._clock = clock

    # ----- status, matching, lookup -----------------------------------------------------

    def runtime(self, server: str) -> ServerRuntime:
        """The cache of ``server``; ServerNotFound when no such server is followed."""
        runtime = self._runtimes.get(server)
        if runtime is None:
            raise ServerNotFound(server)
        return runtime

    def forget(self, server: str) -> None:
        """A deleted server's cache is no longer served."""
        self._steering.forget(server)

    def status(self, server: str) -> CacheStatus:
        runtime, runtimes = self.runtime(server), self._runtimes
        followed = runtimes.server(server)
        now = self._clock()
        state = derive_state(
            active=runtimes.active(server),
            building=runtimes.building(server),
            has_index=runtime.index is not None,
            failed=runtime.failed,
            built_at=runtime.built_at,
            refresh_hours=int(runtimes.setting("LIBRARY_CACHE_REFRESH_HOURS")),
            now=now,
        )
        status = CacheStatus(
            server=server,
            kind=followed.kind if followed is not None else ServerKind.PLEX,
            target=builtin_target(server),
            state=state,
            track_count=len(runtime.tracks),
            library_names=runtime.library_names,
            built_at=runtime.built_at,
            generation=runtime.generation,
            last_error=runtime.last_error,
            memory_bytes=runtime.memory_bytes,
            applied_config_revision=runtimes.applied_revision,
            build_costs=runtime.build_costs,
            stale_overrides=self._steering.stale(server, runtime.index, runtimes.config.overrides),
        )
        progress = runtime.progress if runtime.building else runtime.remote_progress
        if progress is None and state is CacheState.BUILDING:
            # Asked for, not yet taken (or not yet reported) by the replica that builds.
            progress = BuildProgress(
                full=full_build(runtime.shared.wanted, has_index=runtime.refreshable),
                started_at=now,
            )
        return replace(status, **progress_fields(progress, now))  # type: ignore[arg-type]

    def match(
        self, server: str, queries: Sequence[Query], min_confidence: float
    ) -> tuple[list[Match], CacheState, int]:
        """Match against the serving generation (CPU-bound: call it in a thread)."""
        runtime = self.runtime(server)
        state = self.status(server).state
        index = runtime.index if state is not CacheState.DISABLED else None
        if index is None:
            return [], state, 0
        overrides = self._runtimes.config.overrides
        matches = self._steering.match(server, index, queries, overrides, min_confidence)
        return matches, state, runtime.generation

    def explain(
        self, server: str, query: Query, min_confidence: float, limit: int
    ) -> tuple[Explanation | None, CacheState, int]:
        """The explanation of one query against the serving generation (None when no
        generation serves); CPU-bound: call it in a thread."""
        runtime = self.runtime(server)
        state = self.status(server).state
        index = runtime.index if state is not CacheState.DISABLED else None
        if index is None:
            return None, state, 0
        overrides = self._runtimes.config.overrides
        explained = self._steering.explain(server, index, query, overrides, min_confidence, limit)
        return explained, state, runtime.generation

    def lookup(
        self, server: str, item_ids: Sequence[str]
    ) -> tuple[CacheState, list[LibraryTrack] | None]:
        """The tracks of ``item_ids`` the serving generation holds (None: no generation)."""
        runtime, state = self.runtime(server), self.status(server).state
        if runtime.index is None or state is CacheState.DISABLED:
            return state, None
        return state, self._steering.lookup(server, runtime.index, item_ids)

    # ----- loading a generation ---------------------------------------------------------

    async def load(self, runtime: ServerRuntime, row: CacheRow) -> bool:
        """Load generation ``row.generation`` (activated by any replica) and serve it, but
        only whole: an image of another format, a checksum or a count that disagrees is
        reported and rebuilt, never served. True when what is served changed."""
        server = runtime.server
        began = time.perf_counter()
        image = await self._store.image(server, row.generation)
        try:
            index = await asyncio.to_thread(read_image, image, row)
        except ImageError as exc:
            now = (await self._store.caches()).get(server)
            if now is None or now.generation != row.generation:
                return False  # replaced (or deleted) meanwhile: the next round reads again
            return await self._reject(runtime, row, str(exc))
        del image  # gone before the index serves: READY never counts it
        memory = await asyncio.to_thread(index.memory_bytes)  # off the event loop
        if row.generation <= runtime.generation:
            return False  # a local build activated a newer one meanwhile
        runtime.index, runtime.tracks = index, index.tracks()
        runtime.generation, runtime.built_at = row.generation, row.built_at
        runtime.library_names, runtime.changes_since = row.library_names, row.changes_since
        runtime.build_costs = costs_from_json(row.build_costs)
        runtime.memory_bytes = memory
        runtime.format_version = row.format_version
        await asyncio.to_thread(release_free_memory)  # the image's and the old index's
        _log.info(
            "generation loaded",
            extra={
                "fields": {
                    "server": server,
                    "generation": row.generation,
                    "tracks": len(index),
                    "seconds": round(time.perf_counter() - began, 3),
                }
            },
        )
        return True

    async def _reject(self, runtime: ServerRuntime, row: CacheRow, why: str) -> bool:
        """Never serve generation ``row.generation``: say why, ask for a full build, and
        count it as seen so the claimer may build past it."""
        error = f"stored generation {row.generation} not served: {why}; rebuilding in full"
        _log.warning(
            "generation refused", extra={"fields": {"server": runtime.server, "error": error}}
        )
        await self._store.reject(runtime.server, row.generation, error)
        if row.generation <= runtime.generation:
            return False
        runtime.index, runtime.tracks, runtime.memory_bytes = None, (), 0
        runtime.generation, runtime.built_at = row.generation, row.built_at
        runtime.last_error, runtime.failed = error, True
        runtime.shared = replace(runtime.shared, wanted="full")
        runtime.touched += 1
        self._runtimes.wake()
        return True
