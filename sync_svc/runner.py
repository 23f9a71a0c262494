"""Sync runs: accepted at once, run in the background (at most MAX_PARALLEL_SYNCS at a
time, each within SYNC_RUN_TIMEOUT_MINUTES), progress streamed, reports persisted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc

from common import protoconv
from common.client import DEFAULT_TIMEOUT
from common.config.registry import Registry
from common.config.values import SettingValues
from common.errors import (
    CommandNotFound,
    FieldViolation,
    InvalidArgument,
    RunNotFound,
    ServiceError,
    check,
)
from common.grpc_errors import field_violations
from common.model import SourceKind, Target
from common.notifier import VersionNotifier
from common.targets import TargetClient, TargetError
from common.targets.connect import connect_configured
from sync_svc.cache_client import CacheClient
from sync_svc.matchflow import MatchSettings, match_tracks
from sync_svc.model import Progress, Report, RunState, Spec, TargetResult, Track, Via
from sync_svc.store import SyncStore
from sync_svc.writer import write_playlist

_log = logging.getLogger("sync_svc.runner")

Loader = Callable[[SourceKind, str, dict[str, str]], Awaitable[tuple[str, list[Track]]]]
MAX_TRACKS = 20_000
MAX_TEXT = 1024

TARGETS_PB = protoconv.TARGETS_BACK
SOURCES_PB = protoconv.SOURCES_BACK


def check_spec(spec: Spec, field: str) -> None:
    problems: list[FieldViolation] = []
    if not spec.playlist_title.strip() or len(spec.playlist_title) > 200:
        problems.append(
            FieldViolation(f"{field}.playlist_title", "is required, at most 200 characters")
        )
    if not spec.targets:
        problems.append(FieldViolation(f"{field}.targets", "at least one target is required"))
    elif len(set(spec.targets)) != len(spec.targets):
        problems.append(FieldViolation(f"{field}.targets", "a target is listed more than once"))
    if not spec.tracks and spec.source_kind is None:
        problems.append(FieldViolation(f"{field}.tracks", "give tracks or a source"))
    if len(spec.tracks) > MAX_TRACKS:
        problems.append(FieldViolation(f"{field}.tracks", f"at most {MAX_TRACKS:,} tracks"))
    for i, track in enumerate(spec.tracks[:MAX_TRACKS]):
        if not track.title.strip():
            problems.append(FieldViolation(f"{field}.tracks[{i}].title", "is required"))
        if len(track.title) > MAX_TEXT or any(len(a) > MAX_TEXT for a in track.artists):
            problems.append(
                FieldViolation(f"{field}.tracks[{i}]", f"texts are at most {MAX_TEXT} characters")
            )
        if len(problems) > 50:
            break
    check(problems)


class SyncRunner:
    def __init__(
        self,
        store: SyncStore,
        config_stub: config_pb2_grpc.ConfigServiceAsyncStub,
        cache: CacheClient | None,
        load_playlist: Loader,
        registry: Registry,
        *,
        remember_secret: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._config = config_stub
        self._cache = cache
        self._load = load_playlist
        self._registry = registry
        self._remember_secret = remember_secret  # revealed tokens, masked in the logs
        self._clock = clock  # runs' start and finish times; ListSyncs orders by the start
        self._live: dict[str, Report] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._slot_freed = asyncio.Condition()
        self.watch = VersionNotifier()

    # ----- accepting runs ---------------------------------------------------------------

    async def spec_for_command(self, name: str) -> Spec:
        check([FieldViolation("command_name", "is required")] if not name else [])
        try:
            reply = await self._config.GetCommand(
                cpb.GetCommandRequest(name=name), timeout=DEFAULT_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise CommandNotFound(name, kind="playlist_sync command") from None
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                # config_svc refused the name itself: say so about this request's field.
                texts = [text for _, text in field_violations(exc)] or [exc.details() or ""]
                raise InvalidArgument(FieldViolation("command_name", t) for t in texts) from None
            raise
        command = reply.command
        if command.kind != cpb.COMMAND_KIND_PLAYLIST_SYNC:
            raise CommandNotFound(name, kind="playlist_sync command")
        return Spec(
            playlist_title=command.playlist_title or command.name,
            targets=tuple(TARGETS_PB[t] for t in command.targets if t in TARGETS_PB),
            source_kind=SOURCES_PB.get(command.source.kind),
            source_ref=command.source.ref,
            command_name=command.name,
        )

    async def start(self, spec: Spec, *, dry_run: bool) -> str:
        check_spec(spec, "spec")
        report = Report(
            run_id=str(uuid.uuid4()),
            spec=spec,
            dry_run=dry_run,
            progress=Progress(RunState.QUEUED, "queued", 0, len(spec.tracks)),
            started_at=self._clock(),
        )
        await self._store.save(report)
        self._live[report.run_id] = report
        task = asyncio.create_task(self._run(report), name=f"sync-{report.run_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return report.run_id

    async def report(self, run_id: str) -> Report:
        report = self._live.get(run_id) or await self._store.load(run_id)
        if report is None:
            raise RunNotFound(run_id)
        return report

    async def recent(self, limit: int) -> list[Report]:
        return await self._store.recent(limit)

    async def follow(self, run_id: str) -> AsyncIterator[Progress]:
        """The run's progress now and at every change, until it finishes."""
        last: Progress | None = None
        while True:
            seen = self.watch.version
            report = await self.report(run_id)
            current = replace(report.progress)
            if current != last:
                yield current
                last = current
            if current.state.finished:
                return
            await self.watch.wait_beyond(seen, 1.0)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # ----- running ----------------------------------------------------------------------

    async def _settings(self) -> SettingValues:
        """Every setting's value, secrets included, as this run will use them."""
        reply = await self._config.GetSettings(cpb.GetSettingsRequest(), timeout=DEFAULT_TIMEOUT)
        values = {s.key: s.value for s in reply.settings}
        secrets = await self._config.RevealSecrets(
            cpb.RevealSecretsRequest(), timeout=DEFAULT_TIMEOUT
        )
        for secret in secrets.secrets:
            self._remember_secret(secret.value)
        values.update({s.key: s.value for s in secrets.secrets})
        return SettingValues(self._registry, values)

    async def _slot(self, limit: int) -> None:
        async with self._slot_freed:
            await self._slot_freed.wait_for(lambda: self._running < limit)
            self._running += 1

    async def _release(self) -> None:
        async with self._slot_freed:
            self._running -= 1
            self._slot_freed.notify_all()

    async def _say(self, report: Report, message: str, state: RunState | None = None) -> None:
        report.progress.message = message
        if state is not None:
            report.progress.state = state
        self.watch.advance()

    async def _run(self, report: Report) -> None:
        acquired = False
        try:
            settings = await self._settings()
            await self._slot(settings.integer("MAX_PARALLEL_SYNCS"))
            acquired = True
            await self._say(report, "running", RunState.RUNNING)
            await self._store.save(report)
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
            with contextlib.suppress(Exception):
                await asyncio.shield(self._store.save(report))
            self._live.pop(report.run_id, None)
            if acquired:
                await self._release()
            self.watch.advance()

    async def _execute(self, report: Report, settings: SettingValues) -> None:
        spec = report.spec
        tracks = list(spec.tracks)
        if not tracks and spec.source_kind is not None:
            await self._say(
                report, f"Reading the playlist from {spec.source_kind.value} {spec.source_ref}"
            )
            _title, tracks = await self._load(spec.source_kind, spec.source_ref, dict(settings.raw))
            report.spec = replace(spec, tracks=tuple(tracks))
        report.progress.tracks_total = len(tracks) * len(spec.targets)
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
                    target, settings, token=settings.text(target.token_key)
                )
            except ValueError as exc:
                result.error = str(exc)
                continue
            try:
                await self._sync_target(report, result, tracks, connection.client, settings)
            except TargetError as exc:
                result.error = str(exc)
            finally:
                result.requests = connection.client.counter.snapshot()
                await connection.close()

    async def _sync_target(
        self,
        report: Report,
        result: TargetResult,
        tracks: Sequence[Track],
        client: TargetClient,
        settings: SettingValues,
    ) -> None:
        target = result.target

        def say(message: str) -> None:
            report.progress.message = message
            self.watch.advance()

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
        )
        report.outcomes.extend(matched.outcomes)
        result.warnings.extend(matched.warnings)
        result.matched = sum(1 for o in matched.outcomes if o.via is not Via.UNMATCHED)
        result.unmatched = len(matched.outcomes) - result.matched
        report.progress.tracks_done += len(tracks)
        desired = [o.match.item_id for o in matched.outcomes if o.match is not None]
        await self._say(report, f"Writing the {target.label} playlist")
        key = report.spec.managed_key
        written = await write_playlist(
            client,
            title=report.spec.playlist_title,
            stored_id=await self._store.managed_id(key, target),
            desired=desired,
            replace_is_one_write=target is Target.JELLYFIN,
            dry_run=report.dry_run,
        )
        result.playlist_id = written.playlist_id
        result.added, result.removed, result.writes = written.added, written.removed, written.writes
        if written.playlist_id and not report.dry_run:
            await self._store.remember(key, target, written.playlist_id)
