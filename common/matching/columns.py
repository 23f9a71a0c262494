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
from itertools import accumulate, chain, repeat

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


class PostingTable:
    """Key hash -> positions, in insertion (= ascending position) order.

    Sealed postings are ``hashes``/``positions`` sorted by (hash, position), searched by
    bisection; postings added since the last seal wait in a dict, grouped by hash, and
    ``seal`` sorts the keys once. Callers verify what a hash collision could mix up where
    it matters (exact keys, MBIDs)."""

    def __init__(self, hashes: array[int] | None = None, positions: array[int] | None = None):
        self._hashes = hashes if hashes is not None else array("q")
        self._positions = positions if positions is not None else array("I")
        self._tail: dict[int, list[int]] = {}

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

    def seal(self) -> None:
        if not self._tail:
            return
        if self._hashes:
            self._hashes, self._positions = self._merged()
        else:
            # Whole arrays from iterators over the groups: no per-key list or extend.
            keys = sorted(self._tail)
            groups = [self._tail[key_hash] for key_hash in keys]
            self._positions = array("I", chain.from_iterable(groups))
            self._hashes = array("q", chain.from_iterable(map(repeat, keys, map(len, groups))))
        self._tail = {}

    def _merged(self) -> tuple[array[int], array[int]]:
        """The sealed postings with the tail's merged in, copied in runs between the tail's
        keys: a refresh that adds a few tracks to a large index moves its arrays, not each
        posting. A tail key's positions follow the sealed ones of its hash (they are
        higher)."""
        hashes, positions = self._hashes, self._positions
        out_hashes: array[int] = array("q")
        out_positions: array[int] = array("I")
        start = 0
        for key_hash in sorted(self._tail):
            cut = bisect_right(hashes, key_hash, start)
            out_hashes.extend(hashes[start:cut])
            out_positions.extend(positions[start:cut])
            added = self._tail[key_hash]
            out_hashes.extend(repeat(key_hash, len(added)))
            out_positions.extend(added)
            start = cut
        out_hashes.extend(hashes[start:])
        out_positions.extend(positions[start:])
        return out_hashes, out_positions

    def _span(self, key_hash: int) -> tuple[int, int]:
        return bisect_left(self._hashes, key_hash), bisect_right(self._hashes, key_hash)

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
        self.seal()
        return self._hashes, self._positions

    def memory_bytes(self) -> int:
        tail = sys.getsizeof(self._tail) + sum(
            sys.getsizeof(ps) + 32 * len(ps) for ps in self._tail.values()
        )
        return array_bytes(self._hashes) + array_bytes(self._positions) + tail
