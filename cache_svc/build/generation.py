"""One build of one server's index: list (or refresh) every chosen library, check the
result, index it. Nothing here is stored or served: the caller writes the index's image as a
new generation and activates it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.costs import CostMeter, StepCost
from cache_svc.refresh import nothing_gone, refresh_plan
from common.matching import LibraryTrack, TrackIndex
from common.matching.refresh import refreshed
from common.targets import ChangeSet, LibraryReader, TargetLibrary
from common.targets.listing import first_error

_log = logging.getLogger("cache_svc.build")

# Changes made while a build runs must be seen by the next incremental refresh.
REFRESH_OVERLAP_SECONDS = 300
MEMORY_SAMPLE = 2000


class BuildFailed(Exception):
    """A build could not complete; the message says why, for status and logs."""


def pages_for(total: int, page_size: int) -> int:
    """Pages a listing of ``total`` items takes when the server serves ``page_size`` a
    page (the first page's size: later pages follow it); at least the first page."""
    return max(1, -(-total // page_size)) if page_size > 0 else 1


@dataclass(frozen=True)
class Built:
    index: TrackIndex
    libraries: tuple[str, ...]
    changes_since: int
    timings: dict[str, float]
    costs: tuple[StepCost, ...] = ()


class MemoryEstimate:
    """Refuses a library whose index would not fit the memory limit, estimated from the
    first tracks seen, before the whole index is built."""

    def __init__(self, limit_bytes: int) -> None:
        self._limit = limit_bytes
        self._per_track = 0

    def check(self, total_tracks: int, sample: Sequence[LibraryTrack]) -> None:
        if not self._per_track and sample:
            part = sample[:MEMORY_SAMPLE]
            self._per_track = max(1, TrackIndex(part).memory_bytes() // len(part))
        needed = self._per_track * total_tracks
        if needed > self._limit:
            raise BuildFailed(refusal(total_tracks, needed, self._limit))


def refusal(total_tracks: int, needed_bytes: int, limit_bytes: int) -> str:
    """Why a library is refused: its size, the memory its index would need (and per
    100,000 tracks, the figure an operator plans with), the limit and the value that fits."""
    mb = 2**20
    per_100k = needed_bytes * 100_000 / max(total_tracks, 1) / mb
    return (
        f"the library has {total_tracks:,} tracks, whose index needs about "
        f"{needed_bytes / mb:,.0f} MB ({per_100k:,.0f} MB per 100,000 tracks), over "
        f"LIBRARY_CACHE_MEMORY_LIMIT_MB={limit_bytes // mb}; set it to at least "
        f"{-(-needed_bytes // mb)}, or choose fewer libraries"
    )


async def build_generation(
    *,
    server: str,
    label: str,
    source: LibraryReader,
    library_names: Sequence[str],
    previous: TrackIndex | Awaitable[TrackIndex] | None,
    since: int,
    memory_limit_bytes: int,
    progress: BuildProgress,
    changed: Callable[[], None],
) -> Built:
    """Fetch, check and index a new generation. ``previous`` (with ``since``) makes it an
    incremental refresh: only changes since then are fetched, and an id sweep finds
    deletions; it may still be loading (an awaitable), and is awaited once the target has
    answered. The next refresh starts from
    ``progress.started_at``, less an overlap."""
    started = int(progress.started_at)
    clock = time.perf_counter()
    meter = CostMeter()
    async with meter.step("libraries"):
        choice = await source.music_libraries(library_names)
    if not choice.chosen:
        raise BuildFailed(f"no music library to index on {label} ({choice.describe()})")
    titles = tuple(lib.title for lib in choice.chosen)
    progress.phase = Phase.FETCHING_TRACKS
    changed()
    if previous is None:
        async with meter.step("listing"):
            built = await _full(source, choice.chosen, memory_limit_bytes, progress, changed)
    else:
        built = await _incremental(
            server, source, choice.chosen, previous, since, meter, progress, changed
        )
    index, timings = built
    timings["total_s"] = time.perf_counter() - clock
    progress.phase = Phase.ACTIVATING
    changed()
    return Built(index, titles, started - REFRESH_OVERLAP_SECONDS, timings, tuple(meter.steps))


async def _full(
    source: LibraryReader,
    libraries: Sequence[TargetLibrary],
    memory_limit_bytes: int,
    progress: BuildProgress,
    changed: Callable[[], None],
) -> tuple[TrackIndex, dict[str, float]]:
    """Every track of every library, page by page. Pages flow to an indexer that runs
    beside the listing (parsing happens off the event loop in the clients), so the network
    side never waits for it. A listing that fails later fails the build."""
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    index = TrackIndex()
    memory = MemoryEstimate(memory_limit_bytes)
    seen: set[str] = set()
    to_index: asyncio.Queue[list[LibraryTrack] | None] = asyncio.Queue()

    def arrived(batch: list[LibraryTrack]) -> None:
        fresh = [t for t in batch if t.item_id not in seen]
        if not fresh:
            return
        seen.update(t.item_id for t in fresh)
        # The totals the servers reported make the check early and exact.
        memory.check(max(len(seen), progress.tracks_total), fresh)
        to_index.put_nowait(fresh)

    async def add_to_index() -> None:
        while (batch := await to_index.get()) is not None:
            t0 = time.perf_counter()
            await asyncio.to_thread(index.add_many, batch)
            timings["index_s"] = timings.get("index_s", 0.0) + time.perf_counter() - t0

    async def fetch(library: TargetLibrary) -> None:
        served: list[int] = []  # the first page's size, which later pages follow

        def report(done: int, total: int) -> None:
            progress.library_progress(library.title, done, total)
            progress.library_pages(library.title, pages_for(total, served[0] if served else 0))
            progress.pages_done += 1
            changed()

        def page(items: Sequence[LibraryTrack]) -> None:
            if not served:
                served.append(len(items))
            arrived(list(items))

        await source.list_indexed(library, library.title, on_progress=report, on_items=page)

    async def fetch_all() -> None:
        # Every library at once; the client caps the requests in flight.
        await asyncio.gather(*(fetch(library) for library in libraries))
        timings["fetch_s"] = time.perf_counter() - clock
        progress.phase = Phase.INDEXING
        changed()
        to_index.put_nowait(None)

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(add_to_index())
            group.create_task(fetch_all())
    except BaseExceptionGroup as failed:
        raise first_error(failed) from None
    timings["tail_s"] = time.perf_counter() - clock - timings["fetch_s"]
    return index, timings


async def _incremental(
    server: str,
    source: LibraryReader,
    libraries: Sequence[TargetLibrary],
    loading: TrackIndex | Awaitable[TrackIndex],
    since: int,
    meter: CostMeter,
    progress: BuildProgress,
    changed: Callable[[], None],
) -> tuple[TrackIndex, dict[str, float]]:
    """The changes since ``since`` (delta listings) and each library's track count; an id
    sweep of the libraries whose count does not rule out a deletion (refresh.py
    ``nothing_gone``). The new generation is the previous one's tracks, less what is gone
    or changed, plus the changed tracks. The kept tracks are copied from the previous
    index with what was derived from them, so only the changed ones are normalized again."""
    timings: dict[str, float] = {}
    chosen = {lib.title for lib in libraries}

    async def delta() -> list[ChangeSet]:
        async with meter.step("delta"):
            return await asyncio.gather(*(source.changes_since(lib, since) for lib in libraries))

    async def totals_of() -> list[int]:
        async with meter.step("count"):
            return await asyncio.gather(*(source.track_total(lib) for lib in libraries))

    # Both at once, then the sweep where it is needed: what any of them misses of a change
    # made meanwhile, the next refresh (which starts before this one,
    # REFRESH_OVERLAP_SECONDS) finds.
    deltas, totals = await asyncio.gather(delta(), totals_of())
    fetched = {
        t.item_id: t.indexed(lib.title)
        for lib, delta in zip(libraries, deltas, strict=True)
        for t in delta.changed
    }
    previous = loading if isinstance(loading, TrackIndex) else await loading
    wanted = {i for i, name in enumerate(previous.library_names.values) if name in chosen}
    kept = [p for p in range(len(previous)) if previous.libraries[p] in wanted]
    ids = {p: previous.item_ids.get(p) for p in kept}
    known_in: dict[str, set[str]] = {lib.title: set() for lib in libraries}
    for p, item_id in ids.items():
        known_in[previous.library_names.values[previous.libraries[p]]].add(item_id)
    present: set[str] = set()
    to_sweep = []
    for lib, change, total in zip(libraries, deltas, totals, strict=True):
        listed = {t.item_id for t in change.changed}
        if nothing_gone(total=total, known=known_in[lib.title], fetched=listed):
            present |= known_in[lib.title]
            present |= listed
        else:
            to_sweep.append(lib)
    if to_sweep:
        async with meter.step("sweep"):
            present = present.union(
                *await asyncio.gather(*(source.track_ids(lib) for lib in to_sweep))
            )
    plan = refresh_plan(known=set(ids.values()), fetched=set(fetched), present=present)
    if plan.unknown:
        # Added after the delta listing ran (the next refresh, starting before this one,
        # fetches them), or missed by a server's filter: a full build picks them up.
        _log.warning(
            "refresh: tracks present but not in the change listing",
            extra={"fields": {"server": server, "tracks": len(plan.unknown)}},
        )
    keep = [p for p in kept if ids[p] not in plan.replaced]
    added = [fetched[i] for i in sorted(plan.written)]
    counts = Counter(previous.library_names.values[previous.libraries[p]] for p in keep)
    counts.update(t.library for t in added)
    for lib in libraries:
        count = counts[lib.title]
        progress.library_progress(lib.title, count, count)
        progress.library_pages(lib.title, 1)
    progress.pages_done = len(libraries)
    progress.phase = Phase.INDEXING
    changed()
    t0 = time.perf_counter()
    index = await asyncio.to_thread(refreshed, previous, keep, added)
    timings["index_s"] = time.perf_counter() - t0
    return index, timings
