"""Translation between sync_svc's domain objects and cmdarr.sync.v1 messages."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from common.domain import Destination, SyncMode
from common.errors import FieldViolation, check
from common.targets.probe import Problem, ServerCheck
from common.wire import protoconv
from common.wire.protoconv import TARGETS, timestamp
from sync_svc.runs import (
    Arrival,
    Candidate,
    DestinationResult,
    Outcome,
    Report,
    RunProgress,
    RunState,
    Spec,
    Track,
    Via,
)
from sync_svc.server_users import ServerUser, UserKind

STATES = {
    RunState.QUEUED: pb.SYNC_STATE_QUEUED,
    RunState.RUNNING: pb.SYNC_STATE_RUNNING,
    RunState.SUCCEEDED: pb.SYNC_STATE_SUCCEEDED,
    RunState.FAILED: pb.SYNC_STATE_FAILED,
    RunState.INTERRUPTED: pb.SYNC_STATE_INTERRUPTED,
}
VIA = {
    Via.CACHE: pb.MATCH_SOURCE_CACHE,
    Via.LIVE: pb.MATCH_SOURCE_LIVE,
    Via.UNMATCHED: pb.MATCH_SOURCE_UNMATCHED,
}

PROBLEMS = {
    Problem.NONE: pb.SERVER_PROBLEM_UNSPECIFIED,
    Problem.NO_URL: pb.SERVER_PROBLEM_NO_URL,
    Problem.NAME_RESOLUTION: pb.SERVER_PROBLEM_NAME_RESOLUTION,
    Problem.CONNECTION_REFUSED: pb.SERVER_PROBLEM_CONNECTION_REFUSED,
    Problem.TLS: pb.SERVER_PROBLEM_TLS,
    Problem.TIMEOUT: pb.SERVER_PROBLEM_TIMEOUT,
    Problem.TOKEN_REFUSED: pb.SERVER_PROBLEM_TOKEN_REFUSED,
    Problem.NOT_A_MEDIA_SERVER: pb.SERVER_PROBLEM_NOT_A_MEDIA_SERVER,
    Problem.SERVER_ERROR: pb.SERVER_PROBLEM_SERVER_ERROR,
    Problem.UNSUPPORTED_VERSION: pb.SERVER_PROBLEM_UNSUPPORTED_VERSION,
    Problem.NO_MUSIC_LIBRARY: pb.SERVER_PROBLEM_NO_MUSIC_LIBRARY,
    Problem.LIBRARY_NOT_FOUND: pb.SERVER_PROBLEM_LIBRARY_NOT_FOUND,
}


def server_check_to_pb(found: ServerCheck) -> pb.TestServerResponse:
    identity = found.identity
    return pb.TestServerResponse(
        ok=found.ok,
        problem=PROBLEMS[found.problem],
        message=found.message,
        reported_name=identity.name if identity else "",
        server_id=identity.server_id if identity else "",
        version=identity.version if identity else "",
        libraries=found.libraries,
        skipped_libraries=found.skipped,
    )


USER_KINDS = {
    UserKind.OWNER: pb.SERVER_USER_KIND_OWNER,
    UserKind.HOME: pb.SERVER_USER_KIND_HOME,
    UserKind.SHARED: pb.SERVER_USER_KIND_SHARED,
    UserKind.ADMINISTRATOR: pb.SERVER_USER_KIND_ADMINISTRATOR,
    UserKind.USER: pb.SERVER_USER_KIND_USER,
}


def server_user_to_pb(user: ServerUser) -> pb.ServerUser:
    return pb.ServerUser(
        id=user.user_id,
        name=user.name,
        kind=USER_KINDS[user.kind],
        all_libraries=user.libraries is None,
        libraries=user.libraries or (),
        protected=user.protected,
        disabled=user.disabled,
    )


def spec_from_pb(message: pb.SyncSpec) -> Spec:
    destinations: list[Destination] = []
    problems: list[FieldViolation] = []
    for i, value in enumerate(message.targets):
        if value not in protoconv.TARGETS_BACK:
            problems.append(
                FieldViolation(f"spec.targets[{i}]", "must be TARGET_PLEX or TARGET_JELLYFIN")
            )
        else:
            destinations.append(Destination.of(protoconv.TARGETS_BACK[value]))
    destinations += [Destination(d.server, d.user.strip()) for d in message.destinations]
    source_kind = (
        protoconv.SOURCES_BACK.get(message.source.kind) if message.HasField("source") else None
    )
    if message.HasField("source") and source_kind is None:
        problems.append(FieldViolation("spec.source.kind", "unknown source kind"))
    mode = protoconv.mode_from_pb(message.mode)
    if mode is None:
        problems.append(FieldViolation("spec.mode", "must be SYNC_MODE_MIRROR or SYNC_MODE_APPEND"))
    check(problems)
    return Spec(
        playlist_title=message.playlist_title,
        destinations=tuple(destinations),
        tracks=tuple(
            Track(
                t.title,
                tuple(t.artists),
                t.album,
                max(0, t.duration_ms),
                t.recording_mbid,
                t.isrc,
                release_group_mbid=t.release_group_mbid.lower(),
                path=t.path,
            )
            for t in message.tracks
        ),
        source_kind=None if message.tracks else source_kind,
        source_ref=message.source.ref,
        mode=mode or SyncMode.MIRROR,
        sync_note=message.sync_note if message.HasField("sync_note") else True,
    )


def progress_to_pb(progress: RunProgress) -> pb.SyncProgress:
    return pb.SyncProgress(
        state=STATES[progress.state],
        message=progress.message,
        tracks_done=progress.tracks_done,
        tracks_total=progress.tracks_total,
    )


def _candidate(c: Candidate) -> cache_pb.Candidate:
    return cache_pb.Candidate(
        item_id=c.item_id, library=c.library, title=c.title, artist=c.artist,
        album=c.album, duration_ms=c.duration_ms, confidence=c.confidence,
    )  # fmt: skip


def _track(t: Track) -> pb.InlineTrack:
    return pb.InlineTrack(
        title=t.title, artists=list(t.artists), album=t.album, duration_ms=t.duration_ms,
        recording_mbid=t.recording_mbid,
        isrc=t.isrc,
        release_group_mbid=t.release_group_mbid,
        path=t.path,
    )  # fmt: skip


def _outcome(o: Outcome, tracks: tuple[Track, ...]) -> pb.TrackOutcome:
    result = cache_pb.MatchResult(
        ref=str(o.position), method=protoconv.MATCH_METHODS[o.method],
        confidence=o.confidence, reason=o.reason, authoritative=o.authoritative,
    )  # fmt: skip
    if o.match is not None:
        result.match.CopyFrom(_candidate(o.match))
    if o.best is not None:
        result.best_candidate.CopyFrom(_candidate(o.best))
    message = pb.TrackOutcome(
        position=o.position,
        target=_target_of(o.destination),
        source=VIA[o.via],
        result=result,
        destination=protoconv.destination_to_pb(o.destination),
    )
    if o.position < len(tracks):
        message.track.CopyFrom(_track(tracks[o.position]))
    return message


def _target_of(where: Destination) -> tpb.Target.ValueType:
    target = where.target
    return TARGETS[target] if target is not None else tpb.TARGET_UNSPECIFIED


def _destination(t: DestinationResult) -> pb.TargetReport:
    return pb.TargetReport(
        target=_target_of(t.destination),
        destination=protoconv.destination_to_pb(t.destination),
        playlist_id=t.playlist_id,
        items_added=t.added,
        items_removed=t.removed,
        writes=t.writes,
        requests=pb.RequestCounts(
            **{
                k: v
                for k, v in t.requests.items()
                if k in pb.RequestCounts.DESCRIPTOR.fields_by_name
            }
        ),
        matched=t.matched,
        unmatched=t.unmatched,
        warnings=t.warnings,
        error=t.error,
        repeats=[pb.RepeatedItem(item_id=k, positions=v) for k, v in t.repeats.items()],
    )


def report_to_pb(report: Report) -> pb.SyncReport:
    message = pb.SyncReport(
        run_id=report.run_id,
        command_name=report.spec.command_name,
        progress=progress_to_pb(report.progress),
        targets=[_destination(t) for t in report.destinations],
        tracks=[_outcome(o, report.spec.tracks) for o in report.outcomes],
        started_at=timestamp(report.started_at),
        dry_run=report.dry_run,
        error=report.error,
        lidarr_arrivals=[_arrival(a, report.spec.tracks) for a in report.lidarr_arrivals],
        lidarr_note=report.lidarr_note,
    )
    if report.finished_at:
        message.finished_at.CopyFrom(timestamp(report.finished_at))
    return message


def _arrival(arrival: Arrival, tracks: tuple[Track, ...]) -> pb.LidarrArrival:
    message = pb.LidarrArrival(
        position=arrival.position,
        album=arrival.album,
        sent_at=timestamp(arrival.sent_at),
        sent_by_run_id=arrival.sent_by,
    )
    if arrival.position < len(tracks):
        message.track.CopyFrom(_track(tracks[arrival.position]))
    return message


def summary_to_pb(report: Report) -> pb.SyncSummary:
    return pb.SyncSummary(
        run_id=report.run_id,
        command_name=report.spec.command_name,
        progress=progress_to_pb(report.progress),
        matched=sum(t.matched for t in report.destinations),
        unmatched=sum(t.unmatched for t in report.destinations),
        started_at=timestamp(report.started_at),
        source=_source(report.spec),
        cover_key=report.cover_key,
    )


def _source(spec: Spec) -> cpb.PlaylistSource | None:
    if spec.source_kind is None:
        return None
    return cpb.PlaylistSource(kind=protoconv.SOURCES[spec.source_kind], ref=spec.source_ref)
