"""Plex ``/all`` filters and sorts, validated as the server does (400 on what it rejects)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from emulators.http import fold, search_fold
from emulators.library import Track
from emulators.plex_nodes import TRACK_BASE
from emulators.tracklist import TrackList


class BadRequest(Exception):
    """Answered with 400."""


STRING_FIELDS = {
    "title": "title",
    "originalTitle": "credit",
    "parentTitle": "album",
    "artist.title": "album_artist",  # the grandparent: the album artist
}
INT_FIELDS = frozenset({"year", "addedAt", "updatedAt", "duration", "index", "parentIndex", "id"})
REJECTED_FIELDS = frozenset({"grandparentTitle"})
NOT_FILTERS = frozenset(
    {
        "type",
        "includeGuids",
        "X-Plex-Container-Start",
        "X-Plex-Container-Size",
        "X-Plex-Token",
        "sort",
        "includeMeta",
        "includeAdvanced",
        "limit",
        "includeCollections",
        "includeExternalMedia",
        "checkFiles",
        "includeRelated",
        "includeFields",
        "excludeFields",
        "excludeElements",
        "X-Plex-Product",
        "X-Plex-Client-Identifier",
        "X-Plex-Version",
        "X-Plex-Platform",
        "X-Plex-Device",
        "X-Plex-Device-Name",
        "X-Plex-Features",
        "X-Plex-Model",
        "X-Plex-Provides",
        "X-Plex-Platform-Version",
        "X-Plex-Language",
        "X-Plex-Text-Format",
    }
)


# The integer filters by the column each reads (emulators/tracklist.py), and what is added.
_COLUMNS = {
    "year": ("year", 0),
    "addedAt": ("added_at", 0),
    "updatedAt": ("updated_at", 0),
    "duration": ("duration_ms", 0),
    "index": ("track_no", 0),
    "parentIndex": ("disc_no", 0),
    "id": ("seq", TRACK_BASE),
}


_INT_TESTS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">>=": lambda a, b: a > b,
    "<<=": lambda a, b: a < b,
}
_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "=": lambda have, want: want in have,
    "!=": lambda have, want: want not in have,
    "==": lambda have, want: have == want,
    "!==": lambda have, want: have != want,
}


def candidates(tracks: TrackList, terms: list[tuple[str, str, str]]) -> Iterable[Track]:
    """The tracks that pass ``terms``, read from the columns: a string filter tests each
    distinct value once, so a search over a million tracks builds only what it finds.
    Every track when there is no term; ``matches`` still checks each one whole."""
    positions: Iterable[int] = range(len(tracks))
    values = tracks.pool.values
    for name, op, value in terms:
        bare = name.removeprefix("track.")
        if bare in _COLUMNS:
            (column, offset), want = _COLUMNS[bare], int(value)
            numbers, test = tracks.ints[column], _INT_TESTS[op]
            positions = [p for p in positions if test(numbers[p] + offset, want)]
        elif bare in STRING_FIELDS:
            ids, wanted = tracks.strs[STRING_FIELDS[bare]], search_fold(value)
            string_test = _STRING_TESTS[op]
            passing = {i for i in set(ids) if string_test(search_fold(str(values[i])), wanted)}
            positions = [p for p in positions if ids[p] in passing]
    if isinstance(positions, range):
        return tracks
    return (tracks.track(p) for p in positions)


def matches(track: Track, terms: list[tuple[str, str, str]]) -> bool:
    for name, op, value in terms:
        name = name.removeprefix("track.")
        if name in STRING_FIELDS:
            have = search_fold(getattr(track, STRING_FIELDS[name]))
            ok = _STRING_TESTS[op](have, search_fold(value))
        else:
            number = {
                "year": track.year,
                "addedAt": track.added_at,
                "updatedAt": track.updated_at,
                "duration": track.duration_ms,
                "index": track.track_no,
                "parentIndex": track.disc_no,
                "id": TRACK_BASE + track.seq,
            }[name]
            ok = _INT_TESTS[op](number, int(value))
        if not ok:
            return False
    return True


def filters_of(terms: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The filter terms of a query, validated as Plex does: unknown fields, wrong operators
    and ``grandparentTitle=`` are a 400."""
    filters = []
    for name, op, value in terms:
        bare = name.removeprefix("track.")
        if name in NOT_FILTERS or name.startswith("X-Plex-"):
            continue
        if bare in REJECTED_FIELDS:
            raise BadRequest(f"{bare} is not a filter of this type")
        if bare in STRING_FIELDS:
            if op not in ("=", "!=", "==", "!=="):
                raise BadRequest(f"operator {op} does not apply to {bare}")
        elif bare in INT_FIELDS:
            if op not in ("=", "!=", ">>=", "<<="):
                raise BadRequest(f"operator {op} does not apply to {bare}")
            if not value.lstrip("-").isdigit():
                raise BadRequest(f"{bare} takes a number")
        else:
            raise BadRequest(f"unknown filter {bare}")
        filters.append((bare, op, value))
    return filters


_SORTS: dict[str, Callable[[Track], Any]] = {
    "titleSort": lambda t: fold(t.title),
    "title": lambda t: fold(t.title),
    "addedAt": lambda t: t.added_at,
    "updatedAt": lambda t: t.updated_at,
    "id": lambda t: t.seq,
    "ratingKey": lambda t: t.seq,
    "duration": lambda t: t.duration_ms,
    "index": lambda t: t.track_no,
    "year": lambda t: t.year,
}


def sort_tracks(tracks: list[Track], sort: str) -> list[Track]:
    if not sort:
        return tracks
    result = tracks
    for spec in reversed(sort.split(",")):
        name, _, direction = spec.partition(":")
        if name not in _SORTS:
            raise BadRequest(f"unknown sort {name}")
        result = sorted(result, key=_SORTS[name], reverse=direction == "desc")
    return result
