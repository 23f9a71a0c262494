"""Protobuf forms of match overrides (cmdarr.config.v1.MatchOverride and SourceKey),
shared by config_svc, cache_svc, sync_svc, the gateway and the CLI."""

from __future__ import annotations

from collections.abc import Iterable

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from common.matching.overrides import KeyKind, MatchOverride, OverrideAction, SourceKey
from common.wire.protoconv import TARGETS, TARGETS_BACK, timestamp

ACTIONS = {
    OverrideAction.PIN: pb.OVERRIDE_ACTION_PIN,
    OverrideAction.REJECT: pb.OVERRIDE_ACTION_REJECT,
}
ACTIONS_BACK = {v: k for k, v in ACTIONS.items()}


def key_to_pb(key: SourceKey) -> pb.SourceKey:
    if key.kind is KeyKind.MBID:
        return pb.SourceKey(recording_mbid=key.value)
    if key.kind is KeyKind.ISRC:
        return pb.SourceKey(isrc=key.value)
    return pb.SourceKey(text=pb.TrackText(artist=key.artist, title=key.title, album=key.album))


def key_parts(message: pb.SourceKey) -> tuple[KeyKind | None, str, str, str, str]:
    """(kind, value, artist, title, album) as sent, not yet checked or normalized."""
    which = message.WhichOneof("key")
    if which == "recording_mbid":
        return KeyKind.MBID, message.recording_mbid, "", "", ""
    if which == "isrc":
        return KeyKind.ISRC, message.isrc, "", "", ""
    if which == "text":
        text = message.text
        return KeyKind.TEXT, "", text.artist, text.title, text.album
    return None, "", "", "", ""


def stored_key_from_pb(message: pb.SourceKey) -> SourceKey:
    """A key config_svc stored (already normalized), as its domain value."""
    kind, value, artist, title, album = key_parts(message)
    return SourceKey(kind or KeyKind.TEXT, value, artist, title, album)


def override_to_pb(override: MatchOverride) -> pb.MatchOverride:
    target = override.target
    message = pb.MatchOverride(
        server=override.server,
        target=TARGETS[target] if target is not None else tpb.TARGET_UNSPECIFIED,
        key=key_to_pb(override.key),
        action=ACTIONS[override.action],
        item_id=override.item_id,
        note=override.note,
        author=override.author,
        create_revision=override.create_revision,
        mod_revision=override.mod_revision,
    )
    if override.update_time:
        message.update_time.CopyFrom(timestamp(override.update_time))
    return message


def server_of(message: pb.MatchOverride) -> str:
    """The server an override names: its server, else its target's built-in server (all a
    config_svc that predates servers sends); "" for neither."""
    target = TARGETS_BACK.get(message.target)
    return message.server or (target.server_name if target is not None else "")


def override_from_pb(message: pb.MatchOverride) -> MatchOverride | None:
    """A stored override's domain value (None for an unknown server or action); one from a
    config_svc that predates servers names only its target."""
    server = server_of(message)
    action = ACTIONS_BACK.get(message.action)
    if not server or action is None:
        return None
    return MatchOverride(
        server=server,
        key=stored_key_from_pb(message.key),
        action=action,
        item_id=message.item_id,
        note=message.note,
        author=message.author,
        update_time=message.update_time.ToNanoseconds() / 1e9,
        create_revision=message.create_revision,
        mod_revision=message.mod_revision,
    )


def stored_match(
    overrides: Iterable[pb.MatchOverride], normalized: SourceKey
) -> pb.MatchOverride | None:
    """The stored override whose key is ``normalized`` (a key normalized with
    common.matching.overrides.source_key, as config_svc stores it)."""
    return next((o for o in overrides if stored_key_from_pb(o.key) == normalized), None)
