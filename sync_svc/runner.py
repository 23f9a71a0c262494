"""Sync runs: accepted at once into the shared queue, claimed by one replica (at most
MAX_PARALLEL_SYNCS running across the cluster, ``sync_svc/claimer.py``), executed within
SYNC_RUN_TIMEOUT_MINUTES, progress streamed, reports persisted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace

from common.config.values import SettingValues
from common.domain import SourceKind, Target
from common.errors import (
    ServiceError,
)
from common.matching.overrides import MatchOverride, SourceKey, by_key
from common.notifier import VersionNotifier
from common.runtime.telemetry import Telemetry
from common.targets import TargetClient, TargetError
from common.targets.connect import connect_configured
from sync_svc.cache_client import CacheClient
from sync_svc.config_client import ConfigClient
from sync_svc.live_runs import LiveRuns
from sync_svc.matchflow import MatchSettings, match_tracks
from sync_svc.run_queue import RunQueue
from sync_svc.run_trace import RunTracing, current_trace_parent, outcome_attributes
from sync_svc.runs import Report, RunProgress, RunState, Spec, TargetResult, Track, Via
from sync_svc.spec import check_spec
from sync_svc.store import SyncStore
from sync_svc.writer import write_playlist

_log = logging.getLogger("sync_svc.runner")

Loader = Callable[[SourceKind, str, dict[str, str]], Awaitable[tuple[str, list[Track]]]]


class SyncRunner:
    """Accepts runs into the queue and executes the runs this replica claimed.

    ``replica`` names this replica in the runs it claims; ``queued`` is advanced whenever
    a claim may now succeed (a run queued here, a local run finished), to wake the claimer.
    """

    def __init__(
        self,
        store: SyncStore,
        queue: RunQueue,
        config: ConfigClient,
        cache: CacheClient | None,
        load_playlist: Loader,
        *,
        replica: str,
        queued: VersionNotifier,
        clock: Callable[[], float] = time.time,
        telemetry: Telemetry | None = None,
    ) -> None:
        telemetry = telemetry or Telemetry()
        self._trace = RunTracing(telemetry.tracing.tracer("sync_svc"), telemetry.metrics)
        self._instrument_http = telemetry.tracing.instrument_http
        self._store = store
        self._queue = queue
        self._config = config
        self._cache = cache
        self._load = load_playlist
        self.replica = replica
        self._queued = queued
        self._clock = clock  # runs' start and finish times; ListSyncs orders by the start
        self.runs = LiveRuns(store)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    # ----- accepting runs ---------------------------------------------------------------

    def _new(self, spec: Spec, *, dry_run: bool) -> Report:
        check_spec(spec, "spec")
        return Report(
            run_id=str(uuid.uuid4()),
            spec=spec,
            dry_run=dry_run,
            progress=RunProgress(RunState.QUEUED, "queued", 0, len(spec.tracks)),
            started_at=self._clock(),
            trace_parent=current_trace_parent(),
        )

    async def start(self, spec: Spec, *, dry_run: bool) -> str:
        """Queue a run; some replica (this one first, if it has a free slot) executes it."""
        report = self._new(spec, dry_run=dry_run)
        await self._queue.enqueue(report)
        self._queued.advance()
        return report.run_id

    async def start_scheduled(self, spec: Spec, fire_time: float) -> str | None:
        """Queue the run of a cron slot, unless a replica already fired that slot (None)."""
        report = self._new(spec, dry_run=False)
        if not await self._queue.enqueue(report, cron_slot=(spec.command_name, fire_time)):
            return None
        self._queued.advance()
        return report.run_id

    async def recent(self, limit: int) -> list[Report]:
        return await self._store.recent(limit)

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(BaseException):
                await task

    # ----- running ----------------------------------------------------------------------

    def execute(self, report: Report) -> None:
        """Execute ``report``'s run, which this replica has just claimed (it is RUNNING)."""
        self.runs.add(report)
        task = asyncio.create_task(self._trace.run(report, self._run), name=f"sync-{report.run_id}")
        self._tasks[report.run_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(report.run_id, None))

    def abandon(self, run_id: str) -> None:
        """Stop executing a run that is no longer this replica's (its lease lapsed and
        another replica interrupted it); its reports can no longer be saved."""
        task = self._tasks.get(run_id)
        if task is not None:
            _log.warning("run lost its lease", extra={"fields": {"run_id": run_id}})
            task.cancel()

    async def _say(self, report: Report, message: str, state: RunState | None = None) -> None:
        report.progress.message = message
        if state is not None:
            report.progress.state = state
        self.runs.changed()

    async def _run(self, report: Report) -> None:
        try:
            settings = await self._config.run_settings()
            await self._say(report, "running", RunState.RUNNING)
            minutes = settings.integer("SYNC_RUN_TIMEOUT_MINUTES")
            async with asyncio.timeout(minutes * 60):
                await self._execute(report, settings)
            failed = [t for t in report.targets if t.error]
            report.progress.state = RunState.FAILED if failed else RunState.SUCCEEDED
            report.error = "; ".join(f"{t.target.label}: {t.error}" for t in failed)
            report.progress.message = report.error or "done"
        except TimeoutError:
            report.progress.state = RunState.FAILED
            report.error = report.progress.message = (
                "the run took longer than SYNC_RUN_TIMEOUT_MINUTES"
            )
        except ServiceError as exc:
            report.progress.state = RunState.FAILED
            report.error = report.progress.message = exc.message
        except asyncio.CancelledError:
            report.progress.state = RunState.INTERRUPTED
            report.error = report.progress.message = "interrupted: the sync service stopped"
            raise
        except Exception as exc:
            _log.exception("sync run failed")
            report.progress.state = RunState.FAILED
            report.error = report.progress.message = f"{type(exc).__name__}: {exc}"
        finally:
            report.finished_at = self._clock()
            try:
                if not await asyncio.shield(self._queue.save_owned(report, self.replica)):
                    _log.warning(
                        "run's final report not saved: no longer this replica's",
                        extra={"fields": {"run_id": report.run_id}},
                    )
            except Exception as exc:  # the database away: the lease lapses, a survivor ends it
                _log.warning("run's final report not saved: %s", exc)
            self.runs.remove(report.run_id)
            self._queued.advance()  # a slot is free

    async def _execute(self, report: Report, settings: SettingValues) -> None:
        spec = report.spec
        tracks = list(spec.tracks)
        if not tracks and spec.source_kind is not None:
            await self._say(
                report, f"Reading the playlist from {spec.source_kind.value} {spec.source_ref}"
            )
            with self._trace.span("sync.read_source", {"cmdarr.source": spec.source_kind.value}):
                _title, tracks = await self._load(
                    spec.source_kind, spec.source_ref, dict(settings.raw)
                )
            report.spec = replace(spec, tracks=tuple(tracks))
        report.progress.tracks_total = len(tracks) * len(spec.targets)
        overrides = await self._config.match_overrides()
        for target in spec.targets:
            result = TargetResult(target)
            report.targets.append(result)
            if not settings.flag(target.client_enabled_key):
                result.error = (
                    f"the {target.label} client is disabled ({target.client_enabled_key}=false)"
                )
                continue
            try:
                connection = connect_configured(
                    target,
                    settings,
                    token=settings.text(target.token_key),
                    instrument=self._instrument_http,
                )
            except ValueError as exc:
                result.error = str(exc)
                continue
            try:
                with self._trace.span("sync.target", {"cmdarr.target": target.value}):
                    await self._sync_target(
                        report,
                        result,
                        tracks,
                        connection.client,
                        settings,
                        by_key(overrides, target),
                    )
            except TargetError as exc:
                result.error = str(exc)
            finally:
                result.requests = connection.client.counter.snapshot()
                await connection.close()
                self._trace.metrics.sync_target(
                    target.value,
                    result.requests,
                    tracks=len(tracks),
                    libraries=len(settings.names(target.library_names_key)),
                )

    async def _sync_target(
        self,
        report: Report,
        result: TargetResult,
        tracks: Sequence[Track],
        client: TargetClient,
        settings: SettingValues,
        overrides: Mapping[SourceKey, MatchOverride],
    ) -> None:
        target = result.target

        def say(message: str) -> None:
            report.progress.message = message
            self.runs.changed()

        with self._trace.span("sync.match", {"cmdarr.tracks": len(tracks)}) as span:
            matched = await match_tracks(
                target,
                tracks,
                cache=self._cache,
                client=client,
                settings=MatchSettings(
                    min_confidence=settings.number("MATCH_MIN_CONFIDENCE"),
                    wait_seconds=settings.integer("SYNC_CACHE_WAIT_MINUTES") * 60,
                    live_search_cap=settings.integer("LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"),
                    library_names=settings.names(target.library_names_key),
                ),
                say=say,
                overrides=overrides,
            )
            span.set_attributes(outcome_attributes(matched.outcomes))
        report.outcomes.extend(matched.outcomes)
        result.warnings.extend(matched.warnings)
        result.matched = sum(1 for o in matched.outcomes if o.via is not Via.UNMATCHED)
        result.unmatched = len(matched.outcomes) - result.matched
        report.progress.tracks_done += len(tracks)
        placed = [(o.position, o.match.item_id) for o in matched.outcomes if o.match is not None]
        desired = [item for _, item in placed]
        await self._say(report, f"Writing the {target.label} playlist")
        key = report.spec.managed_key
        with self._trace.span("sync.write_playlist", {"cmdarr.tracks": len(desired)}) as span:
            written = await write_playlist(
                client,
                title=report.spec.playlist_title,
                stored_id=await self._store.managed_id(key, target),
                desired=desired,
                bulk_removal=target is Target.JELLYFIN,
                dry_run=report.dry_run,
            )
            span.set_attributes({"cmdarr.added": written.added, "cmdarr.removed": written.removed})
        result.playlist_id = written.playlist_id
        result.added, result.removed, result.writes = written.added, written.removed, written.writes
        result.repeats = {r.item_id: [placed[i][0] for i in r.indexes] for r in written.repeats}
        if written.playlist_id and not report.dry_run:
            await self._store.remember(key, target, written.playlist_id)
