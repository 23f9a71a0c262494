"""How Jellyfin orders an ``/Items`` listing, ties included: the emulated server sorts by
the real server's keys only and leaves ties in an order that changes from one request to
the next, so a client that pages through a listing must not rely on any order the server
does not promise.

Sources (jellyfin/jellyfin):

- The valid names are the ``ItemSortBy`` enum (v10.9.11 and v10.11.11,
  Jellyfin.Data/Enums/ItemSortBy.cs; v10.8.13 has string constants in
  MediaBrowser.Model/Querying/ItemSortBy.cs). None of them is ``Id``.
- An unknown name is dropped without an error: the comma-delimited model binder catches
  the converter's FormatException and leaves the value out (v10.10.7,
  Jellyfin.Api/ModelBinders/CommaDelimitedArrayModelBinder.cs, GetParsedResult; v10.11.11,
  CommaDelimitedCollectionModelBinder.cs). v10.8.13 binds strings and maps an unknown
  name to SortName (Emby.Server.Implementations/Data/SqliteItemRepository.cs,
  MapOrderByField), which orders the same way.
- v10.11.11, Jellyfin.Server.Implementations/Item/BaseItemRepository.cs, ApplyOrder: no
  order asked gives ``OrderBy(SortName)``; a first key of SortName is followed by
  ``ThenBy(Name)``; nothing is added after the last key asked, so rows equal on every key
  come in whatever order the database returns them. v10.9/v10.10 (SqliteItemRepository,
  GetOrderByText) add nothing at all.
- An audio item's SortName is "disc - track - name" (v10.11.11,
  MediaBrowser.Controller/Entities/Audio/Audio.cs, CreateSortName); the Name key sorts by
  CleanName (Jellyfin.Server.Implementations/Item/OrderMapper.cs, MapOrderByField).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

from emulators.http import fold
from emulators.library import Section, Track

T = TypeVar("T")

# Every ItemSortBy name, folded (jellyfin/jellyfin v10.11.11, Jellyfin.Data/Enums/ItemSortBy.cs;
# SearchScore and SimilarityScore are internal, set by the server itself).
SORT_NAMES = frozenset(
    name.lower()
    for name in (
        "Default",
        "AiredEpisodeOrder",
        "Album",
        "AlbumArtist",
        "Artist",
        "DateCreated",
        "OfficialRating",
        "DatePlayed",
        "PremiereDate",
        "StartDate",
        "SortName",
        "Name",
        "Random",
        "Runtime",
        "CommunityRating",
        "ProductionYear",
        "PlayCount",
        "CriticRating",
        "IsFolder",
        "IsUnplayed",
        "IsPlayed",
        "SeriesSortName",
        "VideoBitRate",
        "AirTime",
        "Studio",
        "IsFavoriteOrLiked",
        "DateLastContentAdded",
        "SeriesDatePlayed",
        "ParentIndexNumber",
        "IndexNumber",
    )
)


def audio_sort_name(track: Track) -> str:
    """An audio item's SortName: disc and track number, then the name (Audio.CreateSortName)."""
    return f"{track.disc_no:04d} - {track.track_no:04d} - {track.title}"


# The same keys read from a library's columns (emulators/tracklist.py): a string key is
# worked out once per distinct string, and only for the positions a listing kept (a search
# keeps a few), so a million tracks sort without a Track each.
_FOLDED = {"name": "title", "album": "album", "albumartist": "album_artist"}
_NUMBERS = {
    "datecreated": "added_at",
    "premieredate": "year",
    "productionyear": "year",
    "runtime": "duration_ms",
    "parentindexnumber": "disc_no",
    "indexnumber": "track_no",
}
# The valid keys the emulator has data for; any other (PlayCount, ...) is equal for every
# track, a tie, as for a library nobody has played.
KEYED = frozenset({"sortname", "artist", *_FOLDED, *_NUMBERS})


def _texts(section: Section, term: str, positions: Sequence[int]) -> list[str]:
    """A text key's value at ``positions``, as the server compares it; each distinct string
    worked out once."""
    tracks = section.tracks
    values = tracks.pool.values
    if term == "sortname":  # the name part: disc and track are numbers (_sort_names)
        return [str(values[tracks.strs["title"][p]]) for p in positions]
    if term in _FOLDED:
        ids = [tracks.strs[_FOLDED[term]][p] for p in positions]
        folded = {i: fold(str(values[i])) for i in set(ids)}
        return [folded[i] for i in ids]
    ids = [tracks.tuples["artists"][p] for p in positions]  # "artist": the first track artist
    firsts = {i: (fold(str(values[i][0])) if values[i] else "") for i in set(ids)}  # type: ignore[index]
    return [firsts[i] for i in ids]


