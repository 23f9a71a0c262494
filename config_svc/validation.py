"""Checks of commands and setting changes; each problem is a FieldViolation naming its field."""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Mapping, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from croniter import croniter

from common.config.registry import Registry
from common.domain import (
    Command,
    CommandKind,
    Destination,
    ServerKind,
    SourceKind,
    SyncMode,
    Target,
    destinations_of,
)
from common.errors import FieldViolation, SettingPinnedByEnv, check
from common.source_refs import deezer_playlist_id, server_playlist_ref
from config_svc.server_spec import check_name as check_server_name

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SPOTIFY = re.compile(
    r"(?:spotify:playlist:|https?://open\.spotify\.com/(?:[a-z-]+/)?playlist/)?[A-Za-z0-9]{10,40}(?:\?\S*)?"
)
MAX_REF_CHARS = 2048
MAX_TITLE_CHARS = 200
MAX_USER_CHARS = 128


def check_name(name: str, field: str) -> list[FieldViolation]:
    if not name:
        return [FieldViolation(field, "is required")]
    if not NAME_PATTERN.fullmatch(name):
        shown = name if len(name) <= 40 else name[:40] + "..."
        return [
            FieldViolation(
                field,
                f"{shown!r} is not a valid name: use 1-64 lower-case letters, digits, '-' or "
                "'_', starting with a letter or digit",
            )
        ]
    return []


def check_schedule(schedule: str, field: str) -> list[FieldViolation]:
    if not schedule:
        return []
    if len(schedule) > 128 or len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        return [
            FieldViolation(
                field,
                "must be a five-field cron expression (minute hour day-of-month month "
                "day-of-week), e.g. '0 3 * * *'",
            )
        ]
    return []


def check_mode(mode: SyncMode | None, field: str) -> list[FieldViolation]:
    """None is a value this service does not know (a newer client's)."""
    if mode is None:
        return [FieldViolation(field, "must be SYNC_MODE_MIRROR or SYNC_MODE_APPEND")]
    return []


def check_destinations(
    targets: Sequence[Target | None], destinations: Sequence[Destination], field: str
) -> list[FieldViolation]:
    """The syntax of where a command writes (``field`` is "command" or "spec"): targets and
    destinations together, at least one, each once. That each server exists is checked
    against the stored servers (``unknown_servers``)."""
    if not targets and not destinations:
        return [
            FieldViolation(f"{field}.targets", "at least one target or destination is required")
        ]
    problems = [
        FieldViolation(
            f"{field}.targets[{i}]", "unknown target; use TARGET_PLEX or TARGET_JELLYFIN"
        )
        for i, target in enumerate(targets)
        if target is None
    ]
    for i, destination in enumerate(destinations):
        at = f"{field}.destinations[{i}]"
        problems += check_server_name(destination.server, f"{at}.server")
        user = destination.user
        if len(user) > MAX_USER_CHARS:
            problems.append(FieldViolation(f"{at}.user", f"is longer than {MAX_USER_CHARS}"))
        elif any(ord(ch) < 32 or ch == "\x7f" for ch in user):
            problems.append(FieldViolation(f"{at}.user", "contains control characters"))
    known = [t for t in targets if t is not None]
    if len(set(known)) != len(known):
        problems.append(FieldViolation(f"{field}.targets", "a target is listed more than once"))
        return problems
    # Users are matched case-insensitively when a sync runs: "Alice" and "alice" are one.
    every = [_folded(d) for d in (*destinations_of(known), *destinations)]
    for twice in sorted({d for d in every if every.count(d) > 1}):
        text = f"{twice} is listed more than once (a target counts as its server)"
        problems.append(FieldViolation(f"{field}.destinations", text))
    return problems


def _folded(destination: Destination) -> Destination:
    return Destination(destination.server, destination.user.strip().casefold())


def normalized(
    targets: Sequence[Target | None], destinations: Sequence[Destination]
) -> tuple[Destination, ...]:
    """Valid destinations as stored: targets first, as their servers, then destinations,
    users trimmed, in the order given."""
    every = [*destinations_of(t for t in targets if t is not None), *destinations]
    return tuple(dict.fromkeys(Destination(d.server, d.user.strip()) for d in every))


def unknown_servers(
    destinations: Sequence[Destination], servers: Collection[str], field: str
) -> list[FieldViolation]:
    """A destination on a server that does not exist, named by its place in the list."""
    return [
        FieldViolation(
            f"{field}.destinations[{i}].server",
            f"no server named {d.server!r}; add it with CreateServer (cmdarr server add)",
        )
        for i, d in enumerate(destinations)
        if d.server not in servers
    ]


