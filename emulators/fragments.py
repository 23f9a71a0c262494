"""Rendered track fragments kept between requests, so a listing page is a join of bytes
rendered once instead of per-item dicts encoded on every request."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from itertools import islice

from emulators.library import Track

Entries = dict[int, tuple[Track, bytes]]  # track seq -> (the track rendered, its bytes)


class FragmentCache:
    """Each track's bytes per option set (format, fields...) that changes them.

    Tracks are frozen values, so an entry stays right while it was rendered from a track
    equal to the one asked about: an edited track is rendered anew on its own. Only the
    ``max_variants`` most recently used option sets are kept (a client uses two or three:
    its listing, its id sweep, a one-track count), and at most ``max_entries`` entries in
    all, the oldest dropped first: a library of a million tracks is rendered page by page
    as it is listed, never held whole."""

    def __init__(self, max_variants: int = 8, max_entries: int = 120_000) -> None:
        self.max_variants = max_variants
        self.max_entries = max_entries
        self.variants: dict[Hashable, Entries] = {}
        self.size = 0

    def retain(self, tracks: Iterable[Track]) -> None:
        """Keep only what was rendered from these very tracks: after a library edit, the
        tracks it left alone are not rendered again."""
        live = {track.seq: track for track in tracks}
        for entries in self.variants.values():
            for seq in [seq for seq, (track, _) in entries.items() if live.get(seq) != track]:
                del entries[seq]
                self.size -= 1

    def _entries(self, key: Hashable) -> Entries:
        """The entries of option set ``key``, now the most recently used."""
        entries = self.variants.pop(key, None)
        if entries is None:
            entries = {}
            while len(self.variants) >= self.max_variants:
                # the least recently used
                self.size -= len(self.variants.pop(next(iter(self.variants))))
        self.variants[key] = entries
        return entries

    def _put(self, entries: Entries, track: Track, render: Callable[[Track], bytes]) -> bytes:
        """Render ``track`` into ``entries``, dropping the oldest entries past the limit."""
        if track.seq not in entries:
            self.size += 1
        body = render(track)
        entries[track.seq] = (track, body)
        if self.size > self.max_entries:
            self._evict(max(1, self.max_entries // 4))
        return body

    def _evict(self, count: int) -> None:
        """Drop ``count`` of the oldest entries, in one pass: a dict iterated from the
        front after single deletions there would scan every deleted slot each time."""
        for entries in list(self.variants.values()):
            gone = list(islice(entries, count))
            for seq in gone:
                del entries[seq]
            self.size -= len(gone)
            count -= len(gone)
            if count <= 0:
                return

    def one(self, key: Hashable, track: Track, render: Callable[[Track], bytes]) -> bytes:
        """One track's bytes under ``key``, rendered only when not cached yet; used for
        parts shared by several option sets (it does not count as a use of ``key``)."""
        entries = self.variants.get(key)
        if entries is None:
            entries = self._entries(key)
        entry = entries.get(track.seq)
        if entry is None or entry[0] != track:
            return self._put(entries, track, render)
        return entry[1]

    def render(
        self, key: Hashable, tracks: Iterable[Track], render: Callable[[Track], bytes]
    ) -> list[bytes]:
        """The fragments of ``tracks`` under option set ``key``, rendering only the ones
        not cached yet."""
        entries = self._entries(key)
        out: list[bytes] = []
        for track in tracks:
            entry = entries.get(track.seq)
            out.append(
                self._put(entries, track, render)
                if entry is None or entry[0] != track
                else entry[1]
            )
        return out
