"""Protobuf forms of the shared domain vocabulary (common.domain): targets, commands,
warnings and their fixes, notifications. Used by every service that speaks them."""

from __future__ import annotations

from collections.abc import Iterable

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.timestamp_pb2 import Timestamp

from common.domain import (
    CacheState,
    Command,
    CommandKind,
    Destination,
    Fix,
    FixAction,
    Notification,
    Origin,
    ServerKind,
    SetupWarning,
    Severity,
    SourceKind,
    SyncMode,
    Target,
)
from common.matching import MatchMethod

ENABLED_ORIGINS = {
    Origin.DEFAULT: pb.ENABLED_SOURCE_DEFAULT,
    Origin.ENV: pb.ENABLED_SOURCE_DEFAULT,
    Origin.USER: pb.ENABLED_SOURCE_USER,
    Origin.AUTO: pb.ENABLED_SOURCE_AUTO,
}
TARGETS = {Target.PLEX: tpb.TARGET_PLEX, Target.JELLYFIN: tpb.TARGET_JELLYFIN}
TARGETS_BACK = {v: k for k, v in TARGETS.items()}
SERVER_KINDS = {ServerKind.PLEX: pb.SERVER_KIND_PLEX, ServerKind.JELLYFIN: pb.SERVER_KIND_JELLYFIN}
SERVER_KINDS_BACK = {v: k for k, v in SERVER_KINDS.items()}
MODES = {SyncMode.MIRROR: tpb.SYNC_MODE_MIRROR, SyncMode.APPEND: tpb.SYNC_MODE_APPEND}


def timestamp(seconds: float) -> Timestamp:
    """A Unix time in seconds (a float, as the services keep it) as a Timestamp."""
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def mode_from_pb(value: int) -> SyncMode | None:
    """UNSPECIFIED is MIRROR; None for a value this service does not know."""
    if value == tpb.SYNC_MODE_UNSPECIFIED:
        return SyncMode.MIRROR
    return next((mode for mode, number in MODES.items() if number == value), None)


KINDS = {
    CommandKind.LIBRARY_CACHE_BUILDER: pb.COMMAND_KIND_LIBRARY_CACHE_BUILDER,
    CommandKind.PLAYLIST_SYNC: pb.COMMAND_KIND_PLAYLIST_SYNC,
}
KINDS_BACK = {v: k for k, v in KINDS.items()}
SOURCES = {
    SourceKind.FILE: pb.SOURCE_KIND_FILE,
    SourceKind.URL: pb.SOURCE_KIND_URL,
    SourceKind.LISTENBRAINZ_PLAYLIST: pb.SOURCE_KIND_LISTENBRAINZ_PLAYLIST,
    SourceKind.LISTENBRAINZ_CREATED_FOR: pb.SOURCE_KIND_LISTENBRAINZ_CREATED_FOR,
    SourceKind.SPOTIFY_PLAYLIST: pb.SOURCE_KIND_SPOTIFY_PLAYLIST,
    SourceKind.DEEZER_PLAYLIST: pb.SOURCE_KIND_DEEZER_PLAYLIST,
    SourceKind.SERVER_PLAYLIST: pb.SOURCE_KIND_SERVER_PLAYLIST,
}
SOURCES_BACK = {v: k for k, v in SOURCES.items()}
FIXES = {
    FixAction.ENABLE_LIBRARY_CACHE: pb.FIX_ACTION_ENABLE_LIBRARY_CACHE,
    FixAction.ENABLE_CACHE_BUILDER: pb.FIX_ACTION_ENABLE_CACHE_BUILDER,
    FixAction.BUILD_CACHE_NOW: pb.FIX_ACTION_BUILD_CACHE_NOW,
    FixAction.DELETE_STALE_MATCH_OVERRIDES: pb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES,
}
SEVERITIES = {
    Severity.INFO: pb.WARNING_SEVERITY_INFO,
    Severity.WARNING: pb.WARNING_SEVERITY_WARNING,
    Severity.ERROR: pb.WARNING_SEVERITY_ERROR,
}
ENABLED_ORIGINS_BACK = {
    pb.ENABLED_SOURCE_DEFAULT: Origin.DEFAULT,
    pb.ENABLED_SOURCE_USER: Origin.USER,
    pb.ENABLED_SOURCE_AUTO: Origin.AUTO,
}
FIXES_BACK = {v: k for k, v in FIXES.items()}
CACHE_STATES = {
    CacheState.DISABLED: cache_pb.CACHE_STATE_DISABLED,
    CacheState.EMPTY: cache_pb.CACHE_STATE_EMPTY,
    CacheState.BUILDING: cache_pb.CACHE_STATE_BUILDING,
    CacheState.READY: cache_pb.CACHE_STATE_READY,
    CacheState.STALE: cache_pb.CACHE_STATE_STALE,
    CacheState.FAILED: cache_pb.CACHE_STATE_FAILED,
}
CACHE_STATES_BACK = {v: k for k, v in CACHE_STATES.items()}


