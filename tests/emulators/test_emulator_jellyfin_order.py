"""The emulated Jellyfin's listing order, read from the columns, is the order of the real
server's keys worked out track by track (SortName as "disc - track - name", text keys
folded), ties included."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from emulators.http import fold
from emulators.jellyfin_order import audio_sort_name, column_keys, order_terms
from emulators.library import Section, Track, generate
from emulators.lookup import Flat

_TEXT = {"name": "title", "album": "album", "albumartist": "album_artist"}
_NUMBER = {"datecreated": "added_at", "productionyear": "year", "indexnumber": "track_no"}


def _key(track: Track, term: str) -> Any:
    if term == "sortname":
        return audio_sort_name(track)
    if term in _TEXT:
        return fold(getattr(track, _TEXT[term]))
    if term in _NUMBER:
        return getattr(track, _NUMBER[term])
    if term == "artist":
        return fold(track.artists[0]) if track.artists else ""
    return 0  # a key the emulator has no data for: a tie


def _sections(odd_numbers: bool) -> list[Section]:
    sections = [s for s in generate(seed=4, tracks=900, audiobooks=0).sections]
    if odd_numbers:  # a disc or track number past four digits: strings order it otherwise
        first = sections[0].tracks.track(0)
        sections[-1].tracks.append(replace(first, seq=10**6, disc_no=12_000))
        sections[-1].tracks.append(replace(first, seq=10**6 + 1, track_no=9_999))
    return sections


@pytest.mark.parametrize("odd_numbers", [False, True])
@pytest.mark.parametrize(
    "sort_by",
    [
        ["SortName", "Album", "DateCreated"],
        [],
        ["Album"],
        ["Artist", "Name"],
        ["DateCreated", "SortName"],
        ["PlayCount"],
    ],
)
def test_column_keys_order_as_the_keys_of_each_track(sort_by: list[str], odd_numbers: bool) -> None:
    flat = Flat(_sections(odd_numbers))
    terms = order_terms(sort_by)
    chosen = list(range(0, len(flat), 3))  # a filtered listing: every third track
    keys = column_keys(flat.sections, flat.starts, terms, chosen)
    by_columns = sorted(range(len(chosen)), key=keys.__getitem__)
    reference = [tuple(_key(flat[p][1], t) for t in terms) for p in chosen]
    by_tracks = sorted(range(len(chosen)), key=reference.__getitem__)
    assert by_columns == by_tracks
    # The same runs of equal keys: ties are shuffled within them.
    assert [keys[a] == keys[b] for a, b in pairwise(by_columns)] == [
        reference[a] == reference[b] for a, b in pairwise(by_tracks)
    ]
