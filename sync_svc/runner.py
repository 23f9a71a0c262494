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
from dataclasses import dataclass, replace

from common.config.values import SettingValues
from common.domain import BUILTIN_SERVERS, Destination, ServerKind
from common.errors import ServiceError
from common.matching import MatchMethod
from common.matching.overrides import MatchOverride, SourceKey, by_key
from common.notifier import VersionNotifier
from common.runtime.telemetry import Telemetry
from common.targets import TargetClient, TargetError
from common.targets.access import LibraryAccess
from common.targets.connect import Connection, client_settings
from common.targets.settings import ClientSettings
from sync_svc.cache_client import CacheClient
from sync_svc.config_client import ConfigClient
from sync_svc.cover import Cover, CoverProblem, fetch_cover_at
from sync_svc.cover_store import CoverStore
from sync_svc.dress import Looks, dress
from sync_svc.live_runs import LiveRuns
from sync_svc.looks import source_name
from sync_svc.matchflow import MatchSettings, ServerRef, match_tracks
from sync_svc.recipients import Recipients
from sync_svc.run_queue import RunQueue
from sync_svc.run_trace import RunTracing, current_trace_parent, outcome_attributes
from sync_svc.runs import (
    DestinationResult,
    Outcome,
    Report,
    RunProgress,
    RunState,
    Spec,
    Track,
    Via,
)
from sync_svc.server_access import ServerAccess
from sync_svc.server_source import ServerPlaylists
from sync_svc.source_reading import Loader, SourceReader
from sync_svc.spec import check_spec
from sync_svc.store import NOT_MANAGED, Managed, SyncStore
from sync_svc.writer import write_playlist

