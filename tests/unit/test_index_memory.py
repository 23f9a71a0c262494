"""The index's own account of its size agrees with what building it costs the process."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.matching.image import FORMAT_VERSION, ImageError, decode, encode, image_version
from common.matching.normalize import artist_keys, parse_title

# Enough that the index's fixed part is small beside its per-track part (10% of it).
TRACKS = 10_000


def _library(count: int) -> list[LibraryTrack]:
    return [
        LibraryTrack(
            item_id=f"item-{i:07d}",
            library=("Music", "Lossless")[i % 2],
            title=f"Song number {i} (Live)" if i % 17 == 0 else f"Song number {i}",
            artists=(f"Artist {i % 997}", f"Guest {i % 31}")
            if i % 5 == 0
            else (f"Artist {i % 997}",),
            album_artist=f"Artist {i % 997}",
            album=f"Album {i % 4001}",
            duration_ms=180_000 + i,
            mbid=f"{i:08x}-0000-0000-0000-000000000000" if i % 3 == 0 else "",
            updated_at=1_700_000_000 + i,
        )
        for i in range(count)
    ]


def test_memory_bytes_matches_the_measured_growth_of_the_process() -> None:
    tracks = _library(TRACKS)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = TrackIndex(tracks)
        # The normalization caches are bounded and shared by every index: not the index's.
        parse_title.cache_clear()
        artist_keys.cache_clear()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    reported = index.memory_bytes()
    assert len(index) == TRACKS
    assert 0.5 * grown <= reported <= 2 * grown, (reported, grown)
    assert reported <= 400 * TRACKS  # columnar: a few hundred bytes a track


def test_the_view_gives_back_every_track_as_indexed() -> None:
    tracks = _library(2_000)
    index = TrackIndex(tracks)
    assert list(index.tracks()) == tracks
    assert index.tracks()[-1] == tracks[-1]
    assert index.tracks()[10:12] == tracks[10:12]


def test_an_image_loads_back_the_same_index_and_refuses_a_damaged_one() -> None:
    tracks = _library(3_000)
    index = TrackIndex(tracks)
    image = encode(index)
    back = decode(image)
    assert list(back.tracks()) == tracks
    assert back.memory_bytes() > 0
    queries = [Query(t.title, t.artists, duration_ms=t.duration_ms) for t in tracks[::97]]
    assert [match_track(back, q, 0.85) for q in queries] == [
        match_track(index, q, 0.85) for q in queries
    ]
    assert image_version(image) == FORMAT_VERSION
    with pytest.raises(ImageError, match="truncated"):
        decode(image[:-10])
    with pytest.raises(ImageError, match="index format 0"):
        decode(b"not an index image")
