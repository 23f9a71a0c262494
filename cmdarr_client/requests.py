"""The requests of the client's vocabulary, built the same way for Client and AsyncClient."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf import field_mask_pb2

SettingValue = str | bool | int | float
# A value update_server takes for a field of Server: text, a flag, or library names.
ServerField = str | bool | Iterable[str]


class Target(enum.IntEnum):
    """A media server; the values are those of cmdarr.type.v1.Target."""

    PLEX = tpb.TARGET_PLEX
    JELLYFIN = tpb.TARGET_JELLYFIN


# A library cache, named by its server: the server's name, or a Target for the built-in
# server it stands for (Target.PLEX is the server "plex").
CacheRef = Target | int | str

BUILTIN_SERVERS: Mapping[int, str] = {tpb.TARGET_PLEX: "plex", tpb.TARGET_JELLYFIN: "jellyfin"}


def target_of(target: Target | int | None) -> tpb.Target.ValueType:
    return tpb.Target.ValueType(int(target or 0))


def cache_fields(which: CacheRef | None) -> dict[str, Any]:
    """The request fields that name a cache: ``server`` for a name, ``target`` for a
    Target; none for every cache."""
    if which is None:
        return {}
    if isinstance(which, str):
        return {"server": which}
    return {"target": target_of(which)}


def server_name(which: CacheRef) -> str:
    """The name of the server a cache reference means."""
    return which if isinstance(which, str) else BUILTIN_SERVERS.get(int(which), "")


def status_server(status: cache_pb.CacheStatus) -> str:
    """The server a status is about (older services set only its target)."""
    return status.server or BUILTIN_SERVERS.get(status.target, "")


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


def create_server(
    name: str,
    kind: pb.ServerKind.ValueType,
    url: str,
    token: str,
    library_names: Iterable[str],
    client_enabled: bool,
    library_cache_enabled: bool | None,
    jellyfin_user_id: str,
) -> pb.CreateServerRequest:
    """None for ``library_cache_enabled`` leaves it unset: AUTO_ENABLE_LIBRARY_CACHE decides."""
    server = pb.Server(
        name=name,
        kind=kind,
        url=url,
        token=token,
        library_names=list(library_names),
        client_enabled=client_enabled,
        jellyfin_user_id=jellyfin_user_id,
    )
    if library_cache_enabled is not None:
        server.library_cache_enabled = library_cache_enabled
    return pb.CreateServerRequest(server=server)


def update_server(
    name: str, fields: Mapping[str, ServerField], expected_mod_revision: int
) -> pb.UpdateServerRequest:
    """The update mask names exactly the fields given, in the order given; config_svc
    judges which may change (INVALID_ARGUMENT naming ``update_mask.paths[i]``). A name that
    is no field of Server is refused here, as Python refuses an unknown keyword."""
    server = pb.Server(name=name)
    known = server.DESCRIPTOR.fields_by_name
    for field, value in fields.items():
        if field not in known:
            raise TypeError(f"update_server() got an unexpected keyword argument {field!r}")
        if field == "library_names":
            if isinstance(value, str | bool):
                raise TypeError("update_server(): library_names takes a list of names")
            server.library_names.extend(value)
        else:
            setattr(server, field, value)
    return pb.UpdateServerRequest(
        server=server,
        update_mask=field_mask_pb2.FieldMask(paths=list(fields)),
        expected_mod_revision=expected_mod_revision,
    )


def run_sync(
    command_name: str | None, spec: sync_pb.SyncSpec | None, dry_run: bool
) -> sync_pb.RunSyncRequest:
    if (command_name is None) == (spec is None):
        raise ValueError("run_sync takes a command name or an inline spec, not both")
    if spec is not None:
        return sync_pb.RunSyncRequest(spec=spec, dry_run=dry_run)
    return sync_pb.RunSyncRequest(command_name=command_name or "", dry_run=dry_run)


def build_cache(server: CacheRef, mode: cache_pb.BuildMode.ValueType) -> cache_pb.BuildCacheRequest:
    return cache_pb.BuildCacheRequest(mode=mode, **cache_fields(server))


def server_playlist(server: str, playlist: str, *, kind: str, user: str = "") -> pb.PlaylistSource:
    """A playlist on a configured server as a command's or a spec's source:
    ``server_playlist("cabin", "Road Trip", kind="plex", user="alice")`` is the reference
    ``plex:alice@cabin/Road Trip``. ``playlist`` is a title, or ``id:<id>``; ``kind`` is
    the server's, ``plex`` or ``jellyfin``. The services check the rest."""
    who = f"{user}@" if user else ""
    return pb.PlaylistSource(
        kind=pb.SOURCE_KIND_SERVER_PLAYLIST, ref=f"{kind}:{who}{server}/{playlist}"
    )
