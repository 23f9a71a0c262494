"""Runs the builds this replica claimed, each under its lease (renewed by
``lease_keeper.py``) and within CACHE_BUILD_TIMEOUT_MINUTES: only a complete generation is
stored, activated and served; a failed one is recorded and leaves the old one serving."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cache_svc.build.builders import Builder, BuildJob, Finished, RequestTally
from cache_svc.build.generation import BuildFailed, Built
from cache_svc.build.progress import BuildProgress
from cache_svc.build.trace import BuildTracing
from cache_svc.claims import full_build
from cache_svc.costs import StepCost, costs_to_json
from cache_svc.lease_keeper import LeaseKeeper
from cache_svc.leases import LeaseStore
from cache_svc.runtime import NO_BUILD, Runtimes, ServerRuntime
from cache_svc.store import CacheRow, CacheStore
from common.matching.image import FORMAT_VERSION, checksum
from common.runtime.memory import release_free_memory

_log = logging.getLogger("cache_svc.runner")


@dataclass
class _Record:
    """What the build history row of one build gets, filled in as the build goes."""

    mode: str
    build_id: int = 0
    generation: int = 0
    outcome: str = "failed"
    error: str = ""
    tracks: int = 0
    costs: tuple[StepCost, ...] = ()
    tally: RequestTally = field(default_factory=RequestTally)


@dataclass(frozen=True)
class _Limits:
    """The settings a build runs with, read once as it starts."""

    timeout_minutes: int
    library_names: tuple[str, ...]
    memory_limit_bytes: int


class BuildRunner:
    def __init__(
        self,
        runtimes: Runtimes,
        store: CacheStore,
        leases: LeaseStore,
        builder: Builder,
        tracing: BuildTracing,
        *,
        clock: Callable[[], float],
        seconds_per_minute: float = 60.0,
    ) -> None:
        self._runtimes = runtimes
        self._store = store
        self._leases = leases
        self._builder = builder
        self._traced = tracing
        self._clock = clock
        self._minute = seconds_per_minute  # tests shorten the build timeout's unit
        self._stopped = False
        self._keep_leases = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def start(self, runtime: ServerRuntime, row: CacheRow, lease_seconds: float) -> None:
        """Build the cache of ``runtime`` as ``row`` asks; this replica has just taken its
        lease."""
        runtime.progress = progress = BuildProgress(
            full=full_build(row.wanted, has_index=runtime.refreshable),
            started_at=self._clock(),
        )
        runtime.request_id = row.pending_id
        runtime.touched += 1
        runtime.build = asyncio.create_task(
            self._traced.build(
                runtime.server,
                "full" if progress.full else "incremental",
                self._run(runtime, progress, row.pending_id, lease_seconds),
                lambda: (runtime.last_error if runtime.failed else "", len(runtime.tracks)),
            ),
            name=f"build-{runtime.server}",
        )

    async def stop_superseded(self, servers: set[str]) -> None:
        """Stop the local builds of ``servers`` whose config decision a newer one replaced."""
        rows = await self._store.caches()
        for server in servers:
            runtime, row = self._runtimes.get(server), rows.get(server)
            if runtime is None or not runtime.building:
                continue
            if row is None or row.pending_id != runtime.request_id:
                await _cancel(runtime)

    async def forget(self, runtimes: list[ServerRuntime]) -> None:
        """Stop the local builds of deleted servers (their rows are gone)."""
        for runtime in runtimes:
            await _cancel(runtime)

    async def stop(self, *, release: bool) -> None:
        """Stop building; the leases are let go unless ``release`` is false."""
        self._stopped = True
        self._keep_leases = not release
        for runtime in self._runtimes.values():
            await _cancel(runtime)

    def _lost(self, runtime: ServerRuntime, why: str) -> None:
        _log.warning("build stopped", extra={"fields": {"server": runtime.server, "why": why}})
        if runtime.build is not None:
            runtime.build.cancel()

    async def _run(
        self,
        runtime: ServerRuntime,
        progress: BuildProgress,
        request_id: int,
        lease_seconds: float,
    ) -> None:
        """One build under its lease, from the build row to the lease let go."""
        server, me = runtime.server, self._runtimes.replica_id
        keeper = LeaseKeeper(
            self._leases,
            server,
            me,
            lease_seconds,
            request_id,
            progress,
            lambda why: self._lost(runtime, why),
        )
        keeping = asyncio.create_task(keeper.run(), name=f"lease-{server}")
        record = _Record(mode="full" if progress.full else "incremental")
        limits = self._limits(server)
        try:
            await self._build(runtime, progress, request_id, keeper, record, limits)
        except asyncio.CancelledError:
            # Its rows are never served; the next build or start-up deletes them.
            record.outcome, record.error = "interrupted", "the build was cancelled"
            raise
        except TimeoutError:
            minutes = limits.timeout_minutes
            error = f"the build took longer than CACHE_BUILD_TIMEOUT_MINUTES={minutes}"
            await self._failed(runtime, record, error, request_id)
        except BuildFailed as exc:
            await self._failed(runtime, record, str(exc), request_id)
        except Exception as exc:  # target errors: typed, with messages that carry no secret
            await self._failed(runtime, record, f"{type(exc).__name__}: {exc}", request_id)
        finally:
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
            await self._finish(runtime, record)

    def _limits(self, server: str) -> _Limits:
        runtimes = self._runtimes
        followed = runtimes.server(server)
        return _Limits(
            timeout_minutes=int(runtimes.setting("CACHE_BUILD_TIMEOUT_MINUTES")),
            library_names=followed.library_names if followed is not None else (),
            memory_limit_bytes=int(runtimes.setting("LIBRARY_CACHE_MEMORY_LIMIT_MB")) * 2**20,
        )

    async def _build(
        self,
        runtime: ServerRuntime,
        progress: BuildProgress,
        request_id: int,
        keeper: LeaseKeeper,
        record: _Record,
        limits: _Limits,
    ) -> None:
        server, runtimes = runtime.server, self._runtimes
        # The lease is ours: no other build of this cache runs, so what one left
        # behind (a stopped replica's build row and image) is stale.
        await self._store.mark_interrupted(server)
        await self._store.drop_unserved(server)
        record.build_id = await self._store.start_build(server, record.mode)
        record.generation = generation = await self._store.next_generation(server)
        _log.info(
            "build started",
            extra={"fields": {"server": server, "mode": record.mode, "generation": generation}},
        )
        followed = runtimes.server(server)
        job = BuildJob(
            server=server,
            label=followed.label if followed is not None else repr(server),
            config=runtimes.config,
            library_names=limits.library_names,
            previous=None if progress.full else runtime.index,
            previous_generation=runtime.generation,
            since=runtime.changes_since,
            memory_limit_bytes=limits.memory_limit_bytes,
        )

        def changed() -> None:
            runtimes.changed()
            keeper.changed()

        async with asyncio.timeout(limits.timeout_minutes * self._minute):
            finished = await self._builder.build(job, progress, changed, record.tally)
        if not await self._activate(server, generation, finished, request_id):
            raise BuildFailed(f"server {server!r} was deleted during the build")
        built = finished.built
        del finished  # the image and its copies go: only the index is kept
        await self._serve(runtime, generation, built)
        record.outcome, record.tracks, record.costs = "ready", len(built.index), built.costs

    async def _activate(
        self, server: str, generation: int, finished: Finished, request_id: int
    ) -> bool:
        """Store the new generation's image and make it the serving one, for every replica;
        False when the server was deleted meanwhile (nothing is kept)."""
        built, image = finished.built, finished.image
        await self._store.save_image(server, generation, image)
        return await self._store.activate(
            server,
            generation,
            format_version=FORMAT_VERSION,
            checksum=await asyncio.to_thread(checksum, image),
            track_count=len(built.index),
            library_names=built.libraries,
            changes_since=built.changes_since,
            request_id=request_id,
            build_costs=costs_to_json(built.costs),
        )

    async def _serve(self, runtime: ServerRuntime, generation: int, built: Built) -> None:
        """Serve the generation this replica built and activated."""
        memory = await asyncio.to_thread(built.index.memory_bytes)  # off the event loop
        await asyncio.to_thread(release_free_memory)  # the image and its copies are gone
        runtime.index, runtime.tracks = built.index, built.index.tracks()
        runtime.generation, runtime.built_at = generation, int(self._clock())
        runtime.library_names, runtime.changes_since = built.libraries, built.changes_since
        runtime.build_costs = built.costs
        runtime.memory_bytes = memory
        runtime.format_version = FORMAT_VERSION
        runtime.last_error, runtime.failed = "", False
        runtime.shared = NO_BUILD
        _log.info(
            "build ready",
            extra={
                "fields": {
                    "server": runtime.server,
                    "tracks": len(built.index),
                    "generation": generation,
                    **{k: round(v, 2) for k, v in built.timings.items()},
                    **{f"{c.step}_requests": c.requests for c in built.costs},
                    **{f"{c.step}_bytes": c.bytes for c in built.costs},
                }
            },
        )

    async def _failed(
        self, runtime: ServerRuntime, record: _Record, error: str, request_id: int
    ) -> None:
        server = runtime.server
        record.error = error
        _log.warning("build failed", extra={"fields": {"server": server, "error": error}})
        runtime.last_error, runtime.failed = error, True
        runtime.shared = NO_BUILD
        await self._store.fail(server, error, request_id=request_id)
        try:
            await self._store.drop_unserved(server)
        except Exception as exc:  # never served either way; start-up and activation retry
            _log.warning("could not delete a failed build's rows yet: %s", exc)

    async def _finish(self, runtime: ServerRuntime, record: _Record) -> None:
        """However the build ended: record it in the history, let the lease go, and wake
        the status watchers and the claimer."""
        server = runtime.server
        if record.build_id:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self._store.finish_build(
                        record.build_id,
                        outcome=record.outcome,
                        error=record.error,
                        generation=record.generation if record.outcome == "ready" else 0,
                        tracks=record.tracks,
                        requests=record.tally.total,
                        costs=costs_to_json(record.costs),
                    )
                )
        if not self._keep_leases:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._leases.release(server, self._runtimes.replica_id))
        runtime.progress = None
        runtime.touched += 1
        self._runtimes.changed()
        self._runtimes.wake()


async def _cancel(runtime: ServerRuntime) -> None:
    if runtime.build is not None and not runtime.build.done():
        runtime.build.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runtime.build
