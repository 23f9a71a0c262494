"""One build of one target's index: list (or refresh) every chosen library, check the
result, write it as a new generation. Nothing here is served until the caller activates it."""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cache_svc.source import LibrarySource, to_library_track
from cache_svc.store import CacheStore
from common.matching import LibraryTrack, TrackIndex
from common.model import Target

# Changes made while a build runs must be seen by the next incremental refresh.
REFRESH_OVERLAP_SECONDS = 300
MEMORY_SAMPLE = 2000


class Phase(enum.Enum):
    LISTING_LIBRARIES = "listing_libraries"
    FETCHING_TRACKS = "fetching_tracks"
    INDEXING = "indexing"
    ACTIVATING = "activating"


class BuildFailed(Exception):
    """A build could not complete; the message says why, for status and logs."""


@dataclass
class Progress:
    """A running build's progress, updated in place and read by status watchers."""

    full: bool
    started_at: float = field(default_factory=time.time)
    phase: Phase = Phase.LISTING_LIBRARIES
    pages_done: int = 0
    pages_total: int = 0
    tracks_done: int = 0
    tracks_total: int = 0
    _per_library: dict[str, tuple[int, int]] = field(default_factory=dict)

    def library_progress(self, library: str, done: int, total: int) -> None:
        self._per_library[library] = (done, total)
        self.tracks_done = sum(d for d, _ in self._per_library.values())
        self.tracks_total = sum(t for _, t in self._per_library.values())

    def eta_seconds(self, now: float) -> float:
        """Seconds left at the rate so far; 0 when unknown."""
        elapsed = now - self.started_at
        if self.tracks_done <= 0 or self.tracks_total <= self.tracks_done or elapsed <= 0:
            return 0.0
        return (self.tracks_total - self.tracks_done) * elapsed / self.tracks_done


@dataclass(frozen=True)
class Built:
    tracks: Sequence[LibraryTrack]
    index: TrackIndex
    libraries: tuple[str, ...]
    changes_since: int


def check_memory(tracks: Sequence[LibraryTrack], limit_bytes: int) -> None:
    """Refuse a library whose index would not fit the memory limit, estimated from a sample
    before the whole index is built."""
    sample = TrackIndex(tracks[:MEMORY_SAMPLE])
    if not tracks:
        return
    needed = sample.approx_bytes() * len(tracks) // max(1, min(len(tracks), MEMORY_SAMPLE))
    if needed > limit_bytes:
        raise BuildFailed(
            f"the library has {len(tracks):,} tracks, whose index needs about "
            f"{needed / 2**20:,.0f} MB, over LIBRARY_CACHE_MEMORY_LIMIT_MB="
            f"{limit_bytes // 2**20}; raise the limit or choose fewer libraries"
        )


async def build_generation(
    *,
    target: Target,
    source: LibrarySource,
    store: CacheStore,
    generation: int,
    library_names: Sequence[str],
    previous: Sequence[LibraryTrack] | None,
    since: int,
    memory_limit_bytes: int,
    progress: Progress,
    changed: Callable[[], None],
) -> Built:
    """Fetch, check and write a new generation. ``previous`` (with ``since``) makes it an
    incremental refresh: only changes since then are fetched, plus deletions."""
    started = int(time.time())
    choice = await source.music_libraries(library_names)
    if not choice.chosen:
        raise BuildFailed(f"no music library to index on {target.label} ({choice.describe()})")
    titles = tuple(lib.title for lib in choice.chosen)
    progress.phase = Phase.FETCHING_TRACKS
    changed()

    tracks: dict[str, LibraryTrack] = {}
    for library in choice.chosen:
        if previous is None:

            def report(done: int, total: int, name: str = library.title) -> None:
                progress.library_progress(name, done, total)
                progress.pages_done += 1
                changed()

            listed = await source.list_tracks(library, on_progress=report)
            for item in listed:
                tracks[item.item_id] = to_library_track(item, library.title)
        else:
            known = {t.item_id: t for t in previous if t.library == library.title}
            delta = await source.changes_since(library, since, known_ids=set(known))
            for gone in delta.deleted_ids:
                known.pop(gone, None)
            for item in delta.changed:
                known[item.item_id] = to_library_track(item, library.title)
            tracks.update(known)
            progress.library_progress(library.title, len(known), len(known))
            progress.pages_done += 1
            changed()

    rows = list(tracks.values())
    check_memory(rows, memory_limit_bytes)
    progress.phase = Phase.INDEXING
    changed()
    await store.write_tracks(target, generation, rows)
    index = await asyncio.to_thread(TrackIndex, rows)
    progress.phase = Phase.ACTIVATING
    changed()
    return Built(rows, index, titles, started - REFRESH_OVERLAP_SECONDS)
