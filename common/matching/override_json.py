"""JSON forms of match overrides: config_svc's table and change log, cache_svc's
followed state."""

from __future__ import annotations

from typing import Any

from common.domain import Target
from common.matching.overrides import KeyKind, MatchOverride, OverrideAction, SourceKey


def key_to_dict(key: SourceKey) -> dict[str, str]:
    return {
        "kind": key.kind.value,
        "value": key.value,
        "artist": key.artist,
        "title": key.title,
        "album": key.album,
    }


def key_from_dict(data: dict[str, str]) -> SourceKey:
    return SourceKey(
        KeyKind(data["kind"]), data["value"], data["artist"], data["title"], data["album"]
    )


def override_to_dict(override: MatchOverride) -> dict[str, Any]:
    return {
        "server": override.server,
        "key": key_to_dict(override.key),
        "action": override.action.value,
        "item_id": override.item_id,
        "note": override.note,
        "author": override.author,
        "update_time": override.update_time,
        "create_revision": override.create_revision,
        "mod_revision": override.mod_revision,
    }


def override_from_dict(data: dict[str, Any]) -> MatchOverride:
    return MatchOverride(
        # Written before overrides named servers: the target, its built-in server's name.
        server=data["server"] if "server" in data else Target(data["target"]).server_name,
        key=key_from_dict(data["key"]),
        action=OverrideAction(data["action"]),
        item_id=data["item_id"],
        note=data["note"],
        author=data["author"],
        update_time=float(data["update_time"]),
        create_revision=int(data["create_revision"]),
        mod_revision=int(data["mod_revision"]),
    )
