"""Noticing deleted tracks: neither server reports deletions, so an id sweep (ids only, in
the largest pages the server serves) is compared with the ids known. Sets are compared,
never counts: a deletion balanced by an addition leaves the total unchanged."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from common.targets.model import TargetLibrary, TargetTrack
from common.targets.paging import missing_ids


class _Sweeps(Protocol):
    async def track_ids(self, library: TargetLibrary) -> set[str]: ...


async def sweep_deletions(
    client: _Sweeps, library: TargetLibrary, known_ids: Collection[str] | None
) -> frozenset[str]:
    """The ids of ``known_ids`` no longer in the library (none asked: no request)."""
    if not known_ids:
        return frozenset()
    return missing_ids(known_ids, await client.track_ids(library))


def fresh_since(tracks: Iterable[TargetTrack], since: int) -> tuple[TargetTrack, ...]:
    """The tracks added or updated at or after ``since``: a delta listing's answer checked
    again here, so a server that ignores the filter costs time, never correctness."""
    return tuple(t for t in tracks if t.updated_at >= since or t.added_at >= since)
