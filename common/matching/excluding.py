"""Matching with some items ruled out: a user's item-level rejection.

The matcher reads an index through a handful of lookups; ``match_excluding`` hands it a
view of the index that leaves the rejected items out of each of them, so every rule
(MBID, exact, fuzzy) goes on among the other items without the matcher knowing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from common.matching.index import Entry, TrackIndex
from common.matching.matcher import match_track
from common.matching.query import LibraryTrack, Match, Query


class _Excluding:
    """The lookups ``match_track`` makes, minus the excluded item ids."""

    def __init__(self, index: TrackIndex, excluded: frozenset[str]) -> None:
        self._index = index
        self._excluded = excluded

    def __getattr__(self, name: str) -> object:
        """The columns the matcher reads by position pass through: a rejected item is
        never a candidate, so its position is never read."""
        return getattr(self._index, name)

    def _keep(self, entries: Iterable[Entry]) -> list[Entry]:
        return [e for e in entries if e.item_id not in self._excluded]

    def _keep_positions(self, positions: Iterable[int]) -> list[int]:
        ids = self._index.item_ids
        return [p for p in positions if ids.get(p) not in self._excluded]

    def by_mbid(self, mbid: str) -> list[Entry]:
        return self._keep(self._index.by_mbid(mbid))

    def exact(self, artist: str, core_key: str) -> list[Entry]:
        return self._keep(self._index.exact(artist, core_key))

    def title_candidates(self, title_tokens: set[str], limit: int) -> list[int]:
        return self._keep_positions(self._index.title_candidates(title_tokens, limit))

    def artist_candidates(self, artists: tuple[str, ...], limit: int) -> list[int]:
        return self._keep_positions(self._index.artist_candidates(artists, limit))

    def album_candidates(self, album: str, limit: int) -> list[int]:
        return self._keep_positions(self._index.album_candidates(album, limit))

    def entry(self, position: int) -> Entry:
        return self._index.entry(position)

    def track(self, position: int) -> LibraryTrack:
        return self._index.track(position)


def match_excluding(
    index: TrackIndex, query: Query, min_confidence: float, excluded: frozenset[str]
) -> Match:
    """``match_track`` with the ``excluded`` items out of reach."""
    if not excluded:
        return match_track(index, query, min_confidence)
    return match_track(cast(TrackIndex, _Excluding(index, excluded)), query, min_confidence)
