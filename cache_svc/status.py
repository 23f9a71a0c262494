"""A server cache's status as callers see it, derived from the manager's state."""

from __future__ import annotations

from dataclasses import dataclass

from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.costs import StepCost
from common.domain import CacheState, ServerKind, Target
from common.matching.overrides import MatchOverride


@dataclass(frozen=True)
class CacheStatus:
    server: str
    kind: ServerKind
    target: Target | None  # the seed target a built-in server stands for; None otherwise
    state: CacheState
    track_count: int = 0
    library_names: tuple[str, ...] = ()
    built_at: int = 0
    generation: int = 0
    last_error: str = ""
    memory_bytes: int = 0
    applied_config_revision: int = 0
    build_costs: tuple[StepCost, ...] = ()  # what each step of the last good build cost
    stale_overrides: tuple[MatchOverride, ...] = ()  # pins whose item the cache lacks
    # During a build:
    full_build: bool = False
    phase: Phase | None = None
    pages_done: int = 0
    pages_total: int = 0
    tracks_done: int = 0
    tracks_total: int = 0
    eta_seconds: float = 0.0
    build_started_at: float = 0.0


def derive_state(
    *,
    active: bool,
    building: bool,
    has_index: bool,
    failed: bool,
    built_at: int,
    refresh_hours: int,
    now: float,
) -> CacheState:
    """DISABLED, BUILDING, FAILED (the last build failed; an older generation may still
    answer), STALE (older than the refresh interval), READY, or EMPTY."""
    if not active:
        return CacheState.DISABLED
    if building:
        return CacheState.BUILDING
    if failed:
        return CacheState.FAILED
    if not has_index:
        return CacheState.EMPTY
    if now - built_at > refresh_hours * 3600:
        return CacheState.STALE
    return CacheState.READY


def progress_fields(progress: BuildProgress | None, now: float) -> dict[str, object]:
    if progress is None:
        return {}
    return {
        "full_build": progress.full,
        "phase": progress.phase,
        "pages_done": progress.pages_done,
        "pages_total": progress.pages_total,
        "tracks_done": progress.tracks_done,
        "tracks_total": progress.tracks_total,
        "eta_seconds": progress.eta_seconds(now),
        "build_started_at": progress.started_at,
    }
