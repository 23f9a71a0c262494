"""Rendered track fragments kept between requests, so a listing page is a join of bytes
rendered once instead of per-item dicts encoded on every request."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from emulators.library import Track

Entries = dict[int, tuple[Track, bytes]]  # track seq -> (the track rendered, its bytes)


class FragmentCache:
    """Each track's bytes per option set (format, fields...) that changes them.

    Tracks are frozen, so an entry stays right while it was rendered from the very track
    object asked about: an edited track (a new object) is rendered anew on its own. Library
    edits drop what they removed or replaced (``retain``), and only the ``max_variants``
    most recently used option sets are kept (a client uses two or three: its listing, its
    id sweep, a one-track count), so memory stays at a few renderings of the library."""

    def __init__(self, max_variants: int = 8) -> None:
        self.max_variants = max_variants
        self.variants: dict[Hashable, Entries] = {}

    def retain(self, tracks: Iterable[Track]) -> None:
        """Keep only what was rendered from these very tracks: after a library edit, the
        tracks it left alone are not rendered again."""
        live = {track.seq: track for track in tracks}
        for entries in self.variants.values():
            for seq in [seq for seq, (track, _) in entries.items() if live.get(seq) is not track]:
                del entries[seq]

    def _entries(self, key: Hashable) -> Entries:
        """The entries of option set ``key``, now the most recently used."""
        entries = self.variants.pop(key, None)
        if entries is None:
            entries = {}
            while len(self.variants) >= self.max_variants:
                del self.variants[next(iter(self.variants))]  # the least recently used
        self.variants[key] = entries
        return entries

    def one(self, key: Hashable, track: Track, render: Callable[[Track], bytes]) -> bytes:
        """One track's bytes under ``key``, rendered only when not cached yet; used for
        parts shared by several option sets (it does not count as a use of ``key``)."""
        entries = self.variants.get(key)
        if entries is None:
            entries = self._entries(key)
        entry = entries.get(track.seq)
        if entry is None or entry[0] is not track:
            entry = entries[track.seq] = (track, render(track))
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
            if entry is None or entry[0] is not track:
                entry = entries[track.seq] = (track, render(track))
            out.append(entry[1])
        return out
