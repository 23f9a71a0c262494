"""Compact storage for the index: strings in one UTF-8 buffer with offsets, and postings
(key -> positions) as two parallel integer arrays sorted by a stable 64-bit key hash.

Both are append-only while an index is filled and hold no per-item Python object once
sealed, so their size is the size of their buffers, and they serialize as raw bytes.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, ne, not_, sub

_OFFSET_LIMIT = 2**32 - 1


def stable_hash(text: str) -> int:
    """A 64-bit signed hash of ``text``, the same in every process (unlike ``hash``), so a
    stored posting table can be searched after a restart."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def array_bytes(values: array[int]) -> int:
    """What an array holds in memory: its header and its allocated buffer."""
    return sys.getsizeof(values)


class StringColumn:
    """One string per position, stored as UTF-8 in one buffer; ``get`` decodes on demand."""

    def __init__(self, buffer: bytes = b"", offsets: array[int] | None = None) -> None:
        self._buffer = bytearray(buffer)
        self._offsets = offsets if offsets is not None else array("I", [0])

    def append(self, text: str) -> None:
        self._buffer += text.encode("utf-8", "surrogatepass")
        if len(self._buffer) > _OFFSET_LIMIT:
            raise OverflowError("a string column is limited to 4 GiB")
        self._offsets.append(len(self._buffer))

    def extend(self, texts: Sequence[str]) -> None:
        """Append many strings at once: one encoding, one buffer extension and one offsets
        extension instead of two appends and a length check per string. An ASCII string's
        length is its UTF-8 length, so only the others are encoded alone."""
        data = "".join(texts).encode("utf-8", "surrogatepass")
        end = len(self._buffer)
        if end + len(data) > _OFFSET_LIMIT:
            raise OverflowError("a string column is limited to 4 GiB")
        lengths = [
            len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
            for text in texts
        ]
        self._buffer += data
        self._offsets.pop()  # ``end``: it comes back as the first running total
        self._offsets.extend(accumulate(lengths, initial=end))

    def get(self, position: int) -> str:
        offsets = self._offsets
        return self._buffer[offsets[position] : offsets[position + 1]].decode(
            "utf-8", "surrogatepass"
        )

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def seal(self) -> None:
        """Trim the over-allocation left by appends."""
        self._buffer = bytearray(self._buffer)
        self._offsets = array("I", self._offsets)

    def parts(self) -> tuple[bytes, array[int]]:
        return bytes(self._buffer), self._offsets

    def memory_bytes(self) -> int:
        return sys.getsizeof(self._buffer) + array_bytes(self._offsets)


class SharedStringColumn:
    """One string per position where many positions share each string (an album's
    title, its artist): every distinct string stored once in a StringColumn, and a 4-byte
    id per position. The lookup of ids is kept only while the column is filled."""

    def __init__(self, ids: array[int] | None = None, values: StringColumn | None = None) -> None:
        self.ids = ids if ids is not None else array("I")
        self.values = values if values is not None else StringColumn()
        self._lookup: dict[str, int] | None = None

    def extend(self, texts: Sequence[str]) -> None:
        lookup = self._lookup
        if lookup is None:
            values = self.values
            lookup = self._lookup = {values.get(i): i for i in range(len(values))}
        fresh: list[str] = []
        ids: list[int] = []
        for text in texts:
            found = lookup.get(text)
            if found is None:
                found = lookup[text] = len(lookup)
                fresh.append(text)
            ids.append(found)
        self.values.extend(fresh)
        self.ids.extend(ids)

    def get(self, position: int) -> str:
        return self.values.get(self.ids[position])

    def __len__(self) -> int:
        return len(self.ids)

    def seal(self) -> None:
        self._lookup = None
        self.ids = array("I", self.ids)
        self.values.seal()

    def memory_bytes(self) -> int:
        return array_bytes(self.ids) + self.values.memory_bytes()


