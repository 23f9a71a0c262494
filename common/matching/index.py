"""An in-memory index of library tracks: by MBID, by exact (artist, title) key, and by
title and artist tokens, so that candidates come from lookups, never from a scan.

The index is columnar: one position per track, its strings in UTF-8 buffers (an album's
title and artist once per distinct value), its numbers and the ids of its interned values
(album keys, artist keys, version tags) in typed arrays, its postings in sorted integer
arrays, grouped by key where many tracks share one (common/matching/columns.py). Only the
core title keys, which every query ranks by the thousand, are kept as Python strings. The
matcher reads a track through ``entry`` (what it compares) and ``track`` (what it
returns); nothing is materialized per track otherwise.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice
from typing import overload

from common.matching.columns import (
    PostingTable,
    SharedStringColumn,
    StringColumn,
    array_bytes,
    stable_hash,
)
from common.matching.normalize import (
    CreditKeys,
    album_key,
    alias_keys,
    credit_parts,
    fold,
    is_various,
    key,
    merged_artist_keys,
    parse_title,
    roman_key,
    tokens,
    words,
)
from common.matching.paths import PathKeys, path_key
from common.matching.query import LibraryTrack
from common.matching.romanize import roman

MAX_POSTINGS_PER_TOKEN = 4000
_ARTIST_SEP = "\x1f"  # between the artists of a track in their column
_MBID_SEP = ","  # between the artist MBIDs of a track in their column
_NO_MBIDS: frozenset[str] = frozenset()
_U32_MAX = 2**32 - 1
_CHUNK = 1000  # tracks whose strings are added to the columns at once
# Titles and credits remembered while filling, at most (as many as parse_title caches): a
# library of distinct titles costs no more memory while it is indexed than that.
_FILL_MEMO_LIMIT = 65536


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


@dataclass(frozen=True, slots=True)
class _Title:
    """A title as the columns hold it, shared by the tracks that bear it."""

    core_key: str  # the index's one string for this core key
    roman_core_key: str  # ``core_key`` itself when it is Latin
    words_text: str  # the core words, space-separated
    tag_id: int  # -> tag_sets
    featured: tuple[str, ...]
    token_hashes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Credit:
    """A track's artist keys as the columns hold them."""

    keys: tuple[str, ...]
    ids: tuple[int, ...]  # -> artist_names
    hashes: tuple[int, ...]  # of ``keys``


# Who a track is by: its artists, its album artist and the artists its title features.
_CreditKey = tuple[tuple[str, ...], str, tuple[str, ...]]


@dataclass(slots=True)
class _Fill:
    """What filling computes once for values many tracks share (titles, credits, albums,
    tokens), kept while an index is filled and dropped by ``seal``, so a published index
    holds none of it."""

    hashes: dict[str, int] = field(default_factory=dict)
    titles: dict[str, _Title] = field(default_factory=dict)
    credits: dict[_CreditKey, _Credit] = field(default_factory=dict)
    credit_parts: dict[str, CreditKeys] = field(default_factory=dict)  # by one credit
    albums: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # id, hash
    paths: PathKeys = field(default_factory=lambda: PathKeys(_FILL_MEMO_LIMIT))

    def hash_of(self, text: str) -> int:
        found = self.hashes.get(text)
        if found is None:
            found = self.hashes[text] = stable_hash(text)
        return found

    def parts_of(self, credit: str) -> CreditKeys:
        found = self.credit_parts.get(credit)
        if found is None:
            found = self.credit_parts[credit] = credit_parts(credit)
        return found


def exact_hash(artist: str, core_key: str) -> int:
    return stable_hash(f"{artist}\x00{core_key}")


def _encode_artists(artists: tuple[str, ...]) -> str:
    return _ARTIST_SEP + _ARTIST_SEP.join(artists) if artists else ""


def _encode_mbids(mbids: tuple[str, ...]) -> str:
    return _MBID_SEP.join([m.lower() for m in mbids]) if mbids else ""


def _decode_artists(text: str) -> tuple[str, ...]:
    return tuple(text[1:].split(_ARTIST_SEP)) if text else ()


