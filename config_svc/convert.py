"""Translation between config_svc's domain objects and cmdarr.config.v1 messages."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb

from common.config.registry import Registry, ValueType
from common.domain import (
    Origin,
)
from common.wire.override_pb import ACTIONS_BACK, key_parts, override_to_pb
from common.wire.protoconv import (
    KINDS_BACK,
    SOURCES_BACK,
    TARGETS_BACK,
    command_to_pb,
)
from config_svc.core import CommandInput
from config_svc.events import Event, SettingState
from config_svc.overrides import KeyInput, OverrideInput
from config_svc.revisions import WatchItem, WatchItemKind

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
        schedule=message.schedule,
        enabled=message.enabled,
        playlist_title=message.playlist_title,
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
            match_override=pb.MatchOverride(target=deleted.target, key=deleted.key),
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
            )
        )
    response.events.extend(event_to_pb(registry, e) for e in item.events)
    return response
