"""Which replica builds what, and what every replica shows: pure decisions over the shared
target row and lease row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shared:
    """What the shared database says about one target's build."""

    wanted: str  # "", "build" or "full": a build asked for and not finished
    holder: str  # the lease holder's replica id, "" when free
    live: bool  # the lease is held and not expired (by the database's clock)


def should_claim(shared: Shared, *, active: bool, building_here: bool, me: str) -> bool:
    """Try to take the lease and build: the cache is active, a build is wanted, none runs
    here, and the lease is free, lapsed (its holder stopped renewing) or already ours."""
    if not active or not shared.wanted or building_here:
        return False
    return not shared.live or shared.holder == me


def full_build(wanted: str, *, has_index: bool) -> bool:
    """A full listing when asked for, or when there is no generation to refresh (none, or
    one of an older index format)."""
    return wanted == "full" or not has_index


def building(shared: Shared, *, building_here: bool, me: str) -> bool:
    """BUILDING on every replica alike: a build runs here, another replica holds the lease,
    or a build is asked for and about to be claimed."""
    return building_here or bool(shared.wanted) or (shared.live and shared.holder != me)
