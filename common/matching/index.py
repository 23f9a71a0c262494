"""An in-memory index of library tracks: by MBID, by exact (artist, title) key, and by
title and artist tokens, so that candidates come from lookups, never from a scan."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from common.matching.model import LibraryTrack
from common.matching.normalize import (
    artist_keys,
    fold,
    is_various,
    key,
    parse_title,
    tokens,
    words,
)

MAX_POSTINGS_PER_TOKEN = 4000


@dataclass(frozen=True, slots=True)
class Entry:
    """A track with everything the matcher compares, computed once at indexing time."""

    track: LibraryTrack
    core_key: str
    core_text: str
    core_words: tuple[str, ...]
    tags: frozenset[str]
    artist_keys: tuple[str, ...]
    album_key: str


def credits_of(track: LibraryTrack) -> tuple[str, ...]:
    """Who a track is by: its track artists; the album artist only when it is not
    'Various Artists' (a compilation's track artist is what counts)."""
    names = tuple(a for a in track.artists if a.strip())
    if (
        track.album_artist
        and not is_various(track.album_artist)
        and track.album_artist not in names
    ):
        names = (*names, track.album_artist)
    return names


def make_entry(track: LibraryTrack) -> Entry:
    parsed = parse_title(track.title)
    artists = credits_of(track) + parsed.featured
    keys = artist_keys(artists)
    return Entry(
        track=track,
        core_key=key(parsed.core),
        core_text=" ".join(fold(parsed.core).split()),
        core_words=tuple(words(fold(parsed.core))),
        tags=parsed.tags,
        artist_keys=keys,
        album_key=key(track.album) if track.album else "",
    )


class TrackIndex:
    """Filled once (at construction, or by add_many while nobody reads it yet), then only
    read: safe to share between concurrent readers once published."""

    def __init__(self, tracks: Iterable[LibraryTrack] = ()) -> None:
        self._entries: list[Entry] = []
        self._by_mbid: defaultdict[str, list[int]] = defaultdict(list)
        self._exact: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        self._by_token: defaultdict[str, list[int]] = defaultdict(list)
        self._by_artist: defaultdict[str, list[int]] = defaultdict(list)
        self.add_many(tracks)

    def add_many(self, tracks: Iterable[LibraryTrack]) -> None:
        """Index more tracks (before the index is published to readers)."""
        for track in tracks:
            self._add(make_entry(track))

    def _add(self, entry: Entry) -> None:
        position = len(self._entries)
        self._entries.append(entry)
        if entry.track.mbid:
            self._by_mbid[entry.track.mbid.lower()].append(position)
        for artist in entry.artist_keys:
            self._exact[(artist, entry.core_key)].append(position)
            self._by_artist[artist].append(position)
        for token in tokens(entry.core_text or entry.track.title):
            self._by_token[token].append(position)

    def __len__(self) -> int:
        return len(self._entries)

    def by_mbid(self, mbid: str) -> list[Entry]:
        return [self._entries[i] for i in self._by_mbid.get(mbid.lower(), ())]

    def exact(self, artist: str, core_key: str) -> list[Entry]:
        return [self._entries[i] for i in self._exact.get((artist, core_key), ())]

    def title_candidates(self, title_tokens: set[str], limit: int) -> list[Entry]:
        """Tracks sharing one of the rarest title tokens, rarest postings first."""
        chosen: dict[int, None] = {}
        postings = sorted((self._by_token[t] for t in title_tokens if t in self._by_token), key=len)
        for posting in postings[:3]:
            if len(posting) > MAX_POSTINGS_PER_TOKEN and chosen:
                break
            chosen.update(dict.fromkeys(posting[:MAX_POSTINGS_PER_TOKEN]))
        return [self._entries[i] for i in list(chosen)[:limit]]

    def artist_candidates(self, artists: tuple[str, ...], limit: int) -> list[Entry]:
        """Tracks credited to one of ``artists`` (keys)."""
        chosen: dict[int, None] = {}
        for artist in artists:
            chosen.update(dict.fromkeys(self._by_artist.get(artist, ())[:limit]))
        return [self._entries[i] for i in list(chosen)[:limit]]

    def approx_bytes(self) -> int:
        """A rough size of the index in memory, for the memory limit and status."""
        per_entry = 0
        if self._entries:
            sample = self._entries[: min(200, len(self._entries))]
            per_entry = sum(
                sys.getsizeof(e.track.title)
                + sys.getsizeof(e.track.item_id)
                + sys.getsizeof(e.core_text)
                + sys.getsizeof(e.track.album)
                + sum(sys.getsizeof(a) for a in e.artist_keys)
                + 400
                for e in sample
            ) // len(sample)
        postings = sum(len(v) for v in self._by_token.values()) + sum(
            len(v) for v in self._exact.values()
        )
        return (
            per_entry * len(self._entries)
            + postings * 16
            + (len(self._by_token) + len(self._exact)) * 120
        )
