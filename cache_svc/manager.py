"""The library caches: each target's serving index, its builds (single-flight, timed,
atomic) and its status, driven by the followed configuration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace

from cache_svc.build import BuildFailed, BuildProgress, build_generation
from cache_svc.followed import Action, Decision, FollowedConfig
from cache_svc.status import CacheStatus, derive_state, progress_fields
from cache_svc.store import CacheStore
from common.config.registry import Registry
from common.errors import CacheDisabled
from common.matching import LibraryTrack, Match, Query, TrackIndex, match_track
from common.model import CacheState, Target
from common.notifier import VersionNotifier
from common.targets import LibraryReader

_log = logging.getLogger("cache_svc.manager")

# Opens a target's libraries for one build and closes them afterwards.
SourceFactory = Callable[[Target, FollowedConfig], AbstractAsyncContextManager[LibraryReader]]


@dataclass
class _Runtime:
    """One target's cache in memory."""

    target: Target
    index: TrackIndex | None = None
    tracks: Sequence[LibraryTrack] = ()
    generation: int = 0
    built_at: int = 0
    library_names: tuple[str, ...] = ()
    changes_since: int = 0
    last_error: str = ""
    failed: bool = False
    memory_bytes: int = 0
    build: asyncio.Task[None] | None = None
    progress: BuildProgress | None = None
    pending: set[str] = field(default_factory=set)

    @property
    def building(self) -> bool:
        return self.build is not None and not self.build.done()