def unsigned32(values: Sequence[int]) -> array[int]:
    """``values`` as 32-bit unsigned numbers, any out of range held to the nearest end."""
    try:
        return array("I", values)
    except OverflowError:
        return array("I", [min(max(v, 0), _U32_MAX) for v in values])


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
        # An album's title and artist come with each of its tracks: stored once each.
        self.album_artists: StringColumn | SharedStringColumn = SharedStringColumn()
        self.albums: StringColumn | SharedStringColumn = SharedStringColumn()
        self.mbids = StringColumn()
        self.artist_mbids = StringColumn()  # lower case, comma-separated
        self.core_words = StringColumn()  # the words, space-separated
        self.core_keys: list[str] = []
        # The core keys romanized: the same string objects where they are Latin.
        self.roman_core_keys: list[str] = []
        self.libraries: array[int] = array("H")  # -> library_names
        # Milliseconds and epoch seconds fit 32 unsigned bits (49 days; until 2106).
        self.durations: array[int] = array("I")
        self.updated: array[int] = array("I")
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
        # The hash of each file path's last components (``path_key``): 12 bytes a track,
        # where the paths themselves would take tens of bytes each.
        self.path_table = PostingTable()
        self._tag_cache: dict[int, frozenset[str]] = {}
        self._fill: _Fill | None = None  # while filling
        self.add_many(tracks)
        self.seal()

    # ----- filling ----------------------------------------------------------------------

    def add_many(self, tracks: Iterable[LibraryTrack]) -> None:
        """Index more tracks (before the index is published to readers)."""
        if self._fill is None:
            self._fill = _Fill()
        remaining = iter(tracks)
        while chunk := list(islice(remaining, _CHUNK)):
            self._add_chunk(chunk, self._fill)

    def _add_chunk(self, chunk: list[LibraryTrack], fill: _Fill) -> None:
        """Index ``chunk`` column by column: each column is extended once per chunk, and
        what tracks share (titles, credits, albums) is derived once per fill."""
        start = len(self.core_keys)
        titles = [fill.titles.get(t.title) or self._title(t.title, fill) for t in chunk]
        credited = [self._credit(t, title, fill) for t, title in zip(chunk, titles, strict=True)]
        albums = [fill.albums.get(t.album) or self._album(t.album, fill) for t in chunk]
        self.core_keys += [title.core_key for title in titles]
        self.roman_core_keys += [title.roman_core_key for title in titles]
        self.libraries.extend([self.library_names.id_of(t.library) for t in chunk])
        self.durations.extend(unsigned32([t.duration_ms for t in chunk]))
        self.updated.extend(unsigned32([t.updated_at for t in chunk]))
        self.tag_ids.extend([title.tag_id for title in titles])
        self.album_key_ids.extend([album[0] for album in albums])
        self.artist_ids.extend([i for credit in credited for i in credit.ids])
        end = self.artist_starts.pop()  # it comes back as the first running total
        self.artist_starts.extend(accumulate((len(c.ids) for c in credited), initial=end))
        self.item_ids.extend([t.item_id for t in chunk])
        self.titles.extend([t.title for t in chunk])
        self.artists.extend([_encode_artists(t.artists) for t in chunk])
        self.album_artists.extend([t.album_artist for t in chunk])
        self.albums.extend([t.album for t in chunk])
        self.mbids.extend([t.mbid for t in chunk])
        self.artist_mbids.extend([_encode_mbids(t.artist_mbids) for t in chunk])
        self.core_words.extend([title.words_text for title in titles])
        # The tables' adders and the hash bound once: a call per posting is most of the time.
        add_mbid, add_album, add_path = (
            self.by_mbid_table.add,
            self.album_table.add,
            self.path_table.add,
        )
        add_exact, add_artists, add_tokens = (
            self.exact_table.add_each,
            self.artist_table.add_each,
            self.token_table.add_each,
        )
        hashed, file_key_of = stable_hash, fill.paths.key
        for position, track, title, credit, album in zip(
            range(start, start + len(chunk)), chunk, titles, credited, albums, strict=True
        ):
            if track.mbid:
                add_mbid(hashed(track.mbid.lower()), position)
            core = title.core_key  # exact_hash, inlined
            exact = [hashed(f"{artist}\x00{core}") for artist in credit.keys]
            if (roman_core := title.roman_core_key) is not core:
                exact += [hashed(f"{artist}\x00{roman_core}") for artist in credit.keys]
            add_exact(exact, position)
            add_artists(credit.hashes, position)
            if album[1] is not None:
                add_album(album[1], position)
            add_tokens(title.token_hashes, position)
            if track.path and (file_key := file_key_of(track.path)):
                add_path(hashed(file_key), position)

    def _title(self, title: str, fill: _Fill) -> _Title:
        """What every track bearing ``title`` indexes of it, remembered for the next one."""
        parsed = parse_title(title)
        folded = fold(parsed.core)
        core_text = " ".join(folded.split())
        if folded.isascii():  # folded once: key, tokens and words, as those would fold it
            core_words = words(folded)
            raw_key = "".join(core_words) or "".join(folded.split())
            title_tokens = set(core_words) if core_words else tokens(core_text or title)
        else:
            core_words = words(folded)
            raw_key = key(parsed.core)
            title_tokens = tokens(core_text or title)
        core_key = self._core_keys.values[self._core_keys.id_of(raw_key)]
        roman_core_key = roman_key(core_key)
        romanized = roman_core_key != core_key
        if romanized:
            title_tokens |= tokens(roman(core_text))
        if len(fill.titles) >= _FILL_MEMO_LIMIT:
            fill.titles.clear()
        found = fill.titles[title] = _Title(
            core_key=core_key,
            roman_core_key=roman_core_key if romanized else core_key,
            words_text=" ".join(core_words),
            tag_id=self.tag_sets.id_of(",".join(sorted(parsed.tags))),
            featured=parsed.featured,
            token_hashes=tuple(fill.hash_of(t) for t in title_tokens),
        )
        return found

    def _credit(self, track: LibraryTrack, title: _Title, fill: _Fill) -> _Credit:
        """The artist keys of a track's credit (with the artists its title features),
        remembered for the next track with the same credit."""
        credit_key = (track.artists, track.album_artist, title.featured)
        found = fill.credits.get(credit_key)
        if found is None:
            names = credits_of(track) + title.featured
            keys = merged_artist_keys([fill.parts_of(name) for name in names])
            if len(fill.credits) >= _FILL_MEMO_LIMIT:
                fill.credits.clear()
            found = fill.credits[credit_key] = _Credit(
                keys=keys,
                ids=tuple(self.artist_names.id_of(k) for k in keys),
                hashes=tuple(fill.hash_of(k) for k in keys),
            )
        return found

    def _album(self, album: str, fill: _Fill) -> tuple[int, int | None]:
        """The id of an album's key and its hash (None when it has no key), remembered."""
        album_text_key = album_key(album) if album else ""
        found = fill.albums[album] = (
            self.album_keys.id_of(album_text_key),
            fill.hash_of(album_text_key) if album_text_key else None,
        )
        return found

    def seal(self, keep: list[object] | None = None) -> None:
        """Done filling: sort the postings and trim what appends over-allocated. What
        filling used (memos, a list per posting key) is freed here object by object unless
        ``keep`` is given: then it goes there, for a caller about to exit never to free."""
        if keep is not None:
            keep += [self._fill, self._core_keys]
        self._fill = None
        for table in self._tables():
            table.seal(keep)
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
            self.path_table,
        )

    def _string_columns(self) -> tuple[StringColumn | SharedStringColumn, ...]:
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

    def by_path(self, path: str) -> list[Entry]:
        """The tracks whose file path ends as ``path`` does (``path_key``). Only the key's
        hash is kept: the matcher checks the duration of what it returns."""
        file_key = path_key(path)
        if not file_key:
            return []
        return [self.entry(i) for i in self.path_table.get(stable_hash(file_key))]

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
        table = self.token_table
        found = [(table.count(h), h) for h in (stable_hash(t) for t in title_tokens)]
        found = sorted((f for f in found if f[0]), key=lambda f: f[0])
        pools: list[Sequence[int]] = []
        for count, key_hash in found[:3]:
            if count > MAX_POSTINGS_PER_TOKEN and pools:
                break
            pools.append(table.get(key_hash)[:MAX_POSTINGS_PER_TOKEN])
        if len(pools) == 1:  # one token's postings are distinct already
            return list(pools[0][:limit])
        return list(dict.fromkeys(chain.from_iterable(pools)))[:limit]

    def artist_candidates(self, artists: tuple[str, ...], limit: int) -> list[int]:
        """Positions of tracks credited to one of ``artists`` (keys)."""
        chosen: dict[int, None] = {}
        for artist in artists:
            chosen.update(dict.fromkeys(self.artist_table.get(stable_hash(artist))[:limit]))
        return list(chosen)[:limit]

    def credit_aliases(self, position: int) -> frozenset[str]:
        """The duo aliases of a track's credits (normalize.alias_keys)."""
        track = self.track(position)
        return alias_keys(credits_of(track) + parse_title(track.title).featured)

    def knows_title_word(self, word: str) -> bool:
        """Some indexed title has ``word`` (a folded word) among its tokens."""
        return self.token_table.count(stable_hash(word)) > 0

    def knows_artist(self, artist: str) -> bool:
        """Some indexed track is credited under the artist key ``artist``."""
        return self.artist_table.count(stable_hash(artist)) > 0

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
        # Equal core keys share one string (a fill and a decode intern them; only the few
        # tracks a refresh adds may hold a copy), so their set is their strings, and the
        # romanized ones are few: no Python loop over every track, since this runs before
        # a loaded generation serves.
        romanized = {
            id(r): r
            for r, k in zip(self.roman_core_keys, self.core_keys, strict=True)
            if r is not k
        }
        key_strings = chain(set(self.core_keys), romanized.values())
        return (
            sys.getsizeof(self)
            + sum(c.memory_bytes() for c in self._string_columns())
            + sum(array_bytes(a) for a in arrays)
            + sum(t.memory_bytes() for t in self._tables())
            + sys.getsizeof(self.core_keys)
            + sys.getsizeof(self.roman_core_keys)
            + sum(map(sys.getsizeof, key_strings))
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
