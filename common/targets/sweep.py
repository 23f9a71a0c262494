"""Noticing deleted tracks cheaply: neither server reports deletions, and a full id sweep
costs as many requests as a full listing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from common.targets.model import TargetLibrary, TargetTrack
from common.targets.paging import missing_ids


class _Counts(Protocol):
    async def track_total(self, library: TargetLibrary) -> int: ...

    async def track_ids(self, library: TargetLibrary) -> set[str]: ...


async def sweep_if_needed(
    client: _Counts,
    library: TargetLibrary,
    known_ids: Collection[str] | None,
    changed: Sequence[TargetTrack],
) -> frozenset[str]:
    """The ids deleted since ``known_ids`` were listed. When the library's total (one small
    request) equals the known ids plus the changed ones, nothing was deleted; otherwise an
    id sweep finds what is gone."""
    if not known_ids:
        return frozenset()
    expected = len(set(known_ids) | {t.item_id for t in changed})
    if await client.track_total(library) == expected:
        return frozenset()
    return missing_ids(known_ids, await client.track_ids(library))
