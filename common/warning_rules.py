"""The warning rules: one pure function of the configuration and the caches' health.

config_svc uses it without cache health (CreateCommand, ListWarnings); the gateway adds
what cache_svc reports (a failed or stale cache, a build in progress).

Every rule about a cache applies to every server: the built-in ``plex`` and ``jellyfin``
(their settings; the wording users know, and ``target`` set) and the servers created with
CreateServer (named in the wording: "Plex server 'cabin'"). A sync concerns every server
it writes to (its destinations' servers, users or not).
"""

from __future__ import annotations

from collections.abc import Iterable

from common.domain import (
    BUILDER_NAME,
    CacheHealth,
    CacheState,
    CommandKind,
    ConfigView,
    Fix,
    FixAction,
    ServerKind,
    SetupWarning,
    Severity,
    Target,
    builtin_target,
    server_label,
)

SYNC_WITHOUT_CACHE = "SYNC_WITHOUT_LIBRARY_CACHE"
SYNC_TARGET_DISABLED = "SYNC_TARGET_CLIENT_DISABLED"
CACHE_BUILDER_DISABLED = "CACHE_BUILDER_DISABLED"
CACHE_FAILED = "LIBRARY_CACHE_FAILED"
CACHE_STALE = "LIBRARY_CACHE_STALE"
CACHE_BUILDING = "LIBRARY_CACHE_BUILDING"
STALE_OVERRIDES = "MATCH_OVERRIDE_ITEM_GONE"


def seed_message(subject: Target | str) -> str:
    """The wording users know for the main warning; ``subject`` is a target, or how a
    created server is named ("Plex server 'cabin'")."""
    label = subject.label if isinstance(subject, Target) else subject
    return (
        f"Performance Warning: Playlist sync targeting {label} is enabled but library "
        "cache is disabled. This may cause slow performance and timeouts. Consider enabling "
        "library cache for better performance."
    )


def _enable_cache(server: str) -> Fix:
    return Fix(
        FixAction.ENABLE_LIBRARY_CACHE, builtin_target(server), "Enable library cache", server
    )


def _build_now(server: str) -> Fix:
    return Fix(FixAction.BUILD_CACHE_NOW, builtin_target(server), "Build now", server)


def _cache_label(server: str, kind: ServerKind) -> str:
    """ "The Plex library cache", "The library cache of Plex server 'cabin'"."""
    target = builtin_target(server)
    if target is not None:
        return f"The {target.label} library cache"
    return f"The library cache of {server_label(server, kind)}"


def compute_warnings(config: ConfigView, caches: Iterable[CacheHealth] = ()) -> list[SetupWarning]:
    """Every warning that applies, most serious first, then by code and server."""
    found: list[SetupWarning] = []
    servers = config.every_server()
    syncs = [c for c in config.commands if c.kind is CommandKind.PLAYLIST_SYNC and c.enabled]
    for server in servers:
        target = builtin_target(server.name)
        label = server_label(server.name, server.kind)
        names = tuple(sorted(c.name for c in syncs if server.name in c.servers))
        if not names:
            continue
        if not server.client_enabled:
            switch = (
                f"{target.client_enabled_key}=false" if target else "its client_enabled is false"
            )
            found.append(
                SetupWarning(
                    SYNC_TARGET_DISABLED,
                    Severity.ERROR,
                    f"Playlist sync {', '.join(names)} targets {label}, but the "
                    f"{label} client is disabled ({switch}): "
                    "those syncs will fail for this target.",
                    target,
                    names,
                    server=server.name,
                )
            )
        if not server.cache_enabled:
            found.append(
                SetupWarning(
                    SYNC_WITHOUT_CACHE,
                    Severity.WARNING,
                    seed_message(target or label),
                    target,
                    names,
                    _enable_cache(server.name),
                    server=server.name,
                )
            )

    builder = config.builder
    if builder is not None and not builder.enabled:
        for server in servers:
            if server.cache_enabled:
                found.append(
                    SetupWarning(
                        CACHE_BUILDER_DISABLED,
                        Severity.WARNING,
                        f"{_cache_label(server.name, server.kind)} is enabled but the "
                        f"{BUILDER_NAME} command is disabled: the cache will not be kept fresh.",
                        builtin_target(server.name),
                        (BUILDER_NAME,),
                        Fix(FixAction.ENABLE_CACHE_BUILDER, None, "Enable cache builder"),
                        server=server.name,
                    )
                )

    enabled = {s.name for s in servers if s.cache_enabled}
    kinds = {s.name: s.kind for s in servers}
    for cache in caches:
        name = cache.server_name
        if name not in enabled:
            continue
        target = builtin_target(name)
        kind = cache.kind or kinds[name]
        label = server_label(name, kind)
        cache_label = _cache_label(name, kind)
        if cache.stale_overrides:
            count = len(cache.stale_overrides)
            shown = "; ".join(cache.stale_overrides[:3]) + ("; ..." if count > 3 else "")
            found.append(
                SetupWarning(
                    STALE_OVERRIDES,
                    Severity.WARNING,
                    f"{count} {label} match override{'s' if count > 1 else ''} pin"
                    f"{'' if count > 1 else 's'} an item no longer in the {label} library "
                    f"({shown}): those tracks are matched by the usual rules. Delete the "
                    "override, or pin the track again.",
                    target,
                    fix=Fix(
                        FixAction.DELETE_STALE_MATCH_OVERRIDES,
                        target,
                        "Delete the stale overrides",
                        name,
                    ),
                    server=name,
                )
            )
        if cache.state is CacheState.FAILED:
            reason = f": {cache.last_error}" if cache.last_error else ""
            found.append(
                SetupWarning(
                    CACHE_FAILED,
                    Severity.ERROR,
                    f"{cache_label} failed to build{reason}. Syncs will search "
                    f"{label} live until it is rebuilt.",
                    target,
                    fix=_build_now(name),
                    server=name,
                )
            )
        elif cache.state is CacheState.STALE:
            found.append(
                SetupWarning(
                    CACHE_STALE,
                    Severity.WARNING,
                    f"{cache_label} is out of date: recently added tracks may not be matched.",
                    target,
                    fix=_build_now(name),
                    server=name,
                )
            )
        elif cache.state is CacheState.BUILDING:
            progress = (
                f" ({cache.tracks_done:,}/{cache.tracks_total:,} tracks)"
                if cache.tracks_total
                else ""
            )
            subject = f"{label} library cache" if target else f"the library cache of {label}"
            found.append(
                SetupWarning(
                    CACHE_BUILDING,
                    Severity.INFO,
                    f"Building {subject}{progress}: syncs to {label} will wait for it.",
                    target,
                    server=name,
                )
            )
    # The built-in servers' warnings by target as always, then the created servers' by name.
    return sorted(
        found,
        key=lambda w: (
            -w.severity,
            w.code,
            w.target is None and bool(w.server),
            w.target.value if w.target else "",
            w.server,
        ),
    )
