"""Noticing deleted tracks: neither server reports deletions, so an id sweep (ids only, in
the largest pages the server serves) is compared with the ids known. Sets are compared,
never counts: a deletion balanced by an addition leaves the total unchanged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Protocol

from common.targets.errors import TargetTimeout
from common.targets.items import TargetLibrary, TargetTrack
from common.targets.listing import Fetch, list_all
from common.targets.paging import missing_ids

_log = logging.getLogger("common.targets.sweep")

# The pages of an id sweep, their timeouts retried or not.
SweepPages = Callable[[bool], Awaitable[Fetch[str]]]


class _Sweeps(Protocol):
    async def track_ids(self, library: TargetLibrary) -> set[str]: ...


async def swept_ids(pages: SweepPages, *, large: int, small: int, what: str) -> set[str]:
    """The ids of a library, swept in ``large`` pages. A server builds every item it sends,
    so a large page can outlast the request timeout on a small machine: then the sweep
    starts again in the listing's ``small`` pages, which every build uses, and the large
    page is not sent again (a timeout there is final at once)."""

    async def sweep(page_size: int, retry_timeouts: bool) -> set[str]:
        fetch = await pages(retry_timeouts)
        return set(await list_all(fetch, what=what, page_size=page_size, key=str))

    if large <= small:
        return await sweep(small, True)
    try:
        return await sweep(large, False)
    except TargetTimeout:
        _log.warning(
            "id sweep: a page timed out; sweeping in smaller pages",
            extra={"fields": {"library": what, "page_size": large, "smaller": small}},
        )
        return await sweep(small, True)


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
