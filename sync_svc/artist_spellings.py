"""Finding an artist the playlist spells another way than the library (pure): a name in
another script ("Kino" for "Кино", "Ikimonogakari" for "いきものがかり"), or one letter
off ("Mumiy Troll" for "Мумий Тролль", read "mumii troll"). A server's search folds case
only, so no query finds these; the library's own list of artist names, romanized as the
matcher romanizes, does."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from common.matching.normalize import artist_key, roman_key

# Keys this long or longer may be one edit (OSA: a letter inserted, deleted, changed, or
# two swapped) from the library's; shorter ones must be equal, else "Abba" finds "Alba".
FUZZY_MIN_LENGTH = 6
MAX_NAMES = 3  # library names one playlist artist may stand for


def spelling_key(name: str) -> str:
    """An artist name as compared here: its matcher key, romanized."""
    return roman_key(artist_key(name))


class ArtistSpellings:
    """A library's artist names by their romanized keys."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names: dict[str, list[str]] = {}
        for name in names:
            key = spelling_key(name)
            if key:
                self._names.setdefault(key, []).append(name)
        self._keys = list(self._names)

    def __len__(self) -> int:
        return len(self._keys)

    def near(self, artist: str) -> list[str]:
        """The library's names ``artist`` may stand for, written otherwise than it (a name
        the library writes as the playlist does was listed by that name already): the same
        romanized key, else one edit from it, at most MAX_NAMES, the nearest first."""
        key = spelling_key(artist)
        if not key:
            return []
        written = artist_key(artist)
        if key in self._names:
            keys = [key]
        elif len(key) >= FUZZY_MIN_LENGTH:
            found = process.extract(
                key, self._keys, scorer=OSA.distance, score_cutoff=1, limit=MAX_NAMES
            )
            keys = [k for k, _, _ in sorted(found, key=lambda hit: (hit[1], hit[0]))]
        else:
            keys = []
        names = [n for k in keys for n in self._names[k] if artist_key(n) != written]
        return names[:MAX_NAMES]
