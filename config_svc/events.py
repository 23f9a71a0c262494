"""The change log's events and the public view of a setting."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from common.domain import (
    Command,
    CommandKind,
    Destination,
    Origin,
    SourceKind,
    SyncMode,
    Target,
    destinations_of,
)
from common.matching.override_json import (
    key_to_dict,
    override_from_dict,
    override_to_dict,
)
from common.matching.overrides import MatchOverride, SourceKey
from config_svc.server_spec import Server, ServerKind


@dataclass(frozen=True)
class SettingState:
    """A setting's effective state as the outside sees it: a secret's value is withheld."""

    key: str
    value: str
    origin: Origin
    mod_revision: int
    is_set: bool


@dataclass(frozen=True)
class Event:
    """One change. Exactly one of ``setting``, ``command``, ``deleted``, ``override``,
    ``override_deleted`` (the deleted override's target and key), ``server`` (token
    withheld: the log never holds a secret) and ``server_deleted`` (a name) is set."""

    setting: SettingState | None = None
    command: Command | None = None
    deleted: str | None = None
    override: MatchOverride | None = None
    override_deleted: MatchOverride | None = None
    server: Server | None = None
    server_deleted: str | None = None

    def to_json(self) -> str:
        if self.setting is not None:
            body: dict[str, Any] = {"type": "setting", **asdict(self.setting)}
            body["origin"] = self.setting.origin.value
        elif self.command is not None:
            body = {"type": "command_put", "command": command_to_dict(self.command)}
        elif self.override is not None:
            body = {"type": "override_put", "override": override_to_dict(self.override)}
        elif self.override_deleted is not None:
            body = {
                "type": "override_deleted",
                "override": override_to_dict(self.override_deleted),
            }
        elif self.server is not None:
            body = {"type": "server_put", "server": server_to_dict(self.server.withheld())}
        elif self.server_deleted is not None:
            body = {"type": "server_deleted", "name": self.server_deleted}
        else:
            body = {"type": "command_deleted", "name": self.deleted}
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Event:
        body = json.loads(text)
        kind = body.pop("type")
        if kind == "setting":
            body["origin"] = Origin(body["origin"])
            return cls(setting=SettingState(**body))
        if kind == "command_put":
            return cls(command=command_from_dict(body["command"]))
        if kind == "override_put":
            return cls(override=override_from_dict(body["override"]))
        if kind == "override_deleted":
            return cls(override_deleted=override_from_dict(body["override"]))
        if kind == "server_put":
            return cls(server=server_from_dict(body["server"]))
        if kind == "server_deleted":
            return cls(server_deleted=body["name"])
        return cls(deleted=body["name"])


def command_to_dict(command: Command) -> dict[str, Any]:
    return {
        "name": command.name,
        "kind": command.kind.value,
        "source_kind": command.source_kind.value if command.source_kind else None,
        "source_ref": command.source_ref,
        "destinations": [[d.server, d.user] for d in command.destinations],
        "schedule": command.schedule,
        "enabled": command.enabled,
        "enabled_origin": command.enabled_origin.value,
        "playlist_title": command.playlist_title,
        "mode": command.mode.value,
        "sync_note": command.sync_note,
        "create_revision": command.create_revision,
        "mod_revision": command.mod_revision,
    }


def _destinations(data: dict[str, Any]) -> tuple[Destination, ...]:
    """A command's destinations; a change-log entry written before destinations existed
    has its targets, each of which is the built-in server of its name."""
    if "destinations" in data:
        return tuple(Destination(server, user) for server, user in data["destinations"])
    return destinations_of(Target(t) for t in data["targets"])


def command_from_dict(data: dict[str, Any]) -> Command:
    return Command(
        name=data["name"],
        kind=CommandKind(data["kind"]),
        source_kind=SourceKind(data["source_kind"]) if data["source_kind"] else None,
        source_ref=data["source_ref"],
        destinations=_destinations(data),
        schedule=data["schedule"],
        enabled=bool(data["enabled"]),
        enabled_origin=Origin(data["enabled_origin"]),
        playlist_title=data["playlist_title"],
        create_revision=int(data["create_revision"]),
        mod_revision=int(data["mod_revision"]),
        # A change-log entry written before modes existed is a mirror.
        mode=SyncMode(data.get("mode") or SyncMode.MIRROR.value),
        sync_note=bool(data.get("sync_note", True)),  # on for entries written before it
    )


def override_ident(server: str, key: SourceKey) -> str:
    """The stored identity of (server, key): a fixed-length primary key (a target's
    overrides keep theirs: a built-in server's name is its target's value)."""
    text = json.dumps([server, key_to_dict(key)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def server_to_dict(server: Server) -> dict[str, Any]:
    """The server's fields as JSON-ready values, the token included: callers withhold it
    where it must not go."""
    return {
        "name": server.name,
        "kind": server.kind.value,
        "url": server.url,
        "token": server.token,
        "token_set": server.token_set,
        "library_names": list(server.library_names),
        "client_enabled": server.client_enabled,
        "cache_enabled": server.cache_enabled,
        "cache_origin": server.cache_origin.value,
        "jellyfin_user_id": server.jellyfin_user_id,
        "create_revision": server.create_revision,
        "mod_revision": server.mod_revision,
        "token_revision": server.token_revision,
    }


def server_from_dict(data: dict[str, Any]) -> Server:
    return Server(
        name=data["name"],
        kind=ServerKind(data["kind"]),
        url=data["url"],
        token=data["token"],
        token_set=bool(data["token_set"]),
        library_names=tuple(data["library_names"]),
        client_enabled=bool(data["client_enabled"]),
        cache_enabled=bool(data["cache_enabled"]),
        cache_origin=Origin(data["cache_origin"]),
        jellyfin_user_id=data["jellyfin_user_id"],
        create_revision=int(data["create_revision"]),
        mod_revision=int(data["mod_revision"]),
        # Events logged before token revisions were kept have none.
        token_revision=int(data.get("token_revision", 0)),
    )
