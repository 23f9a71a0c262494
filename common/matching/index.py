"""An in-memory index of library tracks: by MBID, by exact (artist, title) key, and by
title and artist tokens, so that candidates come from lookups, never from a scan.

The index is columnar: one position per track, its strings in UTF-8 buffers, its numbers
and the ids of its interned values (album keys, artist keys, version tags) in typed
arrays, its postings in sorted integer arrays (common/matching/columns.py). Only the core
title keys, which every query ranks by the thousand, are kept as Python strings. The
matcher reads a track through ``entry`` (what it compares) and ``track`` (what it
returns); nothing is materialized per track otherwise.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from common.matching.columns import PostingTable, StringColumn, array_bytes, stable_hash
from common.matching.model import LibraryTrack
from common.matching.normalize import (
    album_key,
    artist_keys,
    fold,
    is_various,
    key,
    parse_title,
    roman_key,
    tokens,
    words,
)
from common.matching.romanize import roman

MAX_POSTINGS_PER_TOKEN = 4000
_ARTIST_SEP = "\x1f"  # between the artists of a track in their column
_MBID_SEP = ","  # between the artist MBIDs of a track in their column
_NO_MBIDS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Entry:
    """What the matcher compares of one indexed track, read from the columns on demand."""

    position: int
    item_id: str
    duration_ms: int
    core_key: str
    core_words: tuple[str, ...]
    tags: frozenset[str]
    artist_keys: tuple[str, ...]
    album_key: str
    roman_core_key: str  # the core key romanized; the same string when it is Latin
    artist_mbids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Derived:
    """Everything the matcher compares of a track, computed once at indexing time."""

    core_key: str
    core_text: str
    core_words: tuple[str, ...]
    tags: frozenset[str]
    artist_keys: tuple[str, ...]
    album_key: str
    roman_core_key: str


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


def derive(track: LibraryTrack) -> Derived:
    parsed = parse_title(track.title)
    artists = credits_of(track) + parsed.featured
    folded = fold(parsed.core)
    core_key = key(parsed.core)
    return Derived(
        core_key=core_key,
        core_text=" ".join(folded.split()),
        core_words=tuple(words(folded)),
        tags=parsed.tags,
        artist_keys=artist_keys(artists),
        album_key=album_key(track.album) if track.album else "",
        roman_core_key=roman_key(core_key),
    )


def exact_hash(artist: str, core_key: str) -> int:
    return stable_hash(f"{artist}\x00{core_key}")


def _encode_artists(artists: tuple[str, ...]) -> str:
    return "".join(_ARTIST_SEP + a for a in artists)


def _decode_artists(text: str) -> tuple[str, ...]:
    return tuple(text[1:].split(_ARTIST_SEP)) if text else ()


class Interned:
    """Distinct strings, each stored once, named by a small integer id."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        self._ids: dict[str, int] = {}
        for value in values:
            self.id_of(value)

    def id_of(self, value: str) -> int:
        found = self._ids.get(value)
        if found is None:
            found = self._ids[value] = len(self.values)
            self.values.append(value)
        return found

    def memory_bytes(self) -> int:
        return (
            sys.getsizeof(self.values)
            + sys.getsizeof(self._ids)
            + sum(sys.getsizeof(v) for v in self.values)
        )