_log = logging.getLogger("sync_svc.runner")


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
        remember_secret: Callable[[str], None] = lambda _secret: None,
        fetch_cover: Callable[[str], Awaitable[Cover | CoverProblem]] = fetch_cover_at,
        after_run: Callable[[Report, SettingValues], Awaitable[None]] | None = None,
        covers: CoverStore | None = None,
    ) -> None:
        """``remember_secret`` hears every user token a run reads, so the logs mask it;
        ``fetch_cover`` reads a source's picture (once per run); ``after_run`` is what a
        run does once written (sync_svc/lidarr/after_run.py: never fails the run, and is
        bounded by a time of its own, outside SYNC_RUN_TIMEOUT_MINUTES); ``covers`` keeps
        what a run read, for the status page."""
        self._fetch_cover = fetch_cover
        self._after_run = after_run
        self._covers = covers
        telemetry = telemetry or Telemetry()
        self._remember_secret = remember_secret
        self._trace = RunTracing(telemetry.tracing.tracer("sync_svc"), telemetry.metrics)
        self._instrument_http = telemetry.tracing.instrument_http
        self._store = store
        self._queue = queue
        self._config = config
        self._cache = cache
        self.replica = replica
        self._queued = queued
        self._clock = clock  # runs' start and finish times; ListSyncs orders by the start
        self.runs = LiveRuns(store)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        server_playlists = ServerPlaylists(
            config.server_access, remember_secret=remember_secret, instrument=self._instrument_http
        )
        self._source = SourceReader(load_playlist, server_playlists, fetch_cover)

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
            if self._after_run is not None:  # bounded by itself, never failing the run
                await self._after_run(report, settings)
            failed = [t for t in report.destinations if t.error]
            report.progress.state = RunState.FAILED if failed else RunState.SUCCEEDED
            report.error = "; ".join(f"{label_of(t.destination)}: {t.error}" for t in failed)
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
        looks = Looks(source=source_name(spec.source_kind), note=spec.sync_note)
        if not tracks and spec.source_kind is not None:
            await self._say(
                report, f"Reading the playlist from {spec.source_kind.value} {spec.source_ref}"
            )
            with self._trace.span("sync.read_source", {"cmdarr.source": spec.source_kind.value}):
                read, looks = await self._source.read(spec, settings)
            tracks = list(read[1])
            report.spec = replace(spec, tracks=tuple(tracks))
        report.progress.tracks_total = len(tracks) * len(spec.servers)
        overrides = await self._config.match_overrides()
        for server in spec.servers:
            results = [DestinationResult(d) for d in spec.destinations if d.server == server]
            report.destinations.extend(results)
            try:
                access = await self._config.server_access(server)
            except ServiceError as exc:
                _fail(results, exc.message)
                continue
            if not access.client_enabled:
                _fail(results, _disabled(access))
                continue
            limits = client_settings(settings)
            connection = access.connect(limits, instrument=self._instrument_http)
            try:
                with self._trace.span("sync.target", {"cmdarr.target": server}):
                    await self._sync_server(
                        report,
                        ServerWork(access, connection, results, limits, looks),
                        tracks,
                        settings,
                        by_key(overrides, server),
                    )
            except TargetError as exc:
                _fail([r for r in results if not r.error], str(exc))
            finally:
                # The server's own connection matched for every destination and wrote for
                # the one without a user: its requests are that destination's, else the
                # first's.
                home = next((r for r in results if not r.destination.user), results[0])
                home.requests = _added(home.requests, connection.client.counter.snapshot())
                await connection.close()
                for result in results:
                    self._trace.metrics.sync_target(
                        server,
                        result.requests,
                        tracks=len(tracks),
                        libraries=len(access.library_names),
                    )
        await self._keep_cover(report, looks)

    async def _keep_cover(self, report: Report, looks: Looks) -> None:
        """Keep the cover the run read (sent or not), for the status page."""
        got = looks.cover.fetched() if looks.cover is not None else None
        if got is None or self._covers is None or report.dry_run:
            return
        try:
            report.cover_key = await self._covers.keep(got)
        except Exception as exc:  # the page's thumbnail is not worth failing a sync for
            _log.warning("cover not kept: %s", exc)

    async def _sync_server(
        self,
        report: Report,
        work: ServerWork,
        tracks: Sequence[Track],
        settings: SettingValues,
        overrides: Mapping[SourceKey, MatchOverride],
    ) -> None:
        """One matching pass for the server, then one write per destination on it."""

        def say(message: str) -> None:
            report.progress.message = message
            self.runs.changed()

        server = ServerRef(work.access.name)
        with self._trace.span("sync.match", {"cmdarr.tracks": len(tracks)}) as span:
            matched = await match_tracks(
                server,
                tracks,
                cache=self._cache,
                client=work.connection.client,
                settings=MatchSettings(
                    min_confidence=settings.number("MATCH_MIN_CONFIDENCE"),
                    wait_seconds=settings.integer("SYNC_CACHE_WAIT_MINUTES") * 60,
                    live_search_cap=settings.integer("LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"),
                    library_names=work.access.library_names,
                ),
                say=say,
                overrides=overrides,
            )
            span.set_attributes(outcome_attributes(matched.outcomes))
        report.progress.tracks_done += len(tracks)
        recipients = Recipients(
            work.access,
            work.connection,
            plex_tv_url=settings.text("PLEX_TV_URL"),
            settings=work.limits,
            remember_secret=self._remember_secret,
        )
        for result in work.results:
            result.warnings.extend(matched.warnings)
            try:
                await self._deliver(report, work, result, matched.outcomes, recipients)
            except (TargetError, ServiceError) as exc:
                result.error = exc.message if isinstance(exc, ServiceError) else str(exc)

    async def _deliver(
        self,
        report: Report,
        work: ServerWork,
        result: DestinationResult,
        matched: Sequence[Outcome],
        recipients: Recipients,
    ) -> None:
        """Write the playlist at one destination: the server's own account, or a user's,
        with the items of libraries the user does not see held back."""
        where = result.destination
        if not where.user:
            outcomes = [replace(o, destination=where) for o in matched]
            await self._write(report, work, result, work.connection.client, outcomes)
            return
        person = await recipients.find(where.user)
        try:
            outcomes = [for_user(o, where, person.name, person.access) for o in matched]
            await self._write(report, work, result, person.client, outcomes)
        finally:
            result.requests = _added(result.requests, person.client.counter.snapshot())
            await person.close()

    async def _write(
        self,
        report: Report,
        work: ServerWork,
        result: DestinationResult,
        client: TargetClient,
        outcomes: list[Outcome],
    ) -> None:
        report.outcomes.extend(outcomes)
        result.matched = sum(1 for o in outcomes if o.via is not Via.UNMATCHED)
        result.unmatched = len(outcomes) - result.matched
        placed = [(o.position, o.match.item_id) for o in outcomes if o.match is not None]
        desired = [item for _, item in placed]
        where = result.destination
        await self._say(report, f"Writing the playlist at {label_of(where)}")
        key = report.spec.managed_key
        last = await self._store.managed(key, where)
        with self._trace.span("sync.write_playlist", {"cmdarr.tracks": len(desired)}) as span:
            written = await write_playlist(
                client,
                title=report.spec.playlist_title,
                stored_id=last.playlist_id,
                desired=desired,
                bulk_removal=work.access.kind is ServerKind.JELLYFIN,
                dry_run=report.dry_run,
                mode=report.spec.mode,
                last_title=last.title,
            )
            span.set_attributes({"cmdarr.added": written.added, "cmdarr.removed": written.removed})
            result.playlist_id = written.playlist_id
            result.added, result.removed = written.added, written.removed
            result.repeats = {r.item_id: [placed[i][0] for i in r.indexes] for r in written.repeats}
            if not written.playlist_id:
                result.writes = written.writes
                if not desired:
                    result.warnings.append("no track matched here: no playlist was created")
                return
            # The description and the cover are writes of this playlist too.
            dressed = await dress(
                client,
                written.playlist_id,
                looks=work.looks,
                last=last if last.playlist_id == written.playlist_id else NOT_MANAGED,
                created=written.created,
                tracks_changed=bool(written.added or written.removed),
                date=time.strftime("%Y-%m-%d", time.gmtime(self._clock())),
                dry_run=report.dry_run,
            )
        result.writes = written.writes + dressed.writes
        result.warnings.extend(dressed.warnings)
        if not report.dry_run:
            await self._store.remember(
                key,
                where,
                Managed(
                    written.playlist_id,
                    report.spec.playlist_title,
                    dressed.description_key,
                    dressed.cover_key,
                ),
            )