class CacheManager:
    def __init__(
        self,
        store: CacheStore,
        registry: Registry,
        source_factory: SourceFactory,
        *,
        clock: Callable[[], float] = time.time,
        seconds_per_minute: float = 60.0,
    ) -> None:
        self._minute = seconds_per_minute  # tests shorten the build timeout's unit
        self._store = store
        self._registry = registry
        self._source_factory = source_factory
        self._clock = clock
        self._config = FollowedConfig()
        self._applied_revision = 0
        self._runtimes = {t: _Runtime(t) for t in Target}
        self._changes = VersionNotifier()

    # ----- start-up ----------------------------------------------------------------

    async def load(self) -> None:
        """Serve the last good generation of each target without rebuilding."""
        interrupted = await self._store.mark_interrupted()
        if interrupted:
            _log.warning("builds interrupted by the last stop: %d", interrupted)
        followed = await self._store.followed()
        if followed is not None:
            self._applied_revision, self._config = followed
        for target, row in (await self._store.targets()).items():
            runtime = self._runtimes[target]
            await self._store.drop_unserved(target, row.generation)
            if row.generation:
                tracks: list[LibraryTrack] = []
                async for batch in self._store.tracks(target, row.generation):
                    tracks.extend(batch)
                runtime.index = await asyncio.to_thread(TrackIndex, tracks)
                runtime.tracks = tracks
                runtime.memory_bytes = runtime.index.approx_bytes()
            runtime.generation = row.generation
            runtime.built_at = row.built_at
            runtime.library_names = row.library_names
            runtime.changes_since = row.changes_since
            runtime.last_error = row.last_error
            runtime.failed = bool(row.last_error)
            if row.pending:
                runtime.pending.add(row.pending)

    def resume_pending(self) -> None:
        """Start the builds a config change asked for but that never finished."""
        for target, runtime in self._runtimes.items():
            if runtime.pending and self._active(target):
                self._start(target, full="full" in runtime.pending, clear_pending=True)

    @property
    def applied_revision(self) -> int:
        return self._applied_revision

    @property
    def config(self) -> FollowedConfig:
        return self._config

    # ----- config changes --------------------------------------------------------------

    async def apply(
        self, revision: int, config: FollowedConfig, decisions: Sequence[Decision]
    ) -> None:
        """Act on an applied configuration (already persisted with its decisions)."""
        self._config = config
        self._applied_revision = revision
        for decision in decisions:
            runtime = self._runtimes[decision.target]
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
            if decision.action is Action.BUILD:
                await self._cancel(runtime)
                self._start(
                    decision.target, full=decision.full or runtime.index is None, clear_pending=True
                )
            elif decision.action is Action.DISABLE:
                await self._cancel(runtime)
        self._poke()

    def _active(self, target: Target) -> bool:
        return self._config.active(self._registry, target)

    # ----- builds ----------------------------------------------------------------------

    async def request_build(self, target: Target, full: bool | None) -> bool:
        """Start a build unless one is running (single-flight). True when started."""
        if not self._active(target):
            raise CacheDisabled(
                f"the {target.label} library cache is disabled; enable "
                f"{target.cache_enabled_key} and {target.client_enabled_key} first"
            )
        if self._runtimes[target].building:
            return False
        runtime = self._runtimes[target]
        self._start(
            target, full=runtime.index is None if full is None else full, clear_pending=False
        )
        self._poke()
        return True

    def _start(self, target: Target, *, full: bool, clear_pending: bool) -> None:
        runtime = self._runtimes[target]
        if runtime.building:
            return
        runtime.progress = BuildProgress(
            full=full or runtime.index is None, started_at=self._clock()
        )
        runtime.build = asyncio.create_task(
            self._run_build(target, runtime.progress, clear_pending), name=f"build-{target.value}"
        )

    async def _cancel(self, runtime: _Runtime) -> None:
        if runtime.build is not None and not runtime.build.done():
            runtime.build.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runtime.build

    async def _run_build(
        self, target: Target, progress: BuildProgress, clear_pending: bool
    ) -> None:
        runtime = self._runtimes[target]
        timeout_min = int(self._config.number(self._registry, "CACHE_BUILD_TIMEOUT_MINUTES"))
        limit_mb = int(self._config.number(self._registry, "LIBRARY_CACHE_MEMORY_LIMIT_MB"))
        names = self._config.names(self._registry, target.library_names_key)
        mode = "full" if progress.full else "incremental"
        build_id = await self._store.start_build(target, mode)
        generation = await self._store.next_generation(target)
        source: LibraryReader | None = None
        outcome, error, count = "failed", "", 0
        _log.info(
            "build started",
            extra={"fields": {"target": target.value, "mode": mode, "generation": generation}},
        )
        opened = contextlib.AsyncExitStack()
        try:
            source = await opened.enter_async_context(self._source_factory(target, self._config))
            async with asyncio.timeout(timeout_min * self._minute):
                built = await build_generation(
                    target=target,
                    source=source,
                    store=self._store,
                    generation=generation,
                    library_names=names,
                    previous=None if progress.full else runtime.tracks,
                    since=runtime.changes_since,
                    memory_limit_bytes=limit_mb * 2**20,
                    progress=progress,
                    changed=self._poke,
                )
            await self._store.activate(
                target,
                generation,
                track_count=len(built.tracks),
                library_names=built.libraries,
                changes_since=built.changes_since,
                clear_pending=clear_pending,
            )
            runtime.index, runtime.tracks = built.index, built.tracks
            runtime.generation, runtime.built_at = generation, int(self._clock())
            runtime.library_names, runtime.changes_since = built.libraries, built.changes_since
            runtime.memory_bytes = built.index.approx_bytes()
            runtime.last_error, runtime.failed = "", False
            runtime.pending.clear()
            outcome, count = "ready", len(built.tracks)
            _log.info(
                "build ready",
                extra={
                    "fields": {
                        "target": target.value,
                        "tracks": count,
                        "generation": generation,
                        **{k: round(v, 2) for k, v in built.timings.items()},
                    }
                },
            )
        except asyncio.CancelledError:
            # Its rows are never served; the next activation or start-up deletes them.
            outcome, error = "interrupted", "the build was cancelled"
            raise
        except TimeoutError:
            error = f"the build took longer than CACHE_BUILD_TIMEOUT_MINUTES={timeout_min}"
            await self._failed(target, error, clear_pending, runtime)
        except BuildFailed as exc:
            error = str(exc)
            await self._failed(target, error, clear_pending, runtime)
        except Exception as exc:  # target errors: typed, with messages that carry no secret
            error = f"{type(exc).__name__}: {exc}"
            await self._failed(target, error, clear_pending, runtime)
        finally:
            requests = source.counter.total if source is not None else 0
            with contextlib.suppress(Exception):
                await opened.aclose()
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self._store.finish_build(
                        build_id,
                        outcome=outcome,
                        error=error,
                        generation=generation if outcome == "ready" else 0,
                        tracks=count,
                        requests=requests,
                    )
                )
            runtime.progress = None
            self._poke()

    async def _failed(
        self, target: Target, error: str, clear_pending: bool, runtime: _Runtime
    ) -> None:
        _log.warning("build failed", extra={"fields": {"target": target.value, "error": error}})
        runtime.last_error, runtime.failed = error, True
        await self._store.fail(target, error, clear_pending=clear_pending)
        try:
            await self._store.drop_unserved(target, runtime.generation)
        except Exception as exc:  # never served either way; start-up and activation retry
            _log.warning("could not delete a failed build's rows yet: %s", exc)
        runtime.pending.clear()

    async def refresh_due(self) -> list[Target]:
        """Start the scheduled refreshes that are due; returns the targets started."""
        if not self._config.builder_enabled:
            return []
        hours = int(self._config.number(self._registry, "LIBRARY_CACHE_REFRESH_HOURS"))
        started = []
        for target, runtime in self._runtimes.items():
            if (
                self._active(target)
                and not runtime.building
                and self._clock() - runtime.built_at >= hours * 3600
            ):
                self._start(target, full=runtime.index is None, clear_pending=False)
                started.append(target)
        if started:
            self._poke()
        return started

    async def stop(self) -> None:
        for runtime in self._runtimes.values():
            await self._cancel(runtime)

    # ----- status ----------------------------------------------------------------------

    def status(self, target: Target) -> CacheStatus:
        runtime = self._runtimes[target]
        now = self._clock()
        state = derive_state(
            active=self._active(target),
            building=runtime.building,
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
        )
        return replace(status, **progress_fields(runtime.progress, now))  # type: ignore[arg-type]

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
        return [match_track(index, q, min_confidence) for q in queries], state, runtime.generation

    def min_confidence(self) -> float:
        return self._config.number(self._registry, "MATCH_MIN_CONFIDENCE")
