"""A build's progress counts pages against a total taken from the listings themselves."""

from __future__ import annotations

from typing import Any

from cache_svc.build.generation import build_generation, pages_for
from cache_svc.build.progress import BuildProgress
from common.matching import TrackIndex
from tests.support.library_fakes import FakeLibrary, make_tracks


async def _build(
    library: FakeLibrary, progress: BuildProgress, **changes: Any
) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    await build_generation(
        server="plex",
        label="Plex",
        source=library.source(),
        library_names=(),
        previous=changes.get("previous"),
        since=0,
        memory_limit_bytes=2**30,
        progress=progress,
        changed=lambda: seen.append((progress.pages_done, progress.pages_total)),
    )
    return seen


def test_pages_follow_the_first_page_size() -> None:
    assert pages_for(0, 100) == 1  # an empty listing still takes its first page
    assert pages_for(100, 100) == 1
    assert pages_for(101, 100) == 2
    assert pages_for(5, 0) == 1  # a first page that was empty: nothing more to fetch


async def test_a_full_build_reports_every_page_against_the_listing_totals() -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 250), "More": make_tracks("More", 100)})
    progress = BuildProgress(full=True, started_at=0.0)
    seen = await _build(library, progress)
    assert (progress.pages_done, progress.pages_total) == (4, 4)  # 3 pages of Music, 1 of More
    counted = [(done, total) for done, total in seen if done]
    assert counted
    assert all(0 < done <= total for done, total in counted)


async def test_an_incremental_refresh_counts_one_page_per_library() -> None:
    tracks = make_tracks("Music", 250)
    library = FakeLibrary({"Music": tracks})
    progress = BuildProgress(full=False, started_at=0.0)
    await _build(library, progress, previous=TrackIndex(tracks))
    assert (progress.pages_done, progress.pages_total) == (1, 1)