def check_source(kind: SourceKind | None, ref: str, field: str) -> list[FieldViolation]:
    if kind is None:
        return [FieldViolation(f"{field}.kind", "is required")]
    ref_field = f"{field}.ref"
    if not ref.strip():
        return [FieldViolation(ref_field, "is required")]
    if len(ref) > MAX_REF_CHARS:
        return [
            FieldViolation(ref_field, f"is {len(ref)} characters long; at most {MAX_REF_CHARS}")
        ]
    if any(ord(ch) < 32 for ch in ref):
        return [FieldViolation(ref_field, "contains control characters")]
    if kind is SourceKind.URL:
        parts = urlsplit(ref)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return [FieldViolation(ref_field, "must be an http:// or https:// URL")]
    if kind is SourceKind.LISTENBRAINZ_PLAYLIST and not _UUID.search(ref):
        return [
            FieldViolation(
                ref_field, "must be a playlist MBID (a UUID) or its listenbrainz.org link"
            )
        ]
    if kind is SourceKind.SPOTIFY_PLAYLIST and not _SPOTIFY.fullmatch(ref.strip()):
        return [
            FieldViolation(
                ref_field,
                "must be a Spotify playlist id, spotify:playlist:<id> or an open.spotify.com link",
            )
        ]
    try:
        if kind is SourceKind.DEEZER_PLAYLIST:
            deezer_playlist_id(ref)
        elif kind is SourceKind.SERVER_PLAYLIST:
            server_playlist_ref(ref)
    except ValueError as exc:
        return [FieldViolation(ref_field, str(exc))]
    return []


def source_server(command: Command) -> str:
    """The server a command reads its playlist from ("" when its source is no server)."""
    if command.source_kind is not SourceKind.SERVER_PLAYLIST:
        return ""
    try:
        return server_playlist_ref(command.source_ref).server
    except ValueError:
        return ""


def unknown_source_server(
    kind: SourceKind | None, ref: str, servers: Mapping[str, ServerKind], field: str
) -> list[FieldViolation]:
    """A server playlist source on a server that does not exist, or of another kind than
    its reference says (``servers``: every server's kind, the built-in ones included)."""
    if kind is not SourceKind.SERVER_PLAYLIST:
        return []
    try:
        source = server_playlist_ref(ref)
    except ValueError:
        return []  # check_source names it
    found = servers.get(source.server)
    if found is None:
        text = f"no server named {source.server!r}; add it with CreateServer (cmdarr server add)"
        return [FieldViolation(f"{field}.source.ref", text)]
    if found.value != source.kind:
        text = f"server {source.server!r} is a {found.value} server, not {source.kind}"
        return [FieldViolation(f"{field}.source.ref", text)]
    return []


def check_title(title: str, field: str) -> list[FieldViolation]:
    if len(title) > MAX_TITLE_CHARS:
        return [
            FieldViolation(field, f"is {len(title)} characters long; at most {MAX_TITLE_CHARS}")
        ]
    if any(ord(ch) < 32 for ch in title):
        return [FieldViolation(field, "contains control characters")]
    return []


def check_kind(kind: CommandKind | None, field: str) -> list[FieldViolation]:
    if kind is not CommandKind.PLAYLIST_SYNC:
        return [FieldViolation(field, "only playlist_sync commands can be created")]
    return []


class SettingChangeLike(Protocol):
    """A setting change as UpdateSettings takes it (config_svc/core.py SettingChange)."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def reset(self) -> bool: ...


def check_setting_changes(
    changes: Sequence[SettingChangeLike], registry: Registry, pinned: Container[str]
) -> None:
    """Every change names a known setting once, with a value it takes; none of them is
    pinned by the environment (InvalidArgument, else SettingPinnedByEnv)."""
    problems: list[FieldViolation] = []
    if not changes:
        problems.append(FieldViolation("changes", "at least one change is required"))
    seen: set[str] = set()
    for i, change in enumerate(changes):
        if change.key not in registry:
            shown = change.key if len(change.key) <= 64 else change.key[:64] + "..."
            problems.append(FieldViolation(f"changes[{i}].key", f"unknown setting {shown!r}"))
            continue
        if change.key in seen:
            problems.append(
                FieldViolation(f"changes[{i}].key", f"{change.key} is changed more than once")
            )
        seen.add(change.key)
        if not change.reset:
            try:
                registry[change.key].canonical(change.value)
            except ValueError as exc:
                problems.append(FieldViolation(f"changes[{i}].value", f"{change.key} {exc}"))
    check(problems)
    pinned_keys = sorted({c.key for c in changes if c.key in pinned})
    if pinned_keys:
        raise SettingPinnedByEnv(pinned_keys)
