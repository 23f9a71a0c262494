"""Finding tracks in a columnar library without an object per track: the item id index
(id -> section and track) and a listing's order, both kept as integer arrays and
materializing a track only when one is read."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from emulators.library import Section, Track


class Flat(Sequence[tuple[Section, Track]]):
    """The tracks of several sections end to end, with the section each is in."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self.sections = list(sections)
        self.starts = [0]
        for section in self.sections:
            self.starts.append(self.starts[-1] + len(section.tracks))

    def __len__(self) -> int:
        return self.starts[-1]

    def locate(self, flat: int) -> tuple[Section, int]:
        number = bisect_left(self.starts, flat + 1) - 1
        return self.sections[number], flat - self.starts[number]

    def one(self, flat: int) -> tuple[Section, Track]:
        section, position = self.locate(flat)
        return section, section.tracks.track(position)

    @overload
    def __getitem__(self, index: int) -> tuple[Section, Track]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[Section, Track]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.one(i) for i in range(len(self))[index]]
        return self.one(index + len(self) if index < 0 else index)

    def seqs(self) -> array[int]:
        out: array[int] = array("q")
        for section in self.sections:
            out.extend(section.tracks.ints["seq"])
        return out


class ItemIndex(Mapping[str, tuple[Section, Track]]):
    """Item id -> (section, track), for ids derived from a track's ``seq``. Lookups bisect
    a sorted array built at the first one: ``seq_of`` inverts ``key_of`` where it can
    (Plex's numeric keys), else the ids' first 64 bits are sorted (Jellyfin's digests)."""

    def __init__(
        self,
        sections: Sequence[Section],
        key_of: Callable[[int], str],
        seq_of: Callable[[str], int | None] | None = None,
    ) -> None:
        self.flat = Flat(sections)
        self.key_of = key_of
        self.seq_of = seq_of
        self._sorted: array[int] | None = None  # the search keys, ascending
        self._where: array[int] = array("I")  # flat position of each

    def _search_key(self, seq: int) -> int:
        return seq if self.seq_of is not None else int(self.key_of(seq)[:15], 16)

    def _table(self) -> array[int]:
        if self._sorted is None:
            keys = [self._search_key(s) for s in self.flat.seqs()]
            order = sorted(range(len(keys)), key=keys.__getitem__)
            self._sorted = array("q", [keys[i] for i in order])
            self._where = array("I", order)
        return self._sorted

    def _find(self, item_id: str) -> int | None:
        if self.seq_of is not None:
            seq = self.seq_of(item_id)
            if seq is None:
                return None
            wanted = seq
        else:
            try:
                wanted = int(item_id[:15], 16)
            except ValueError:
                return None
        table = self._table()
        at = bisect_left(table, wanted)
        while at < len(table) and table[at] == wanted:
            flat = self._where[at]
            section, position = self.flat.locate(flat)
            if self.key_of(section.tracks.ints["seq"][position]) == item_id:
                return flat
            at += 1
        return None

    def __getitem__(self, item_id: str) -> tuple[Section, Track]:
        flat = self._find(item_id) if isinstance(item_id, str) else None
        if flat is None:
            raise KeyError(item_id)
        return self.flat.one(flat)

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, str) and self._find(item_id) is not None

    def __iter__(self) -> Iterator[str]:
        return (self.key_of(seq) for seq in self.flat.seqs())

    def __len__(self) -> int:
        return len(self.flat)


class Ordered(Sequence[tuple[Section, Track]]):
    """A listing in the server's order: flat positions in an array, tracks read on demand,
    and for each position the number of its run of equal sort keys (``ties``): what a
    page needs to draw its ties anew, without a key worked out again per request."""

    def __init__(self, flat: Flat, order: Sequence[int], ties: Sequence[int]) -> None:
        self.flat = flat
        self.order = array("I", order)
        self.ties = array("I", ties)

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, index: int) -> tuple[Section, Track]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[Section, Track]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.flat.one(self.order[i]) for i in range(len(self))[index]]
        return self.flat.one(self.order[index])
