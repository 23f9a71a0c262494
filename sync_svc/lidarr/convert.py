"""The Lidarr RPCs' protobuf <-> domain: TestLidarr's verdict, the albums of a preview or a
send."""

from __future__ import annotations

from typing import Any

from cmdarr.sync.v1 import sync_pb2 as pb

from common.lidarr.probe import LidarrCheck, LidarrProblem
from common.wire.protoconv import timestamp
from sync_svc.lidarr.plan import AlbumState, Resolution
from sync_svc.lidarr.preview import HandoffPlan
from sync_svc.lidarr.wanted import WantedTrack

LIDARR_PROBLEMS = {
    LidarrProblem.NONE: pb.LIDARR_PROBLEM_UNSPECIFIED,
    LidarrProblem.NO_URL: pb.LIDARR_PROBLEM_NO_URL,
    LidarrProblem.NAME_RESOLUTION: pb.LIDARR_PROBLEM_NAME_RESOLUTION,
    LidarrProblem.CONNECTION_REFUSED: pb.LIDARR_PROBLEM_CONNECTION_REFUSED,
    LidarrProblem.TLS: pb.LIDARR_PROBLEM_TLS,
    LidarrProblem.TIMEOUT: pb.LIDARR_PROBLEM_TIMEOUT,
    LidarrProblem.KEY_REFUSED: pb.LIDARR_PROBLEM_KEY_REFUSED,
    LidarrProblem.NOT_LIDARR: pb.LIDARR_PROBLEM_NOT_LIDARR,
    LidarrProblem.SERVER_ERROR: pb.LIDARR_PROBLEM_SERVER_ERROR,
    LidarrProblem.UNKNOWN_NAME: pb.LIDARR_PROBLEM_UNKNOWN_NAME,
}


def lidarr_check_to_pb(found: LidarrCheck, enabled: bool) -> pb.TestLidarrResponse:
    catalogue, choice = found.catalogue, found.choice
    return pb.TestLidarrResponse(
        ok=found.ok,
        problem=LIDARR_PROBLEMS[found.problem],
        message=found.message,
        version=found.version,
        root_folders=[f.path for f in catalogue.root_folders] if catalogue else [],
        quality_profiles=[p.name for p in catalogue.quality_profiles] if catalogue else [],
        metadata_profiles=[p.name for p in catalogue.metadata_profiles] if catalogue else [],
        root_folder=choice.root_folder.path if choice else "",
        quality_profile=choice.quality.name if choice else "",
        metadata_profile=choice.metadata.name if choice else "",
        enabled=enabled,
    )


ALBUM_STATES = {
    AlbumState.ADD: pb.LIDARR_ALBUM_STATE_ADD,
    AlbumState.ADD_WITH_ARTIST: pb.LIDARR_ALBUM_STATE_ADD_WITH_ARTIST,
    AlbumState.MONITOR: pb.LIDARR_ALBUM_STATE_MONITOR,
    AlbumState.ALREADY_WANTED: pb.LIDARR_ALBUM_STATE_ALREADY_WANTED,
    AlbumState.DEFERRED: pb.LIDARR_ALBUM_STATE_DEFERRED,
    AlbumState.NOT_FOUND: pb.LIDARR_ALBUM_STATE_NOT_FOUND,
    AlbumState.AMBIGUOUS: pb.LIDARR_ALBUM_STATE_AMBIGUOUS,
    AlbumState.ADDED: pb.LIDARR_ALBUM_STATE_ADDED,
    AlbumState.MONITORED: pb.LIDARR_ALBUM_STATE_MONITORED,
    AlbumState.FAILED: pb.LIDARR_ALBUM_STATE_FAILED,
    AlbumState.SENT: pb.LIDARR_ALBUM_STATE_SENT,
}


def track_to_pb(track: WantedTrack) -> pb.LidarrTrack:
    return pb.LidarrTrack(position=track.position, title=track.title, artists=track.artists)


def album_to_pb(resolution: Resolution) -> pb.LidarrAlbum:
    found, wanted = resolution.found, resolution.wanted
    message = pb.LidarrAlbum(
        id=resolution.album_id,
        title=wanted.title,
        artist=wanted.artist,
        tracks=[track_to_pb(t) for t in wanted.tracks],
        state=ALBUM_STATES[resolution.state],
        message=resolution.message,
        lidarr_title=found.label if found else "",
        in_lidarr=bool(found and found.in_lidarr) or resolution.state.handed_over,
        artist_in_lidarr=bool(found and found.artist.id) or resolution.state.handed_over,
        candidates=[f"{c.label} [{c.foreign_album_id}]" for c in resolution.candidates],
        lidarr_album_id=resolution.lidarr_album_id,
    )
    if resolution.sent_at:
        message.sent_at.CopyFrom(timestamp(resolution.sent_at))
    return message


def _plan_fields(plan: HandoffPlan) -> dict[str, Any]:
    """What a preview's and a send's answers share."""
    return {
        "run_id": plan.run_id,
        "albums": [album_to_pb(r) for r in plan.albums],
        "without_album": [track_to_pb(t) for t in plan.without_album],
        "max_albums": plan.max_albums,
        "error": plan.error,
    }


def preview_to_pb(plan: HandoffPlan) -> pb.PreviewLidarrResponse:
    return pb.PreviewLidarrResponse(**_plan_fields(plan), enabled=plan.enabled)


def sent_to_pb(plan: HandoffPlan) -> pb.SendToLidarrResponse:
    return pb.SendToLidarrResponse(
        **_plan_fields(plan), sent=plan.sent, search_command_id=plan.search_command_id
    )
