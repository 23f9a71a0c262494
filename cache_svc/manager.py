"""The library caches: each target's serving index, its builds (one per target across the
replicas, under a database lease, timed, atomic) and its status, driven by the followed
configuration and by the shared database, so every replica serves and reports alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cache_svc.build.builders import Builder, BuildJob, RequestTally
from cache_svc.build.generation import BuildFailed
from cache_svc.build.progress import BuildProgress
from cache_svc.build.trace import BuildTracing
from cache_svc.claims import Shared, building, full_build, should_claim
from cache_svc.costs import StepCost, costs_from_json, costs_to_json
from cache_svc.followed import Action, Decision, FollowedConfig
from cache_svc.integrity import read_image
from cache_svc.lease_keeper import LeaseKeeper
from cache_svc.leases import LeaseRow, LeaseStore
from cache_svc.status import CacheStatus, derive_state, progress_fields
from cache_svc.steering import Steering
from cache_svc.store import CacheStore, TargetRow
from common.config.registry import Registry
from common.errors import CacheDisabled
from common.matching import LibraryTrack, Match, Query, TrackIndex
from common.matching.image import FORMAT_VERSION, ImageError, checksum
from common.memory import release_free_memory
from common.model import CacheState, Target
from common.notifier import VersionNotifier
from common.telemetry import Telemetry

_log = logging.getLogger("cache_svc.manager")

NO_BUILD = Shared(wanted="", holder="", live=False)


@dataclass
class _Runtime:
    """One target's cache in this replica's memory."""

    target: Target
    index: TrackIndex | None = None
    tracks: Sequence[LibraryTrack] = ()
    generation: int = 0
    built_at: int = 0
    library_names: tuple[str, ...] = ()
    changes_since: int = 0
    build_costs: tuple[StepCost, ...] = ()  # what the serving generation's build cost
    last_error: str = ""
    failed: bool = False
    memory_bytes: int = 0
    build: asyncio.Task[None] | None = None
    progress: BuildProgress | None = None
    request_id: int = 0  # the config decision the local build serves
    shared: Shared = NO_BUILD  # the shared database's view of the build
    remote_progress: BuildProgress | None = None  # a build running on another replica
    touched: int = 0  # local changes, so a slower read of the database never undoes them

    @property
    def building(self) -> bool:
        return self.build is not None and not self.build.done()


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
        self._minute = seconds_per_minute  # tests shorten the build timeout's unit
        telemetry = telemetry or Telemetry()
        self._traced = BuildTracing(telemetry.tracing.tracer("cache_svc"), telemetry.metrics)
        self._store = store
        self._leases = leases
        self._registry = registry
        self._builder = builder
        self._me = replica_id
        self._exclusive = exclusive
        self._clock = clock
        self._config = FollowedConfig()
        self._applied_revision = 0
        self._runtimes = {t: _Runtime(t) for t in Target}
        self._changes = VersionNotifier()
        self._wakeups = VersionNotifier()
        self._claiming = False
        self._stopped = False
        self._keep_leases = False
        self._viewing = asyncio.Lock()  # one read of the shared view at a time
        self._steering = Steering()  # the user's match overrides (cache_svc/steering.py)

    # ----- start-up ----------------------------------------------------------------

    async def load(self) -> None:
        """Serve the last good generation of each target without rebuilding."""
        if self._exclusive:
            await self._leases.reset()
            await self._store.forget_requests()
            interrupted = await self._store.mark_interrupted()
            if interrupted:
                _log.warning("builds interrupted by the last stop: %d", interrupted)
            for target in Target:
                await self._store.drop_unserved(target)
        followed = await self._store.followed()
        if followed is not None:
            self._applied_revision, self._config = followed
        await self.refresh_view()

    def resume_pending(self) -> None:
        """Caught up with the config: from now on, take and run the builds asked for
        (including those a stopped process or replica never finished)."""
        self._claiming = True
        self._wake()

    @property
    def applied_revision(self) -> int:
        return self._applied_revision

    @property
    def config(self) -> FollowedConfig:
        return self._config

    @property
    def replica_id(self) -> str:
        return self._me

    def builds_here(self, target: Target) -> bool:
        """A build of ``target`` runs in this replica (it holds the lease)."""
        return self._runtimes[target].building

    # ----- config changes --------------------------------------------------------------

    async def apply(
        self, revision: int, config: FollowedConfig, decisions: Sequence[Decision]
    ) -> None:
        """Act on an applied configuration (its decisions already persisted, by this
        replica or another): stop a local build a decision superseded, then let the
        claimer take what is asked for."""
        self._config = config
        self._applied_revision = revision
        for decision in decisions:
            _log.info(
                "config change",
                extra={
                    "fields": {
                        "target": decision.target.value,
                        "action": decision.action.value,
                        "reason": decision.reason,
                    }
                },
            )
        if any(d.action in (Action.BUILD, Action.DISABLE) for d in decisions):
            rows = await self._store.targets()
            for decision in decisions:
                runtime = self._runtimes[decision.target]
                row = rows.get(decision.target)
                if runtime.building and row is not None and row.pending_id != runtime.request_id:
                    await self._cancel(runtime)
            await self.refresh_view()
        self._wake()
        self._poke()

    def _active(self, target: Target) -> bool:
        return self._config.active(self._registry, target)

    def _lease_seconds(self) -> float:
        return self._config.number(self._registry, "CACHE_BUILD_LEASE_SECONDS")

    # ----- the shared view: serving generations, builds anywhere ------------------------

    async def run(self, every: float) -> None:
        """Forever: follow the shared database (serving generations, builds on other
        replicas) and take the builds asked for, every ``every`` s or when woken."""
        while True:
            seen = self._wakeups.version
            try:
                await self.refresh_view()
                await self.claim()
            except Exception as exc:  # the database is away: try again next round
                _log.warning("cache view refresh failed: %s", exc)
            await self._wakeups.wait_beyond(seen, every)

    async def refresh_view(self) -> None:
        """Read every target's row and lease; load a newer serving generation in bulk and
        swap it in."""
        async with self._viewing:
            await self._refresh_view()

    async def _refresh_view(self) -> None:
        touched = {t: r.touched for t, r in self._runtimes.items()}
        rows = await self._store.targets()
        leases = await self._leases.all()
        # Newly activated generations, every target's at once.
        loaded = await asyncio.gather(
            *(
                self._load_generation(self._runtimes[target], row)
                for target, row in rows.items()
                if row.generation > self._runtimes[target].generation
            )
        )
        changed = any(loaded)
        for target, row in rows.items():
            runtime = self._runtimes[target]
            lease = leases.get(target, LeaseRow(target, "", False, ""))
            if runtime.touched != touched[target]:
                continue  # a local build changed it meanwhile: read again next round
            before = (runtime.shared, runtime.remote_progress, runtime.last_error)
            runtime.shared = Shared(row.wanted, lease.holder, lease.live)
            remote = lease.live and lease.holder != self._me
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
            self._poke()

    async def _load_generation(self, runtime: _Runtime, row: TargetRow) -> bool:
        """Load generation ``row.generation`` (activated by any replica) and serve it, but
        only whole: an image of another format, a checksum or a count that disagrees is
        reported and rebuilt, never served."""
        target = runtime.target
        began = time.perf_counter()
        image = await self._store.image(target, row.generation)
        try:
            index = await asyncio.to_thread(read_image, image, row)
        except ImageError as exc:
            if (await self._store.targets())[target].generation != row.generation:
                return False  # replaced meanwhile: the next round reads the newer one
            return await self._reject(runtime, row, str(exc))
        memory = await asyncio.to_thread(index.memory_bytes)  # off the event loop
        if row.generation <= runtime.generation:
            return False  # a local build activated a newer one meanwhile
        runtime.index, runtime.tracks = index, index.tracks()
        runtime.generation, runtime.built_at = row.generation, row.built_at
        runtime.library_names, runtime.changes_since = row.library_names, row.changes_since
        runtime.build_costs = costs_from_json(row.build_costs)
        runtime.memory_bytes = memory
        del image
        await asyncio.to_thread(release_free_memory)
        _log.info(
            "generation loaded",
            extra={
                "fields": {
                    "target": target.value,
                    "generation": row.generation,
                    "tracks": len(index),
                    "seconds": round(time.perf_counter() - began, 3),
                }
            },
        )
        return True

    async def _reject(self, runtime: _Runtime, row: TargetRow, why: str) -> bool:
        """Never serve generation ``row.generation``: say why, ask for a full build, and
        count it as seen so the claimer may build past it."""
        error = f"stored generation {row.generation} not served: {why}; rebuilding in full"
        _log.warning(
            "generation refused", extra={"fields": {"target": runtime.target.value, "error": error}}
        )
        await self._store.reject(runtime.target, row.generation, error)
        if row.generation <= runtime.generation:
            return False
        runtime.index, runtime.tracks, runtime.memory_bytes = None, (), 0
        runtime.generation, runtime.built_at = row.generation, row.built_at
        runtime.last_error, runtime.failed = error, True
        runtime.shared = replace(runtime.shared, wanted="full")
        runtime.touched += 1
        self._wake()
        return True

    async def claim(self) -> list[Target]:
        """Take the lease of each target whose build is asked for and free (or lapsed),
        and build it; returns the targets whose build started here."""
        if not self._claiming or self._stopped:
            return []
        started = []
        for target, runtime in self._runtimes.items():
            active = self._active(target)
            if not should_claim(
                runtime.shared, active=active, building_here=runtime.building, me=self._me
            ):
                continue
            seconds = self._lease_seconds()
            if not await self._leases.take(target, self._me, seconds):
                continue
            row = (await self._store.targets())[target]
            if not row.wanted or row.generation != runtime.generation or self._stopped:
                # Done meanwhile, or our index is behind the serving generation (the next
                # round loads it first): let go.
                await self._leases.release(target, self._me)
                continue
            self._start(target, row, seconds)
            started.append(target)
        if started:
            self._poke()
        return started

    def _wake(self) -> None:
        self._wakeups.advance()

    # ----- builds ----------------------------------------------------------------------

    async def request_build(self, target: Target, full: bool | None) -> bool:
        """Ask for a build unless one is asked for or running on any replica
        (single-flight). True when asked; the claimer of some replica runs it."""
        if not self._active(target):
            raise CacheDisabled(
                f"the {target.label} library cache is disabled; enable "
                f"{target.cache_enabled_key} and {target.client_enabled_key} first"
            )
        runtime = self._runtimes[target]
        if runtime.building:
            return False
        wanted = "full" if (runtime.index is None if full is None else full) else "build"
        if not await self._store.request_build(target, wanted):
            return False
        runtime.shared = replace(runtime.shared, wanted=wanted)
        runtime.touched += 1
        self._wake()
        self._poke()
        return True

    def _start(self, target: Target, row: TargetRow, seconds: float) -> None:
        runtime = self._runtimes[target]
        runtime.progress = BuildProgress(
            full=full_build(row.wanted, has_index=runtime.index is not None),
            started_at=self._clock(),
        )
        runtime.request_id = row.pending_id
        runtime.touched += 1
        runtime.build = asyncio.create_task(
            self._traced.build(
                target.value,
                "full" if runtime.progress.full else "incremental",
                self._run_build(target, runtime.progress, row.pending_id, seconds),
                lambda: (runtime.last_error if runtime.failed else "", len(runtime.tracks)),
            ),
            name=f"build-{target.value}",
        )

    async def _cancel(self, runtime: _Runtime) -> None:
        if runtime.build is not None and not runtime.build.done():
            runtime.build.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runtime.build

    def _lost(self, target: Target, why: str) -> None:
        runtime = self._runtimes[target]
        _log.warning("build stopped", extra={"fields": {"target": target.value, "why": why}})
        if runtime.build is not None:
            runtime.build.cancel()

    async def _run_build(
        self, target: Target, progress: BuildProgress, request_id: int, lease_seconds: float
    ) -> None:
        runtime = self._runtimes[target]
        keeper = LeaseKeeper(
            self._leases,
            target,
            self._me,
            lease_seconds,
            request_id,
            progress,
            lambda why: self._lost(target, why),
        )
        keeping = asyncio.create_task(keeper.run(), name=f"lease-{target.value}")

        def changed() -> None:
            self._poke()
            keeper.changed()

        timeout_min = int(self._config.number(self._registry, "CACHE_BUILD_TIMEOUT_MINUTES"))
        limit_mb = int(self._config.number(self._registry, "LIBRARY_CACHE_MEMORY_LIMIT_MB"))
        names = self._config.names(self._registry, target.library_names_key)
        mode = "full" if progress.full else "incremental"
        tally = RequestTally()
        outcome, error, count, build_id, generation = "failed", "", 0, 0, 0
        costs: tuple[StepCost, ...] = ()
        try:
            # The lease is ours: no other build of this target runs, so what one left
            # behind (a stopped replica's build row and image) is stale.
            await self._store.mark_interrupted(target)
            await self._store.drop_unserved(target)
            build_id = await self._store.start_build(target, mode)
            generation = await self._store.next_generation(target)
            _log.info(
                "build started",
                extra={"fields": {"target": target.value, "mode": mode, "generation": generation}},
            )
            job = BuildJob(
                target=target,
                config=self._config,
                library_names=names,
                previous=None if progress.full else runtime.index,
                previous_generation=runtime.generation,
                since=runtime.changes_since,
                memory_limit_bytes=limit_mb * 2**20,
            )
            async with asyncio.timeout(timeout_min * self._minute):
                finished = await self._builder.build(job, progress, changed, tally)
            built, image = finished.built, finished.image
            await self._store.save_image(target, generation, image)
            await self._store.activate(
                target,
                generation,
                format_version=FORMAT_VERSION,
                checksum=await asyncio.to_thread(checksum, image),
                track_count=len(built.index),
                library_names=built.libraries,
                changes_since=built.changes_since,
                request_id=request_id,
                build_costs=costs_to_json(built.costs),
            )
            del image, finished
            memory = await asyncio.to_thread(built.index.memory_bytes)  # off the event loop
            await asyncio.to_thread(release_free_memory)  # the image and its copies are gone
            runtime.index, runtime.tracks = built.index, built.index.tracks()
            runtime.generation, runtime.built_at = generation, int(self._clock())
            runtime.library_names, runtime.changes_since = built.libraries, built.changes_since
            runtime.build_costs = costs = built.costs
            runtime.memory_bytes = memory
            runtime.last_error, runtime.failed = "", False
            runtime.shared = NO_BUILD
            outcome, count = "ready", len(built.index)
            _log.info(
                "build ready",
                extra={
                    "fields": {
                        "target": target.value,
                        "tracks": count,
                        "generation": generation,
                        **{k: round(v, 2) for k, v in built.timings.items()},
                        **{f"{c.step}_requests": c.requests for c in costs},
                        **{f"{c.step}_bytes": c.bytes for c in costs},
                    }
                },
            )
        except asyncio.CancelledError:
            # Its rows are never served; the next build or start-up deletes them.
            outcome, error = "interrupted", "the build was cancelled"
            raise
        except TimeoutError:
            error = f"the build took longer than CACHE_BUILD_TIMEOUT_MINUTES={timeout_min}"
            await self._failed(target, error, request_id, runtime)
        except BuildFailed as exc:
            error = str(exc)
            await self._failed(target, error, request_id, runtime)
        except Exception as exc:  # target errors: typed, with messages that carry no secret
            error = f"{type(exc).__name__}: {exc}"
            await self._failed(target, error, request_id, runtime)
        finally:
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
            requests = tally.total
            if build_id:
                with contextlib.suppress(Exception):
                    await asyncio.shield(
                        self._store.finish_build(
                            build_id,
                            outcome=outcome,
                            error=error,
                            generation=generation if outcome == "ready" else 0,
                            tracks=count,
                            requests=requests,
                            costs=costs_to_json(costs),
                        )
                    )
            if not self._keep_leases:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._leases.release(target, self._me))
            runtime.progress = None
            runtime.touched += 1
            self._poke()
            self._wake()

    async def _failed(self, target: Target, error: str, request_id: int, runtime: _Runtime) -> None:
        _log.warning("build failed", extra={"fields": {"target": target.value, "error": error}})
        runtime.last_error, runtime.failed = error, True
        runtime.shared = NO_BUILD
        await self._store.fail(target, error, request_id=request_id)
        try:
            await self._store.drop_unserved(target)
        except Exception as exc:  # never served either way; start-up and activation retry
            _log.warning("could not delete a failed build's rows yet: %s", exc)

    async def refresh_due(self) -> list[Target]:
        """Ask for the scheduled refreshes that are due (once for the cluster: the serving
        generation's build time is checked in the database); returns the targets asked."""
        if not self._config.builder_enabled:
            return []
        hours = int(self._config.number(self._registry, "LIBRARY_CACHE_REFRESH_HOURS"))
        started = []
        for target, runtime in self._runtimes.items():
            now = self._clock()
            if (
                self._active(target)
                and not building(runtime.shared, building_here=runtime.building, me=self._me)
                and now - runtime.built_at >= hours * 3600
            ):
                wanted = "full" if runtime.index is None else "build"
                if await self._store.request_build(
                    target, wanted, built_before=int(now - hours * 3600)
                ):
                    runtime.shared = replace(runtime.shared, wanted=wanted)
                    runtime.touched += 1
                    started.append(target)
        if started:
            self._wake()
            self._poke()
        return started

    async def stop(self, *, release: bool = True) -> None:
        """Stop building; the leases are let go at once unless ``release`` is false (as
        when a replica dies: the others take over once the leases lapse)."""
        self._stopped = True
        self._keep_leases = not release
        for runtime in self._runtimes.values():
            await self._cancel(runtime)

    # ----- status ----------------------------------------------------------------------

    def status(self, target: Target) -> CacheStatus:
        runtime = self._runtimes[target]
        now = self._clock()
        is_building = building(runtime.shared, building_here=runtime.building, me=self._me)
        state = derive_state(
            active=self._active(target),
            building=is_building,
            has_index=runtime.index is not None,
            failed=runtime.failed,
            built_at=runtime.built_at,
            refresh_hours=int(self._config.number(self._registry, "LIBRARY_CACHE_REFRESH_HOURS")),
            now=now,
        )
        status = CacheStatus(
            target=target,
            state=state,
            track_count=len(runtime.tracks),
            library_names=runtime.library_names,
            built_at=runtime.built_at,
            generation=runtime.generation,
            last_error=runtime.last_error,
            memory_bytes=runtime.memory_bytes,
            applied_config_revision=self._applied_revision,
            build_costs=runtime.build_costs,
            stale_overrides=self._steering.stale(target, runtime.index, self._config.overrides),
        )
        progress = runtime.progress if runtime.building else runtime.remote_progress
        if progress is None and state is CacheState.BUILDING:
            # Asked for, not yet taken (or not yet reported) by the replica that builds.
            progress = BuildProgress(
                full=full_build(runtime.shared.wanted, has_index=runtime.index is not None),
                started_at=now,
            )
        return replace(status, **progress_fields(progress, now))  # type: ignore[arg-type]

    @property
    def version(self) -> int:
        return self._changes.version

    def _poke(self) -> None:
        self._changes.advance()

    async def wait_changed(self, seen: int, patience: float) -> int:
        """Wait up to ``patience`` s for a status change after version ``seen``."""
        await self._changes.wait_beyond(seen, patience)
        return self._changes.version

    # ----- matching ----------------------------------------------------------------------

    def match(
        self, target: Target, queries: Sequence[Query], min_confidence: float
    ) -> tuple[list[Match], CacheState, int]:
        """Match against the serving generation (CPU-bound: call it in a thread)."""
        runtime = self._runtimes[target]
        state = self.status(target).state
        index = runtime.index if state is not CacheState.DISABLED else None
        if index is None:
            return [], state, 0
        matches = self._steering.match(
            target, index, queries, self._config.overrides, min_confidence
        )
        return matches, state, runtime.generation

    def lookup(
        self, target: Target, item_ids: Sequence[str]
    ) -> tuple[CacheState, list[LibraryTrack] | None]:
        """The tracks of ``item_ids`` the serving generation holds (None: no generation)."""
        runtime, state = self._runtimes[target], self.status(target).state
        if runtime.index is None or state is CacheState.DISABLED:
            return state, None
        return state, self._steering.lookup(target, runtime.index, item_ids)

    def min_confidence(self) -> float:
        return self._config.number(self._registry, "MATCH_MIN_CONFIDENCE")
