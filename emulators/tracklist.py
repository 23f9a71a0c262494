"""A library's tracks held as columns: numbers in typed arrays, strings interned once and
named by id, MusicBrainz ids as 16 bytes. A million tracks take tens of megabytes instead of
the gigabyte their objects would; a ``Track`` is materialized only when it is read (a page,
a lookup), and equal to the one that was stored."""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from emulators.library import Track

Ints = tuple[int, ...]
Strs = tuple[str, ...]
Tuples = tuple[tuple[str, ...], ...]
INT_FIELDS = (
    "seq",
    "album_seq",
    "artist_seq",
    "track_no",
    "disc_no",
    "year",
    "duration_ms",
    "added_at",
    "updated_at",
)
WIDE_FIELDS = frozenset({"seq", "added_at", "updated_at"})  # 64 bits; the others 32
STR_FIELDS = ("title", "credit", "album_artist", "album", "album_artist_mbid", "file")
TUPLE_FIELDS = ("artists", "artist_mbids")


class Pool:
    """Distinct values, each kept once, named by a small integer id."""

    def __init__(self) -> None:
        self.values: list[object] = []
        self._ids: dict[object, int] = {}

    def id_of(self, value: object) -> int:
        found = self._ids.get(value)
        if found is None:
            found = self._ids[value] = len(self.values)
            self.values.append(value)
        return found


def uuid_bytes(text: str) -> bytes | None:
    """The 16 bytes of a canonical (lower-case, hyphenated) UUID string, else None."""
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return value.bytes if str(value) == text else None