MATCH_METHODS = {
    MatchMethod.MBID: cache_pb.MATCH_METHOD_MBID,
    MatchMethod.EXACT: cache_pb.MATCH_METHOD_EXACT,
    MatchMethod.FUZZY: cache_pb.MATCH_METHOD_FUZZY,
    MatchMethod.NONE: cache_pb.MATCH_METHOD_NONE,
    MatchMethod.OVERRIDE: cache_pb.MATCH_METHOD_OVERRIDE,
    MatchMethod.PATH: cache_pb.MATCH_METHOD_PATH,
}
MATCH_METHODS_BACK = {v: k for k, v in MATCH_METHODS.items()}


def match_method_from_pb(value: int) -> MatchMethod:
    """A match method from the wire; an unknown value reads as NONE."""
    return MATCH_METHODS_BACK.get(value, MatchMethod.NONE)  # type: ignore[call-overload, no-any-return]


def cache_state_from_pb(value: int) -> CacheState:
    """A cache state from the wire; an unknown value reads as EMPTY."""
    return CACHE_STATES_BACK.get(value, CacheState.EMPTY)  # type: ignore[call-overload, no-any-return]


SEVERITIES_BACK = {v: k for k, v in SEVERITIES.items()}


def destination_to_pb(destination: Destination) -> tpb.Destination:
    return tpb.Destination(server=destination.server, user=destination.user)


def stored_destinations(
    targets: Iterable[tpb.Target.ValueType], destinations: Iterable[tpb.Destination]
) -> tuple[Destination, ...]:
    """Where a stored command or spec writes: its destinations, and its targets (all a
    service older than destinations sends), each once."""
    found = [Destination.of(TARGETS_BACK[t]) for t in targets if t in TARGETS_BACK]
    found += [Destination(d.server, d.user) for d in destinations]
    return tuple(dict.fromkeys(found))


def command_to_pb(command: Command) -> pb.Command:
    message = pb.Command(
        name=command.name,
        kind=KINDS[command.kind],
        targets=[TARGETS[t] for t in command.targets],
        destinations=[destination_to_pb(d) for d in command.destinations],
        schedule=command.schedule,
        enabled=command.enabled,
        enabled_source=ENABLED_ORIGINS[command.enabled_origin],
        create_revision=command.create_revision,
        mod_revision=command.mod_revision,
        playlist_title=command.playlist_title,
        mode=MODES[command.mode],
        sync_note=command.sync_note,
    )
    if command.source_kind is not None:
        message.source.CopyFrom(
            pb.PlaylistSource(kind=SOURCES[command.source_kind], ref=command.source_ref)
        )
    return message


def command_from_pb(message: pb.Command) -> Command | None:
    """The domain command of a stored command's message (None for an unknown kind)."""
    kind = KINDS_BACK.get(message.kind)
    if kind is None:
        return None
    return Command(
        name=message.name,
        kind=kind,
        source_kind=SOURCES_BACK.get(message.source.kind),
        source_ref=message.source.ref,
        destinations=stored_destinations(message.targets, message.destinations),
        schedule=message.schedule,
        enabled=message.enabled,
        enabled_origin=ENABLED_ORIGINS_BACK.get(message.enabled_source, Origin.USER),
        playlist_title=message.playlist_title,
        create_revision=message.create_revision,
        mod_revision=message.mod_revision,
        mode=mode_from_pb(message.mode) or SyncMode.MIRROR,
        sync_note=message.sync_note if message.HasField("sync_note") else True,
    )


def warning_to_pb(warning: SetupWarning) -> pb.Warning:
    message = pb.Warning(
        code=warning.code,
        severity=SEVERITIES[warning.severity],
        message=warning.message,
        target=TARGETS[warning.target] if warning.target else tpb.TARGET_UNSPECIFIED,
        command_names=list(warning.command_names),
        server=warning.server,
    )
    if warning.fix is not None:
        message.fix.CopyFrom(fix_to_pb(warning.fix))
    return message


def fix_to_pb(fix: Fix) -> pb.Fix:
    return pb.Fix(
        action=FIXES[fix.action],
        target=TARGETS[fix.target] if fix.target else tpb.TARGET_UNSPECIFIED,
        label=fix.label,
        server=fix.server,
    )


def notification_to_pb(note: Notification) -> pb.Notification:
    return pb.Notification(code=note.code, message=note.message, subject=note.subject)
