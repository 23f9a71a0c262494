"""Translation between config_svc's domain objects and cmdarr.config.v1 messages."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb

from common.config.registry import Registry, ValueType
from common.domain import (
    Destination,
    Origin,
)
from common.wire.override_pb import ACTIONS_BACK, key_parts, override_to_pb
from common.wire.protoconv import (
    KINDS_BACK,
    SOURCES_BACK,
    TARGETS_BACK,
    command_to_pb,
    mode_from_pb,
)
from config_svc.core import CommandInput
from config_svc.events import Event, SettingState
from config_svc.overrides import KeyInput, OverrideInput
from config_svc.revisions import WatchItem, WatchItemKind
from config_svc.server_spec import Server, ServerInput, ServerKind

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
SERVER_KINDS = {
    ServerKind.PLEX: pb.SERVER_KIND_PLEX,
    ServerKind.JELLYFIN: pb.SERVER_KIND_JELLYFIN,
}
SERVER_KINDS_BACK = {v: k for k, v in SERVER_KINDS.items()}
WATCH_KINDS = {
    WatchItemKind.SNAPSHOT: pb.WATCH_RESPONSE_KIND_SNAPSHOT,
    WatchItemKind.EVENTS: pb.WATCH_RESPONSE_KIND_EVENTS,
    WatchItemKind.PROGRESS: pb.WATCH_RESPONSE_KIND_PROGRESS,
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


def command_from_pb(message: pb.Command) -> CommandInput:
    return CommandInput(
        name=message.name,
        kind=KINDS_BACK.get(message.kind),
        source_kind=SOURCES_BACK.get(message.source.kind),
        source_ref=message.source.ref,
        targets=tuple(TARGETS_BACK.get(t) for t in message.targets),
        destinations=tuple(Destination(d.server, d.user) for d in message.destinations),
        schedule=message.schedule,
        enabled=message.enabled,
        playlist_title=message.playlist_title,
        mode=mode_from_pb(message.mode),
        sync_note=message.sync_note if message.HasField("sync_note") else True,
    )


def key_from_pb(message: pb.SourceKey) -> KeyInput:
    return KeyInput(*key_parts(message))


def override_from_pb(message: pb.MatchOverride) -> OverrideInput:
    return OverrideInput(
        target=TARGETS_BACK.get(message.target),
        key=key_from_pb(message.key),
        action=ACTIONS_BACK.get(message.action),
        item_id=message.item_id,
        note=message.note,
        author=message.author,
        server=message.server,
        target_given=message.target != 0 or not message.server,
    )


def server_to_pb(server: Server) -> pb.Server:
    """A server as replies show it: never its token, only whether it has one."""
    return pb.Server(
        name=server.name,
        kind=SERVER_KINDS[server.kind],
        url=server.url,
        token_set=server.token_set,
        library_names=list(server.library_names),
        client_enabled=server.client_enabled,
        library_cache_enabled=server.cache_enabled,
        library_cache_source=ORIGINS[server.cache_origin],
        jellyfin_user_id=server.jellyfin_user_id,
        built_in=server.built_in,
        create_revision=server.create_revision,
        mod_revision=server.mod_revision,
        token_revision=server.token_revision,
    )


def server_from_pb(message: pb.Server) -> ServerInput:
    return ServerInput(
        name=message.name,
        kind=SERVER_KINDS_BACK.get(message.kind),
        url=message.url,
        token=message.token,
        library_names=tuple(message.library_names),
        client_enabled=message.client_enabled,
        cache_enabled=(
            message.library_cache_enabled if message.HasField("library_cache_enabled") else None
        ),
        jellyfin_user_id=message.jellyfin_user_id,
    )


def event_to_pb(registry: Registry, event: Event) -> pb.ConfigEvent:
    if event.setting is not None:
        return pb.ConfigEvent(
            type=pb.EVENT_TYPE_SETTING_CHANGED, setting=setting_to_pb(registry, event.setting)
        )
    if event.command is not None:
        return pb.ConfigEvent(type=pb.EVENT_TYPE_COMMAND_PUT, command=command_to_pb(event.command))
    if event.override is not None:
        return pb.ConfigEvent(
            type=pb.EVENT_TYPE_MATCH_OVERRIDE_PUT, match_override=override_to_pb(event.override)
        )
    if event.override_deleted is not None:
        gone = event.override_deleted
        deleted = override_to_pb(gone)
        return pb.ConfigEvent(
            type=pb.EVENT_TYPE_MATCH_OVERRIDE_DELETED,
            match_override=pb.MatchOverride(
                target=deleted.target, key=deleted.key, server=deleted.server
            ),
        )
    if event.server is not None:
        return pb.ConfigEvent(type=pb.EVENT_TYPE_SERVER_PUT, server=server_to_pb(event.server))
    if event.server_deleted is not None:
        return pb.ConfigEvent(
            type=pb.EVENT_TYPE_SERVER_DELETED, server=pb.Server(name=event.server_deleted)
        )
    return pb.ConfigEvent(
        type=pb.EVENT_TYPE_COMMAND_DELETED, command=pb.Command(name=event.deleted or "")
    )


def watch_item_to_pb(registry: Registry, item: WatchItem) -> pb.WatchConfigResponse:
    response = pb.WatchConfigResponse(
        kind=WATCH_KINDS[item.kind], revision=item.revision, compact_revision=item.compact_revision
    )
    if item.kind is WatchItemKind.SNAPSHOT:
        response.snapshot.CopyFrom(
            pb.ConfigSnapshot(
                settings=[setting_to_pb(registry, s) for s in item.settings],
                commands=[command_to_pb(c) for c in item.commands],
                match_overrides=[override_to_pb(o) for o in item.overrides],
                servers=[server_to_pb(s) for s in item.servers],
            )
        )
    response.events.extend(event_to_pb(registry, e) for e in item.events)
    return response