@dataclass(frozen=True)
class ServerWork:
    """One server of a run: how to reach it, its own connection, its destinations."""

    access: ServerAccess
    connection: Connection
    results: list[DestinationResult]
    limits: ClientSettings
    looks: Looks


def label_of(where: Destination) -> str:
    """How reports and messages name a destination: a target by its product's name."""
    target = where.target
    return target.label if target is not None else str(where)


def for_user(
    outcome: Outcome, where: Destination, user: str, access: LibraryAccess | None
) -> Outcome:
    """The server's outcome for ``user``: a match in a library they do not see is theirs
    unmatched, with the match kept as the best candidate, and never written."""
    mine = replace(outcome, destination=where)
    match = outcome.match
    if access is None or match is None or access.allows_title(match.library):
        return mine
    return replace(
        mine,
        via=Via.UNMATCHED,
        method=MatchMethod.NONE,
        reason=f"not in {user}'s libraries",
        match=None,
        best=match,
        authoritative=False,
    )


def _fail(results: Sequence[DestinationResult], error: str) -> None:
    for result in results:
        result.error = error


def _disabled(access: ServerAccess) -> str:
    target = BUILTIN_SERVERS.get(access.name)
    if target is not None:
        return f"the {target.label} client is disabled ({target.client_enabled_key}=false)"
    fix = f"cmdarr server update {access.name} --enable"
    return f"server {access.name!r} has its client disabled ({fix})"


def _added(counts: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    return {k: counts.get(k, 0) + more.get(k, 0) for k in {*counts, *more}}
