"""An incremental refresh copies the kept tracks' columns and postings instead of deriving
them again, and must read exactly like an index built from scratch on the same tracks."""

from __future__ import annotations

import random
from array import array

from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.matching.columns import PostingTable, StringColumn
from common.matching.image import decode, encode
from common.matching.normalize import tokens
from common.matching.refresh import refreshed, runs
from tests.support.library_fakes import make_tracks


def _tracks() -> list[LibraryTrack]:
    tracks = make_tracks("Music", 400) + make_tracks("More", 150)
    return [
        *tracks,
        LibraryTrack("cjk", "Music", "夜に駆ける", ("YOASOBI",), "", "THE BOOK", 261000),
    ]


def _same(a: TrackIndex, b: TrackIndex) -> None:
    assert len(a) == len(b)
    for name, value in vars(b).items():  # every column and array is filled, none forgotten
        if isinstance(value, StringColumn | array | list):
            assert len(getattr(a, name)) == len(value), name
        if isinstance(value, PostingTable):
            assert getattr(a, name).parts() == value.parts(), name
            assert getattr(a, name).grouped_parts() == value.grouped_parts(), name
    for position in range(len(b)):
        assert a.track(position) == b.track(position)
        assert a.entry(position) == b.entry(position)
        track = b.track(position)
        for token in tokens(track.title):
            assert a.title_candidates({token}, 10_000) == b.title_candidates({token}, 10_000)
        for artist in b.entry(position).artist_keys:
            assert a.artist_candidates((artist,), 10_000) == b.artist_candidates((artist,), 10_000)
            assert a.exact(artist, b.core_keys[position]) == b.exact(artist, b.core_keys[position])
        if track.mbid:
            assert a.by_mbid(track.mbid) == b.by_mbid(track.mbid)


def test_runs_group_consecutive_positions() -> None:
    assert runs([]) == []
    assert runs([0, 1, 2, 5, 7, 8]) == [(0, 3), (5, 6), (7, 9)]


def test_a_refreshed_index_reads_like_one_built_from_scratch() -> None:
    tracks = _tracks()
    previous = decode(encode(TrackIndex(tracks)))  # as a refresh finds it: loaded
    rng = random.Random(5)
    gone = set(rng.sample(range(len(tracks)), 60))
    keep = [p for p in range(len(tracks)) if p not in gone]
    added = [
        LibraryTrack(
            f"new-{n}", "Music", f"Brand New Song {n}", ("Nova & Vale",), "", "Fresh", 200_000 + n
        )
        for n in range(25)
    ]
    fresh = TrackIndex([tracks[p] for p in keep] + added)
    again = refreshed(previous, keep, added)
    _same(again, fresh)
    _same(decode(encode(again)), fresh)  # and its image stores all of it
    query = Query(
        title="Brand New Song 3", artists=("Nova & Vale",), album="Fresh", duration_ms=200_003
    )
    found = match_track(again, query, 0.8).track
    assert found is not None
    assert found.item_id == "new-3"


def test_a_refresh_that_keeps_nothing_or_adds_nothing() -> None:
    tracks = _tracks()
    previous = TrackIndex(tracks)
    _same(refreshed(previous, [], tracks[:10]), TrackIndex(tracks[:10]))
    _same(refreshed(previous, list(range(len(tracks))), []), TrackIndex(tracks))