class TrackIndex:
    """Filled once (at construction, or by add_many while nobody reads it yet, then
    ``seal``), then only read: safe to share between concurrent readers once published."""

    def __init__(self, tracks: Iterable[LibraryTrack] = ()) -> None:
        # One entry per track, by position.
        self.item_ids = StringColumn()
        self.titles = StringColumn()
        self.artists = StringColumn()
        self.album_artists = StringColumn()
        self.albums = StringColumn()
        self.mbids = StringColumn()
        self.artist_mbids = StringColumn()  # lower case, comma-separated
        self.core_words = StringColumn()  # the words, space-separated
        self.core_keys: list[str] = []
        # The core keys romanized: the same string objects where they are Latin.
        self.roman_core_keys: list[str] = []
        self.libraries: array[int] = array("H")  # -> library_names
        self.durations: array[int] = array("q")
        self.updated: array[int] = array("q")
        self.tag_ids: array[int] = array("H")  # -> tag_sets
        self.album_key_ids: array[int] = array("I")  # -> album_keys
        self.artist_starts: array[int] = array("I", [0])  # slices of artist_ids
        self.artist_ids: array[int] = array("I")  # -> artist_names
        # Interned values.
        self.library_names = Interned()
        self.tag_sets = Interned()  # sorted, comma-separated tags
        self.album_keys = Interned()
        self.artist_names = Interned()
        self._core_keys = Interned()  # shares one string among equal core keys
        # Postings.
        self.by_mbid_table = PostingTable()
        self.exact_table = PostingTable()
        self.token_table = PostingTable()
        self.artist_table = PostingTable()
        self.album_table = PostingTable()
        self._tag_cache: dict[int, frozenset[str]] = {}
        self.add_many(tracks)
        self.seal()

    # ----- filling ----------------------------------------------------------------------

    def add_many(self, tracks: Iterable[LibraryTrack]) -> None:
        """Index more tracks (before the index is published to readers)."""
        for track in tracks:
            self._add(track, derive(track))

    def _add(self, track: LibraryTrack, derived: Derived) -> None:
        position = len(self.core_keys)
        self.item_ids.append(track.item_id)
        self.titles.append(track.title)
        self.artists.append(_encode_artists(track.artists))
        self.album_artists.append(track.album_artist)
        self.albums.append(track.album)
        self.mbids.append(track.mbid)
        self.artist_mbids.append(_MBID_SEP.join(m.lower() for m in track.artist_mbids))
        self.core_words.append(" ".join(derived.core_words))
        core_key = self._core_keys.values[self._core_keys.id_of(derived.core_key)]
        self.core_keys.append(core_key)
        romanized = derived.roman_core_key != core_key
        self.roman_core_keys.append(derived.roman_core_key if romanized else core_key)
        self.libraries.append(self.library_names.id_of(track.library))
        self.durations.append(track.duration_ms)
        self.updated.append(track.updated_at)
        self.tag_ids.append(self.tag_sets.id_of(",".join(sorted(derived.tags))))
        self.album_key_ids.append(self.album_keys.id_of(derived.album_key))
        self.artist_ids.extend(self.artist_names.id_of(a) for a in derived.artist_keys)
        self.artist_starts.append(len(self.artist_ids))
        if track.mbid:
            self.by_mbid_table.add(stable_hash(track.mbid.lower()), position)
        for artist in derived.artist_keys:
            self.exact_table.add(exact_hash(artist, derived.core_key), position)
            if romanized:
                self.exact_table.add(exact_hash(artist, derived.roman_core_key), position)
            self.artist_table.add(stable_hash(artist), position)
        if derived.album_key:
            self.album_table.add(stable_hash(derived.album_key), position)
        title_tokens = tokens(derived.core_text or track.title)
        if romanized:
            title_tokens |= tokens(roman(derived.core_text))
        for token in title_tokens:
            self.token_table.add(stable_hash(token), position)

    def seal(self) -> None:
        """Done filling: sort the postings and trim what appends over-allocated."""
        for table in self._tables():
            table.seal()
        for column in self._string_columns():
            column.seal()
        for name in ("libraries", "durations", "updated", "tag_ids", "album_key_ids"):
            setattr(self, name, array(getattr(self, name).typecode, getattr(self, name)))
        self.artist_starts = array("I", self.artist_starts)
        self.artist_ids = array("I", self.artist_ids)
        self.core_keys = list(self.core_keys)
        self.roman_core_keys = list(self.roman_core_keys)
        self._core_keys = Interned()  # only needed while filling

    def _tables(self) -> tuple[PostingTable, ...]:
        return (
            self.by_mbid_table,
            self.exact_table,
            self.token_table,
            self.artist_table,
            self.album_table,
        )

    def _string_columns(self) -> tuple[StringColumn, ...]:
        return (
            self.item_ids,
            self.titles,
            self.artists,
            self.album_artists,
            self.albums,
            self.mbids,
            self.artist_mbids,
            self.core_words,
        )

    # ----- reading ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.core_keys)

    def _tags(self, tag_id: int) -> frozenset[str]:
        found = self._tag_cache.get(tag_id)
        if found is None:
            text = self.tag_sets.values[tag_id]
            found = frozenset(text.split(",")) if text else frozenset()
            self._tag_cache[tag_id] = found  # a handful of sets: a benign race
        return found

    def tags(self, position: int) -> frozenset[str]:
        return self._tags(self.tag_ids[position])

    def artist_keys_of(self, position: int) -> tuple[str, ...]:
        names = self.artist_names.values
        ids = self.artist_ids[self.artist_starts[position] : self.artist_starts[position + 1]]
        return tuple(names[i] for i in ids)

    def entry(self, position: int) -> Entry:
        words_text = self.core_words.get(position)
        return Entry(
            position=position,
            item_id=self.item_ids.get(position),
            duration_ms=self.durations[position],
            core_key=self.core_keys[position],
            core_words=tuple(words_text.split(" ")) if words_text else (),
            tags=self.tags(position),
            artist_keys=self.artist_keys_of(position),
            album_key=self.album_keys.values[self.album_key_ids[position]],
            roman_core_key=self.roman_core_keys[position],
            artist_mbids=self.artist_mbids_of(position),
        )

    def artist_mbids_of(self, position: int) -> frozenset[str]:
        text = self.artist_mbids.get(position)
        return frozenset(text.split(_MBID_SEP)) if text else _NO_MBIDS

    def track(self, position: int) -> LibraryTrack:
        return LibraryTrack(
            item_id=self.item_ids.get(position),
            library=self.library_names.values[self.libraries[position]],
            title=self.titles.get(position),
            artists=_decode_artists(self.artists.get(position)),
            album_artist=self.album_artists.get(position),
            album=self.albums.get(position),
            duration_ms=self.durations[position],
            mbid=self.mbids.get(position),
            updated_at=self.updated[position],
            artist_mbids=tuple(m for m in self.artist_mbids.get(position).split(_MBID_SEP) if m),
        )

    def tracks(self) -> TrackView:
        """Every indexed track, materialized one at a time as it is read."""
        return TrackView(self)

    def by_mbid(self, mbid: str) -> list[Entry]:
        wanted = mbid.lower()
        return [
            self.entry(i)
            for i in self.by_mbid_table.get(stable_hash(wanted))
            if self.mbids.get(i).lower() == wanted
        ]

    def exact(self, artist: str, core_key: str) -> list[Entry]:
        out = []
        for i in self.exact_table.get(exact_hash(artist, core_key)):
            if self.core_keys[i] == core_key or self.roman_core_keys[i] == core_key:
                entry = self.entry(i)
                if artist in entry.artist_keys:
                    out.append(entry)
        return out

    def title_candidates(self, title_tokens: set[str], limit: int) -> list[int]:
        """Positions of tracks sharing one of the rarest title tokens, rarest postings
        first."""
        chosen: dict[int, None] = {}
        table = self.token_table
        found = [(table.count(h), h) for h in (stable_hash(t) for t in title_tokens)]
        found = sorted((f for f in found if f[0]), key=lambda f: f[0])
        for count, key_hash in found[:3]:
            if count > MAX_POSTINGS_PER_TOKEN and chosen:
                break
            chosen.update(dict.fromkeys(table.get(key_hash)[:MAX_POSTINGS_PER_TOKEN]))
        return list(chosen)[:limit]

    def artist_candidates(self, artists: tuple[str, ...], limit: int) -> list[int]:
        """Positions of tracks credited to one of ``artists`` (keys)."""
        chosen: dict[int, None] = {}
        for artist in artists:
            chosen.update(dict.fromkeys(self.artist_table.get(stable_hash(artist))[:limit]))
        return list(chosen)[:limit]

    def album_candidates(self, album: str, limit: int) -> list[int]:
        """Positions of tracks on albums whose key is ``album``."""
        return list(self.album_table.get(stable_hash(album))[:limit]) if album else []

    # ----- size -------------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """What the index holds: its buffers, arrays, interned strings and postings."""
        arrays = (
            self.libraries,
            self.durations,
            self.updated,
            self.tag_ids,
            self.album_key_ids,
            self.artist_starts,
            self.artist_ids,
        )
        shared: dict[int, int] = {
            id(s): sys.getsizeof(s) for s in (*self.core_keys, *self.roman_core_keys)
        }
        return (
            sys.getsizeof(self)
            + sum(c.memory_bytes() for c in self._string_columns())
            + sum(array_bytes(a) for a in arrays)
            + sum(t.memory_bytes() for t in self._tables())
            + sys.getsizeof(self.core_keys)
            + sys.getsizeof(self.roman_core_keys)
            + sum(shared.values())
            + self.library_names.memory_bytes()
            + self.tag_sets.memory_bytes()
            + self.album_keys.memory_bytes()
            + self.artist_names.memory_bytes()
            + self._core_keys.memory_bytes()
        )


class TrackView(Sequence[LibraryTrack]):
    """The tracks of an index as a read-only sequence, built on access."""

    def __init__(self, index: TrackIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index)

    @overload
    def __getitem__(self, position: int) -> LibraryTrack: ...
    @overload
    def __getitem__(self, position: slice) -> list[LibraryTrack]: ...
    def __getitem__(self, position: int | slice) -> LibraryTrack | list[LibraryTrack]:
        if isinstance(position, slice):
            return [self._index.track(i) for i in range(len(self))[position]]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._index.track(position)

    def __iter__(self) -> Iterator[LibraryTrack]:
        return (self._index.track(i) for i in range(len(self)))
