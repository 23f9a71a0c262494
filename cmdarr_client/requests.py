"""The requests of the client's vocabulary, built the same way for Client and AsyncClient."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf import field_mask_pb2

SettingValue = str | bool | int | float


class Target(enum.IntEnum):
    """A media server; the values are those of cmdarr.type.v1.Target."""

    PLEX = tpb.TARGET_PLEX
    JELLYFIN = tpb.TARGET_JELLYFIN


def target_of(target: Target | int | None) -> tpb.Target.ValueType:
    return tpb.Target.ValueType(int(target or 0))


def setting_value(value: SettingValue) -> str:
    """A value in its canonical text form: booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def setting_changes(changes: Mapping[str, SettingValue | None]) -> list[pb.SettingChange]:
    """One change per key; None resets the key to its default."""
    return [
        pb.SettingChange(key=key, reset=True)
        if value is None
        else pb.SettingChange(key=key, value=setting_value(value))
        for key, value in changes.items()
    ]


def update_settings(
    changes: Mapping[str, SettingValue | None], expected_revision: int, validate_only: bool
) -> pb.UpdateSettingsRequest:
    return pb.UpdateSettingsRequest(
        changes=setting_changes(changes),
        expected_revision=expected_revision,
        validate_only=validate_only,
    )


def update_command(
    command: pb.Command, update_mask: Iterable[str], expected_mod_revision: int
) -> pb.UpdateCommandRequest:
    request = pb.UpdateCommandRequest(command=command, expected_mod_revision=expected_mod_revision)
    paths = list(update_mask)
    if paths:
        request.update_mask.CopyFrom(field_mask_pb2.FieldMask(paths=paths))
    return request


def run_sync(
    command_name: str | None, spec: sync_pb.SyncSpec | None, dry_run: bool
) -> sync_pb.RunSyncRequest:
    if (command_name is None) == (spec is None):
        raise ValueError("run_sync takes a command name or an inline spec, not both")
    if spec is not None:
        return sync_pb.RunSyncRequest(spec=spec, dry_run=dry_run)
    return sync_pb.RunSyncRequest(command_name=command_name or "", dry_run=dry_run)


def build_cache(
    target: Target | int, mode: cache_pb.BuildMode.ValueType
) -> cache_pb.BuildCacheRequest:
    return cache_pb.BuildCacheRequest(target=target_of(target), mode=mode)
