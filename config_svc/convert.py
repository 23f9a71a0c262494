"""Translation between config_svc's domain objects and cmdarr.config.v1 messages."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb

from common.config.registry import Registry, ValueType
from common.model import (
    Command,
    CommandKind,
    Fix,
    FixAction,
    Notification,
    Origin,
    Severity,
    SourceKind,
    Target,
    Warning,
)
from config_svc.core import CommandInput, WatchItem
from config_svc.events import Event, SettingState

VALUE_TYPES = {
    ValueType.BOOL: pb.SETTING_TYPE_BOOL,
    ValueType.INT: pb.SETTING_TYPE_INT,
    ValueType.FLOAT: pb.SETTING_TYPE_FLOAT,
    ValueType.STRING: pb.SETTING_TYPE_STRING,
    ValueType.URL: pb.SETTING_TYPE_URL,
    ValueType.STRING_LIST: pb.SETTING_TYPE_STRING_LIST,
}
ORIGINS = {
    Origin.DEFAULT: pb.SETTING_SOURCE_DEFAULT,
    Origin.ENV: pb.SETTING_SOURCE_ENV,
    Origin.USER: pb.SETTING_SOURCE_USER,
    Origin.AUTO: pb.SETTING_SOURCE_AUTO,
}
ENABLED_ORIGINS = {
    Origin.DEFAULT: pb.ENABLED_SOURCE_DEFAULT,
    Origin.ENV: pb.ENABLED_SOURCE_DEFAULT,
    Origin.USER: pb.ENABLED_SOURCE_USER,
    Origin.AUTO: pb.ENABLED_SOURCE_AUTO,
}
TARGETS = {Target.PLEX: pb.TARGET_PLEX, Target.JELLYFIN: pb.TARGET_JELLYFIN}
TARGETS_BACK = {v: k for k, v in TARGETS.items()}
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
}
SOURCES_BACK = {v: k for k, v in SOURCES.items()}
FIXES = {
    FixAction.ENABLE_LIBRARY_CACHE: pb.FIX_ACTION_ENABLE_LIBRARY_CACHE,
    FixAction.ENABLE_CACHE_BUILDER: pb.FIX_ACTION_ENABLE_CACHE_BUILDER,
    FixAction.BUILD_CACHE_NOW: pb.FIX_ACTION_BUILD_CACHE_NOW,
}
SEVERITIES = {
    Severity.INFO: pb.WARNING_SEVERITY_INFO,
    Severity.WARNING: pb.WARNING_SEVERITY_WARNING,
    Severity.ERROR: pb.WARNING_SEVERITY_ERROR,
}
WATCH_KINDS = {
    "snapshot": pb.WATCH_RESPONSE_KIND_SNAPSHOT,
    "events": pb.WATCH_RESPONSE_KIND_EVENTS,
    "progress": pb.WATCH_RESPONSE_KIND_PROGRESS,
}


def setting_to_pb(registry: Registry, setting: SettingState) -> pb.Setting:
    spec = registry[setting.key]
    return pb.Setting(
        key=setting.key,
        value="" if spec.secret else setting.value,
        type=VALUE_TYPES[spec.type],
        source=ORIGINS[setting.origin],
        secret=spec.secret,
        is_set=setting.is_set,
        mod_revision=setting.mod_revision,
        description=spec.description,
        default_value="" if spec.secret else spec.default,
    )


def command_to_pb(command: Command) -> pb.Command:
    message = pb.Command(
        name=command.name,
        kind=KINDS[command.kind],
        targets=[TARGETS[t] for t in command.targets],
        schedule=command.schedule,
        enabled=command.enabled,
        enabled_source=ENABLED_ORIGINS[command.enabled_origin],
        create_revision=command.create_revision,
        mod_revision=command.mod_revision,
        playlist_title=command.playlist_title,
    )
    if command.source_kind is not None:
        message.source.CopyFrom(
            pb.PlaylistSource(kind=SOURCES[command.source_kind], ref=command.source_ref)
        )
    return message


def command_from_pb(message: pb.Command) -> CommandInput:
    return CommandInput(
        name=message.name,
        kind=KINDS_BACK.get(message.kind),
        source_kind=SOURCES_BACK.get(message.source.kind),
        source_ref=message.source.ref,
        targets=tuple(TARGETS_BACK.get(t) for t in message.targets),
        schedule=message.schedule,
        enabled=message.enabled,
        playlist_title=message.playlist_title,
    )


def warning_to_pb(warning: Warning) -> pb.Warning:
    message = pb.Warning(
        code=warning.code,
        severity=SEVERITIES[warning.severity],
        message=warning.message,
        target=TARGETS[warning.target] if warning.target else pb.TARGET_UNSPECIFIED,
        command_names=list(warning.command_names),
    )
    if warning.fix is not None:
        message.fix.CopyFrom(fix_to_pb(warning.fix))
    return message


def fix_to_pb(fix: Fix) -> pb.Fix:
    return pb.Fix(
        action=FIXES[fix.action],
        target=TARGETS[fix.target] if fix.target else pb.TARGET_UNSPECIFIED,
        label=fix.label,
    )


def notification_to_pb(note: Notification) -> pb.Notification:
    return pb.Notification(code=note.code, message=note.message, subject=note.subject)


def event_to_pb(registry: Registry, event: Event) -> pb.ConfigEvent:
    if event.setting is not None:
        return pb.ConfigEvent(
            type=pb.EVENT_TYPE_SETTING_CHANGED, setting=setting_to_pb(registry, event.setting)
        )
    if event.command is not None:
        return pb.ConfigEvent(type=pb.EVENT_TYPE_COMMAND_PUT, command=command_to_pb(event.command))
    return pb.ConfigEvent(
        type=pb.EVENT_TYPE_COMMAND_DELETED, command=pb.Command(name=event.deleted or "")
    )


def watch_item_to_pb(registry: Registry, item: WatchItem) -> pb.WatchConfigResponse:
    response = pb.WatchConfigResponse(
        kind=WATCH_KINDS[item.kind], revision=item.revision, compact_revision=item.compact_revision
    )
    if item.kind == "snapshot":
        response.snapshot.CopyFrom(
            pb.ConfigSnapshot(
                settings=[setting_to_pb(registry, s) for s in item.settings],
                commands=[command_to_pb(c) for c in item.commands],
            )
        )
    response.events.extend(event_to_pb(registry, e) for e in item.events)
    return response