class TrackList(MutableSequence["Track"]):
    """Tracks by position, columnar. Reads build ``Track`` values on demand; writes
    (``append``, ``extend``, item assignment, ``keep``) update the columns."""

    def __init__(self, tracks: Iterable[Track] = ()) -> None:
        self.ints: dict[str, array[int]] = {
            name: array("q" if name in WIDE_FIELDS else "i") for name in INT_FIELDS
        }
        self.strs: dict[str, array[int]] = {name: array("I") for name in STR_FIELDS}
        self.tuples: dict[str, array[int]] = {name: array("I") for name in TUPLE_FIELDS}
        # 0: no MBID; > 0: a pooled string (not a canonical UUID); < 0: -(n + 1) names the
        # n-th 16 bytes of ``uuids``.
        self.mbids: array[int] = array("i")
        self.uuids = bytearray()
        self.pool = Pool()
        self.pool.id_of("")  # id 0 is the empty string
        self.extend(tracks)

    # -- writing -----------------------------------------------------------------------

    def append_row(
        self,
        ints: tuple[int, ...],
        strs: tuple[str, ...],
        tuples: tuple[tuple[str, ...], ...],
        mbid: str | bytes,
    ) -> None:
        """A track from its fields in INT_FIELDS, STR_FIELDS and TUPLE_FIELDS order, and
        its MBID (a string, or a UUID's 16 bytes): what generation writes without
        building a ``Track``."""
        self.appender()(ints, strs, tuples, mbid)

    def appender(
        self,
    ) -> Callable[
        [tuple[int, ...], tuple[str, ...], tuple[tuple[str, ...], ...], str | bytes], None
    ]:
        """``append_row`` with every column's append bound once, for a loop of many rows;
        valid until the columns are replaced (``keep``)."""
        int_appends = [c.append for c in self.ints.values()]
        str_appends = [c.append for c in self.strs.values()]
        tuple_appends = [c.append for c in self.tuples.values()]
        id_of = self.pool.id_of
        mbid_append = self.mbids.append
        mbid_id = self._mbid_id

        def append(
            ints: tuple[int, ...],
            strs: tuple[str, ...],
            tuples: tuple[tuple[str, ...], ...],
            mbid: str | bytes,
        ) -> None:
            for add, value in zip(int_appends, ints, strict=True):
                add(value)
            for add, text in zip(str_appends, strs, strict=True):
                add(id_of(text))
            for add, values in zip(tuple_appends, tuples, strict=True):
                add(id_of(values))
            mbid_append(mbid_id(mbid) if mbid else 0)

        return append

    def _mbid_id(self, mbid: str | bytes) -> int:
        if isinstance(mbid, str):
            if not mbid:
                return 0
            raw = uuid_bytes(mbid)
            if raw is None:
                return self.pool.id_of(mbid)
            mbid = raw
        self.uuids += mbid
        return -(len(self.uuids) // 16)

    def append(self, value: Track) -> None:
        self.append_row(
            tuple(getattr(value, name) for name in INT_FIELDS),
            tuple(getattr(value, name) for name in STR_FIELDS),
            tuple(getattr(value, name) for name in TUPLE_FIELDS),
            value.mbid,
        )

    def extend(self, values: Iterable[Track]) -> None:
        for value in list(values) if values is self else values:
            self.append(value)

    def insert(self, index: int, value: Track) -> None:
        tail = list(self[index:])
        self.keep(range(min(max(index, 0), len(self)) if index >= 0 else len(self) + index))
        self.append(value)
        self.extend(tail)

    @overload
    def __setitem__(self, index: int, value: Track) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[Track]) -> None: ...
    def __setitem__(self, index: int | slice, value: Track | Iterable[Track]) -> None:
        if isinstance(index, slice):
            raise TypeError("a TrackList takes one track at a time")
        position = self._position(index)
        track: Track = value  # type: ignore[assignment]
        for name in INT_FIELDS:
            self.ints[name][position] = getattr(track, name)
        for name in STR_FIELDS:
            self.strs[name][position] = self.pool.id_of(getattr(track, name))
        for name in TUPLE_FIELDS:
            self.tuples[name][position] = self.pool.id_of(getattr(track, name))
        self.mbids[position] = self._mbid_id(track.mbid)

    def __delitem__(self, index: int | slice) -> None:
        gone = set(range(len(self))[index] if isinstance(index, slice) else [self._position(index)])
        self.keep(i for i in range(len(self)) if i not in gone)

    def drop_seqs(self, seqs: set[int]) -> int:
        """Remove the tracks whose ``seq`` is in ``seqs``; how many there were."""
        before = len(self)
        if seqs:
            self.keep(p for p, seq in enumerate(self.ints["seq"]) if seq not in seqs)
        return before - len(self)

    def top_seq(self) -> int:
        """The highest ``seq`` held (0 for none)."""
        return max(self.ints["seq"], default=0)

    def keep(self, positions: Iterable[int]) -> None:
        """Keep only the tracks at ``positions`` (ascending), in their order."""
        chosen = array("I", positions)
        for columns in (self.ints, self.strs, self.tuples):
            for name, column in columns.items():
                columns[name] = array(column.typecode, map(column.__getitem__, chosen))
        self.mbids = array("i", map(self.mbids.__getitem__, chosen))

    # -- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.mbids)

    def _position(self, index: int) -> int:
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return position

    def mbid(self, position: int) -> str:
        found = self.mbids[position]
        if found == 0:
            return ""
        if found > 0:
            return str(self.pool.values[found])
        start = (-found - 1) * 16
        # As str(uuid.UUID(bytes=...)) prints it, in a fifth of the time.
        h = self.uuids[start : start + 16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def track(self, position: int) -> Track:
        from emulators.library import Track

        values = self.pool.values
        ints = self.ints
        strs = self.strs
        tuples = self.tuples
        return Track(
            seq=ints["seq"][position],
            title=values[strs["title"][position]],  # type: ignore[arg-type]
            credit=values[strs["credit"][position]],  # type: ignore[arg-type]
            artists=values[tuples["artists"][position]],  # type: ignore[arg-type]
            album_artist=values[strs["album_artist"][position]],  # type: ignore[arg-type]
            album=values[strs["album"][position]],  # type: ignore[arg-type]
            album_seq=ints["album_seq"][position],
            artist_seq=ints["artist_seq"][position],
            track_no=ints["track_no"][position],
            disc_no=ints["disc_no"][position],
            year=ints["year"][position],
            duration_ms=ints["duration_ms"][position],
            mbid=self.mbid(position),
            added_at=ints["added_at"][position],
            updated_at=ints["updated_at"][position],
            artist_mbids=values[tuples["artist_mbids"][position]],  # type: ignore[arg-type]
            album_artist_mbid=values[strs["album_artist_mbid"][position]],  # type: ignore[arg-type]
            file=values[strs["file"][position]],  # type: ignore[arg-type]
        )

    @overload
    def __getitem__(self, index: int) -> Track: ...
    @overload
    def __getitem__(self, index: slice) -> list[Track]: ...
    def __getitem__(self, index: int | slice) -> Track | list[Track]:
        if isinstance(index, slice):
            return [self.track(i) for i in range(len(self))[index]]
        return self.track(self._position(index))

    def __iter__(self) -> Iterator[Track]:
        return (self.track(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrackList | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        """The first position holding ``value``, found by its ``seq`` first."""
        seq = getattr(value, "seq", None)
        seqs = self.ints["seq"]
        for position in range(start, len(self) if stop is None else min(stop, len(self))):
            if seqs[position] == seq and self.track(position) == value:
                return position
        raise ValueError(f"{value!r} is not in the list")

    def sub(self, start: int, stop: int) -> TrackList:
        """Positions ``start`` to ``stop`` as a list of their own (sharing the pool)."""
        part = TrackList()
        part.pool = self.pool
        for name, column in self.ints.items():
            part.ints[name] = column[start:stop]
        for name, column in self.strs.items():
            part.strs[name] = column[start:stop]
        for name, column in self.tuples.items():
            part.tuples[name] = column[start:stop]
        part.mbids = self.mbids[start:stop]
        part.uuids = self.uuids
        return part

    def where(self, field: str, test: Callable[[str], bool]) -> list[int]:
        """Positions whose string ``field`` passes ``test``, testing each distinct value
        once: a search over a million tracks reads one array."""
        values = self.pool.values
        ids = self.strs[field]
        passing = {i for i in set(ids) if test(str(values[i]))}
        return [p for p, i in enumerate(ids) if i in passing] if passing else []

    def credits(self) -> Iterator[tuple[int, int]]:
        """Each distinct (artists, album artist) pair of ids, in the order the tracks first
        carry it: what a test of every name a track is credited under needs to read."""
        return iter(dict.fromkeys(self._credit_pairs()))

    def _credit_pairs(self) -> Iterator[tuple[int, int]]:
        return zip(self.tuples["artists"], self.strs["album_artist"], strict=True)

    def where_credited(self, test: Callable[[str], bool]) -> list[int]:
        """Positions where one of the track's artists or its album artist passes ``test``,
        testing each distinct pair of them once."""
        passing = {pair for pair in self.credits() if any(map(test, self._names(pair)))}
        if not passing:
            return []
        return [p for p, pair in enumerate(self._credit_pairs()) if pair in passing]

    def credited_names(self) -> list[str]:
        """Every track artist and album artist, once each, in the order the tracks first
        name them (a track's artists, then its album artist)."""
        names: dict[str, None] = {}
        for pair in self.credits():
            names.update(dict.fromkeys(self._names(pair)))
        return list(names)

    def _names(self, pair: tuple[int, int]) -> tuple[str, ...]:
        values = self.pool.values
        artists: tuple[str, ...] = values[pair[0]]  # type: ignore[assignment]
        return (*artists, str(values[pair[1]]))

    def memory_bytes(self) -> int:
        columns = [*self.ints.values(), *self.strs.values(), *self.tuples.values(), self.mbids]
        return sum(c.itemsize * len(c) for c in columns) + len(self.uuids)