class PostingTable:
    """Key hash -> positions, in insertion (= ascending position) order.

    Sealed postings are held in one of two forms, whichever is smaller: *flat*, a hash
    and a position per posting (12 bytes each: tables whose keys name one track or two,
    such as exact keys and paths), or *grouped*, each distinct hash once with where its
    positions start (12 bytes a key, then 4 bytes a posting: title tokens, artists and
    albums, shared by many tracks). Both are searched by bisection. Postings added since
    the last seal wait in a dict, grouped by hash, and ``seal`` sorts the keys once.
    Callers verify what a hash collision could mix up where it matters (exact keys,
    MBIDs)."""

    def __init__(
        self,
        hashes: array[int] | None = None,
        positions: array[int] | None = None,
        *,
        keys: array[int] | None = None,
        starts: array[int] | None = None,
    ) -> None:
        self._positions = positions if positions is not None else array("I")
        # Flat: one hash per posting. Grouped: ``_keys`` and ``_starts`` (len(keys) + 1).
        self._hashes = hashes if hashes is not None else array("q")
        self._keys = keys
        self._starts = starts
        self._tail: dict[int, list[int]] = {}

    @property
    def grouped(self) -> bool:
        return self._keys is not None

    def add(self, key_hash: int, position: int) -> None:
        found = self._tail.get(key_hash)
        if found is None:
            self._tail[key_hash] = [position]
        else:
            found.append(position)

    def add_each(self, key_hashes: Iterable[int], position: int) -> None:
        """``add`` for each of a position's keys, in one call."""
        tail = self._tail
        for key_hash in key_hashes:
            found = tail.get(key_hash)
            if found is None:
                tail[key_hash] = [position]
            else:
                found.append(position)

    def seal(self, keep: list[object] | None = None) -> None:
        """Sort the postings added since the last seal in with the others. What held them
        (a list per key) is freed here unless ``keep`` is given: then it goes there, for a
        caller about to exit never to free."""
        if not self._tail:
            return
        tail, self._tail = self._tail, {}
        if keep is not None:
            keep.append(tail)
        if self._keys is not None and self._starts is not None:
            keys, starts, positions = self._merged_groups(self._keys, self._starts, tail)
            self._store(keys, _lengths(starts), positions)
        elif self._positions:
            self._store_flat(*self._merged(tail))
        else:
            # Whole arrays from iterators over the groups: no per-key list or extend.
            keys = array("q", sorted(tail))
            groups = list(map(tail.__getitem__, keys))
            self._store(keys, list(map(len, groups)), array("I", chain.from_iterable(groups)))

    def _store_flat(self, hashes: array[int], positions: array[int]) -> None:
        """``_store`` for flat postings sorted by (hash, position): their runs are worked
        out only when the grouped form is the smaller, which their count of distinct
        hashes (one pass in C) tells; a table of unique keys such as paths is kept as it
        is."""
        distinct = len(hashes) and 1 + sum(map(ne, islice(hashes, 1, None), hashes))
        if 12 * distinct + 4 < 8 * len(positions):
            keys, lengths = _runs(hashes)
            self._store(keys, lengths, positions)
        else:
            self._positions, self._hashes = positions, hashes
            self._keys = self._starts = None

    def _store(
        self,
        keys: array[int],
        lengths: Sequence[int],
        positions: array[int],
    ) -> None:
        """Keep sealed postings, grouped by key, in the smaller form."""
        self._positions = positions
        if 12 * len(keys) + 4 < 8 * len(positions):  # grouped is smaller
            self._keys = keys
            self._starts = array("I", accumulate(lengths, initial=0))
            self._hashes = array("q")
        else:
            self._keys = self._starts = None
            self._hashes = array("q", chain.from_iterable(map(repeat, keys, lengths)))

    def _flat_hashes(self) -> array[int]:
        if self._keys is None or self._starts is None:
            return self._hashes
        return array("q", chain.from_iterable(map(repeat, self._keys, _lengths(self._starts))))

    def _merged(self, tail: dict[int, list[int]]) -> tuple[array[int], array[int]]:
        """The sealed postings with the tail's merged in, copied in runs between the tail's
        keys: a refresh that adds a few tracks to a large index moves its arrays, not each
        posting. A tail key's positions follow the sealed ones of its hash (they are
        higher)."""
        hashes, positions = self._flat_hashes(), self._positions
        out_hashes: array[int] = array("q")
        out_positions: array[int] = array("I")
        start = 0
        for key_hash in sorted(tail):
            cut = bisect_right(hashes, key_hash, start)
            out_hashes.extend(hashes[start:cut])
            out_positions.extend(positions[start:cut])
            added = tail[key_hash]
            out_hashes.extend(repeat(key_hash, len(added)))
            out_positions.extend(added)
            start = cut
        out_hashes.extend(hashes[start:])
        out_positions.extend(positions[start:])
        return out_hashes, out_positions

    def _merged_groups(
        self, keys: array[int], starts: array[int], tail: dict[int, list[int]]
    ) -> tuple[array[int], array[int], array[int]]:
        """Grouped postings with the tail's merged in, still grouped: keys, starts and
        positions copied in runs between the tail's keys, as ``_merged`` copies flat ones.
        A tail key's positions follow the sealed ones of its key (they are higher)."""
        positions = self._positions
        out_keys: array[int] = array("q")
        out_starts: array[int] = array("I", [0])
        out_positions: array[int] = array("I")

        def copy(a: int, b: int) -> None:  # keys[a:b] and their positions, whole
            if b > a:
                shift = len(out_positions) - starts[a]
                out_keys.extend(keys[a:b])
                out_positions.extend(positions[starts[a] : starts[b]])
                out_starts.extend(map(add, starts[a + 1 : b + 1], repeat(shift)))

        done = 0
        for key_hash in sorted(tail):
            at = bisect_left(keys, key_hash, done)
            has_key = at < len(keys) and keys[at] == key_hash
            copy(done, at + 1 if has_key else at)
            if not has_key:
                out_keys.append(key_hash)
                out_starts.append(len(out_positions))
            out_positions.extend(tail[key_hash])
            out_starts[-1] = len(out_positions)
            done = at + 1 if has_key else at
        copy(done, len(keys))
        return out_keys, out_starts, out_positions

    def moved(self, to: array[int]) -> PostingTable:
        """A sealed table of this one's postings at the positions ``to`` maps them to, less
        those it maps below 0; ``to`` keeps positions in order, so the (hash, position)
        order holds. A grouped table is remapped as it is, its groups shortened: a refresh
        that removes a few tracks does not take millions of postings apart to regroup them."""
        self.seal()
        new = list(map(to.__getitem__, self._positions))
        kept = list(map((0).__le__, new))
        positions = array("I", compress(new, kept))
        if self._keys is None or self._starts is None:
            return table_of(array("q", compress(self._hashes, kept)), positions)
        gone = list(compress(range(len(new)), map(not_, kept)))
        keys, starts = self._keys, self._starts
        if gone:
            starts = _less(starts, gone)
            nonempty = list(map(ne, islice(starts, 1, None), starts))
            keys = array("q", compress(keys, nonempty))
            starts = array("I", chain(compress(starts, nonempty), starts[-1:]))
        table = PostingTable()
        table._store(array("q", keys), _lengths(starts), positions)
        return table

    def _span(self, key_hash: int) -> tuple[int, int]:
        if self._keys is None or self._starts is None:
            return bisect_left(self._hashes, key_hash), bisect_right(self._hashes, key_hash)
        at = bisect_left(self._keys, key_hash)
        if at == len(self._keys) or self._keys[at] != key_hash:
            return 0, 0
        return self._starts[at], self._starts[at + 1]

    def get(self, key_hash: int) -> Sequence[int]:
        lo, hi = self._span(key_hash)
        tail = self._tail.get(key_hash)
        if tail is None:
            return self._positions[lo:hi] if hi > lo else ()
        return [*self._positions[lo:hi], *tail]

    def count(self, key_hash: int) -> int:
        lo, hi = self._span(key_hash)
        return hi - lo + len(self._tail.get(key_hash, ()))

    def parts(self) -> tuple[array[int], array[int]]:
        """The postings flat: a hash and a position each, by (hash, position)."""
        self.seal()
        return self._flat_hashes(), self._positions

    def grouped_parts(self) -> tuple[array[int], array[int], array[int]] | None:
        """Keys, starts and positions when the table is grouped (None when flat)."""
        self.seal()
        if self._keys is None or self._starts is None:
            return None
        return self._keys, self._starts, self._positions

    def memory_bytes(self) -> int:
        tail = sys.getsizeof(self._tail) + sum(
            sys.getsizeof(ps) + 32 * len(ps) for ps in self._tail.values()
        )
        grouped = (
            array_bytes(self._keys) + array_bytes(self._starts)
            if self._keys is not None and self._starts is not None
            else 0
        )
        return array_bytes(self._hashes) + array_bytes(self._positions) + grouped + tail


