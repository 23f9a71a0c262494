"""The warning rules: one pure function of the configuration and the caches' health.

config_svc uses it without cache health (CreateCommand, ListWarnings); the gateway adds
what cache_svc reports (a failed or stale cache, a build in progress).
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
    SetupWarning,
    Severity,
    Target,
)

SYNC_WITHOUT_CACHE = "SYNC_WITHOUT_LIBRARY_CACHE"
SYNC_TARGET_DISABLED = "SYNC_TARGET_CLIENT_DISABLED"
CACHE_BUILDER_DISABLED = "CACHE_BUILDER_DISABLED"
CACHE_FAILED = "LIBRARY_CACHE_FAILED"
CACHE_STALE = "LIBRARY_CACHE_STALE"
CACHE_BUILDING = "LIBRARY_CACHE_BUILDING"
STALE_OVERRIDES = "MATCH_OVERRIDE_ITEM_GONE"


def seed_message(target: Target) -> str:
    """The wording users know for the main warning."""
    return (
        f"Performance Warning: Playlist sync targeting {target.label} is enabled but library "
        "cache is disabled. This may cause slow performance and timeouts. Consider enabling "
        "library cache for better performance."
    )


def _enable_cache(target: Target) -> Fix:
    return Fix(FixAction.ENABLE_LIBRARY_CACHE, target, "Enable library cache")


def _build_now(target: Target) -> Fix:
    return Fix(FixAction.BUILD_CACHE_NOW, target, "Build now")


def compute_warnings(config: ConfigView, caches: Iterable[CacheHealth] = ()) -> list[SetupWarning]:
    """Every warning that applies, most serious first, then by code and target."""
    found: list[SetupWarning] = []
    syncs = [c for c in config.commands if c.kind is CommandKind.PLAYLIST_SYNC and c.enabled]
    for target in Target:
        names = tuple(sorted(c.name for c in syncs if target in c.targets))
        if not names:
            continue
        if not config.flag(target.client_enabled_key):
            found.append(
                SetupWarning(
                    SYNC_TARGET_DISABLED,
                    Severity.ERROR,
                    f"Playlist sync {', '.join(names)} targets {target.label}, but the "
                    f"{target.label} client is disabled ({target.client_enabled_key}=false): "
                    "those syncs will fail for this target.",
                    target,
                    names,
                )
            )
        if not config.flag(target.cache_enabled_key):
            found.append(
                SetupWarning(
                    SYNC_WITHOUT_CACHE,
                    Severity.WARNING,
                    seed_message(target),
                    target,
                    names,
                    _enable_cache(target),
                )
            )

    builder = config.builder
    if builder is not None and not builder.enabled:
        for target in Target:
            if config.flag(target.cache_enabled_key):
                found.append(
                    SetupWarning(
                        CACHE_BUILDER_DISABLED,
                        Severity.WARNING,
                        f"The {target.label} library cache is enabled but the {BUILDER_NAME} "
                        "command is disabled: the cache will not be kept fresh.",
                        target,
                        (BUILDER_NAME,),
                        Fix(FixAction.ENABLE_CACHE_BUILDER, None, "Enable cache builder"),
                    )
                )

    for cache in caches:
        if not config.flag(cache.target.cache_enabled_key):
            continue
        label = cache.target.label
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
                    cache.target,
                    fix=Fix(
                        FixAction.DELETE_STALE_MATCH_OVERRIDES,
                        cache.target,
                        "Delete the stale overrides",
                    ),
                )
            )
        if cache.state is CacheState.FAILED:
            reason = f": {cache.last_error}" if cache.last_error else ""
            found.append(
                SetupWarning(
                    CACHE_FAILED,
                    Severity.ERROR,
                    f"The {label} library cache failed to build{reason}. Syncs will search "
                    f"{label} live until it is rebuilt.",
                    cache.target,
                    fix=_build_now(cache.target),
                )
            )
        elif cache.state is CacheState.STALE:
            found.append(
                SetupWarning(
                    CACHE_STALE,
                    Severity.WARNING,
                    f"The {label} library cache is out of date: recently added tracks may "
                    "not be matched.",
                    cache.target,
                    fix=_build_now(cache.target),
                )
            )
        elif cache.state is CacheState.BUILDING:
            progress = (
                f" ({cache.tracks_done:,}/{cache.tracks_total:,} tracks)"
                if cache.tracks_total
                else ""
            )
            found.append(
                SetupWarning(
                    CACHE_BUILDING,
                    Severity.INFO,
                    f"Building {label} library cache{progress}: syncs to {label} will wait for it.",
                    cache.target,
                )
            )
    return sorted(
        found,
        key=lambda w: (-w.severity, w.code, w.target.value if w.target else ""),
    )