def _places(texts: list[str]) -> tuple[list[int], int]:
    """Each text's place among the distinct ones in code point order (the order strings
    compare in), and how many there are: integers sort faster than the strings."""
    place = {text: n for n, text in enumerate(sorted(set(texts)))}
    return list(map(place.__getitem__, texts)), len(place)


def _sort_names(parts: list[tuple[Section, list[int]]]) -> list[Any]:
    """SortName, "disc - track - name" with both numbers in four digits: for numbers of
    four digits or fewer, the same order as (disc, track, name), kept as one integer."""
    discs, numbers, names = [], [], []
    for section, positions in parts:
        disc, number = section.tracks.ints["disc_no"], section.tracks.ints["track_no"]
        discs += [disc[p] for p in positions]
        numbers += [number[p] for p in positions]
        names += _texts(section, "sortname", positions)
    if not all(0 <= n < 10_000 for n in (*discs, *numbers)):
        return [f"{d:04d} - {n:04d} - {t}" for d, n, t in zip(discs, numbers, names, strict=True)]
    places, width = _places(names)
    return [(d * 10_000 + n) * width + t for d, n, t in zip(discs, numbers, places, strict=True)]


def _term_column(term: str, parts: list[tuple[Section, list[int]]]) -> list[Any]:
    """One key's values at every position of ``parts`` (positions in each section)."""
    if term == "sortname":
        return _sort_names(parts)
    if term in _NUMBERS:
        out: list[int] = []
        for section, positions in parts:
            column = section.tracks.ints[_NUMBERS[term]]
            out += [column[p] for p in positions]
        return out
    texts: list[str] = []
    for section, positions in parts:
        texts += _texts(section, term, positions)
    return _places(texts)[0]


def column_keys(
    sections: Sequence[Section], starts: Sequence[int], terms: Sequence[str], chosen: Sequence[int]
) -> list[tuple[Any, ...]]:
    """The sort key (a tuple, a part per term) of each track at flat positions ``chosen``
    (ascending) of ``sections`` end to end, section ``i`` starting at ``starts[i]``, read
    from the columns, in the order of ``chosen``. Text keys become their places among the
    texts listed (the same order, compared as integers). Name is left out after SortName:
    tracks equal on "disc - track - name" (digits, then the name) have equal names, so it
    would never order them."""
    named_by_sort_name = "sortname" in terms and "name" in terms[terms.index("sortname") :]
    keyed = [t for t in terms if t in KEYED and not (t == "name" and named_by_sort_name)]
    parts = [
        (section, [p - start for p in chosen if start <= p < start + len(section.tracks)])
        for section, start in zip(sections, starts, strict=False)
    ]
    columns = [_term_column(t, parts) for t in keyed]
    return list(zip(*columns, strict=True)) if columns else [()] * len(chosen)


def order_terms(requested: Sequence[str]) -> list[str]:
    """The keys the server sorts by for ``SortBy``: unknown names dropped, ``Default``
    ignored, SortName when none is left, and Name after a leading SortName (ApplyOrder)."""
    valid = [name.lower() for name in requested if name.lower() in SORT_NAMES]
    terms = [name for name in valid if name != "default"] or ["sortname"]
    if terms[0] == "sortname":
        terms.insert(1, "name")
    return terms


def tie_runs(keys: Iterable[Hashable]) -> array[int]:
    """For sort keys in listing order, the number of each one's run of equal keys."""
    runs: array[int] = array("I")
    run, previous = 0, None
    for position, key in enumerate(keys):
        if position and key != previous:
            run += 1
        runs.append(run)
        previous = key
    return runs


def page_with_ties(
    ordered: Sequence[T], keys: Sequence[Hashable], start: int, stop: int, seed: int
) -> list[T]:
    """``ordered[start:stop]`` with every run of equal keys that touches the page shuffled
    by ``seed`` first: ties straddling a page boundary come out in another order on each
    request, as rows equal on every ORDER BY term may from a database. Only the runs at the
    page's edges are read beyond it, so a page costs its size, not the listing's."""
    stop = min(stop, len(ordered))
    if start >= stop:
        return []
    low, high = start, stop
    while low > 0 and keys[low - 1] == keys[start]:
        low -= 1
    while high < len(ordered) and keys[high] == keys[stop - 1]:
        high += 1
    window = list(ordered[low:high])
    window_keys = list(keys[low:high])
    rand = random.Random(seed)
    run = 0
    for index in range(1, len(window) + 1):
        if index == len(window) or window_keys[index] != window_keys[run]:
            if index - run > 1:
                part = window[run:index]
                rand.shuffle(part)
                window[run:index] = part
            run = index
    return window[start - low : stop - low]