def table_of(hashes: array[int], positions: array[int]) -> PostingTable:
    """A sealed table of flat postings sorted by (hash, position), in the smaller form."""
    table = PostingTable()
    table._store_flat(hashes, positions)
    return table


def _lengths(starts: Sequence[int]) -> list[int]:
    """The group lengths that ``starts`` (a start per group, then the end) delimit."""
    return list(map(sub, islice(starts, 1, None), starts))


def _less(starts: array[int], gone: Sequence[int]) -> array[int]:
    """``starts`` with each lowered by the postings of ``gone`` (ascending) before it."""
    out: array[int] = array("I")
    done = 0
    for removed, at in enumerate(gone):
        upto = bisect_right(starts, at, done)
        out.extend(map(sub, starts[done:upto], repeat(removed)))
        done = upto
    out.extend(map(sub, starts[done:], repeat(len(gone))))
    return out


def _runs(hashes: array[int]) -> tuple[array[int], list[int]]:
    """The distinct values of sorted ``hashes`` and how many times each comes. Where each
    run starts is found by comparing the array with itself shifted by one, in C (map and
    compress): a refresh regroups millions of postings, a Python step each took seconds."""
    if not hashes:
        return array("q"), []
    changes = map(ne, islice(hashes, 1, None), hashes)  # hashes[i + 1] != hashes[i]
    starts = [0, *compress(range(1, len(hashes)), changes)]
    keys = array("q", map(hashes.__getitem__, starts))
    return keys, list(map(sub, chain(islice(starts, 1, None), (len(hashes),)), starts))


def grouped_table(keys: array[int], starts: array[int], positions: array[int]) -> PostingTable:
    """A grouped table from its stored parts (image.py), checked for consistency."""
    if len(starts) != len(keys) + 1 or (starts and starts[-1] != len(positions)):
        raise IndexError("posting starts disagree with their keys or positions")
    return PostingTable(positions=positions, keys=keys, starts=starts)
