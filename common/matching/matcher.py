"""Matching one query against an index: MBID, then exact keys, then fuzzy over indexed
candidates, scored with rapidfuzz; album and duration break ties, and a duration far
from the source's vetoes a pick. Where the artist names disagree, artist MBIDs, or the
agreement of title, album and duration, decide (docs/MATCHING.md)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from rapidfuzz import fuzz, process

from common.matching.index import Entry, TrackIndex
from common.matching.normalize import (
    ParsedTitle,
    album_key,
    alias_keys,
    artist_keys,
    fold,
    key,
    parse_title,
    primary_artist_keys,
    roman_key,
    title_variants,
    tokens,
    without_track_number,
)
from common.matching.query import Match, MatchMethod, Query
from common.matching.romanize import roman
from common.matching.scoring import (
    ARTIST_AGREES,
    Probe,
    artist_similarity_of,
    corroborated,
    duration_vetoes,
    make_probe,
    score_bound,
    score_entry,
    seconds,
)

FUZZY_CANDIDATE_LIMIT = 3000
SHORTLIST = 25
ALBUM_SHORTLIST = 5
ALBUM_POOL_LIMIT = 200
OTHER_SCRIPT_CONFIDENCE = 0.9


def probe_of(index: TrackIndex, query: Query, parsed: ParsedTitle, album: str) -> Probe:
    """Built only when the exact step found nothing: most queries never need it."""
    return make_probe(query, parsed, album, index.knows_title_word, index.knows_artist)


def candidates(index: TrackIndex, probe: Probe, core: str, duration_ms: int) -> list[int]:
    """The positions of the few candidates worth a score, one per item id: the closest
    titles among tracks sharing a rare title word and among tracks by the same artist, and
    the closest durations on the query's album. Title similarity over the whole pool is
    computed in rapidfuzz's C++ loop, on romanized keys so that scripts meet."""
    chosen: dict[str, int] = {}
    item_ids = index.item_ids
    keys = index.roman_core_keys
    title_tokens = tokens(core)
    if probe.roman_key != probe.core_key:
        title_tokens |= tokens(roman(fold(core)))
    for pool in (
        index.title_candidates(title_tokens, FUZZY_CANDIDATE_LIMIT),
        index.artist_candidates(probe.artists, FUZZY_CANDIDATE_LIMIT),
    ):
        if not pool:
            continue
        ranked = process.extract(
            probe.roman_key, list(map(keys.__getitem__, pool)), scorer=fuzz.ratio, limit=SHORTLIST
        )
        for _choice, _score, place in ranked:
            chosen.setdefault(item_ids.get(pool[place]), pool[place])
    # The album's own tracks, closest durations first: where neither title words nor artist
    # names are shared (a translated artist, a title in another script), the album may be.
    pool = index.album_candidates(probe.album_key, ALBUM_POOL_LIMIT)
    if pool and duration_ms > 0:
        durations = index.durations
        pool = sorted(pool, key=lambda i: abs(durations[i] - duration_ms))
    for position in pool[:ALBUM_SHORTLIST]:
        chosen.setdefault(item_ids.get(position), position)
    return list(chosen.values())


def shortlist(index: TrackIndex, probe: Probe, core: str, duration_ms: int) -> list[Entry]:
    """The candidates' entries (``candidates``), for a caller that scores them all."""
    return [index.entry(p) for p in candidates(index, probe, core, duration_ms)]


def tie_break(
    index: TrackIndex, query: Query, album: str, entry: Entry
) -> tuple[int, int, int, str]:
    """Same album first, the very edition asked for before another, then the closest
    duration, then the smallest id."""
    album_miss = 0 if album and entry.album_key == album else 1
    edition_miss = (
        0 if query.album and key(index.albums.get(entry.position)) == key(query.album) else 1
    )
    gap = (
        abs(query.duration_ms - entry.duration_ms) if query.duration_ms and entry.duration_ms else 0
    )
    return (album_miss, edition_miss, gap, entry.item_id)


def _cores(parsed: ParsedTitle, core_key: str) -> Iterator[str]:
    """The core title keys the exact step tries, in order (made as they are asked for:
    most queries stop at the first)."""
    yield core_key
    core = parsed.core
    if "&" in core or "and" in core.lower():
        yield from (key(v) for v in title_variants(fold(core))[1:])
    if not core_key.isascii():
        yield roman_key(core_key)
    if core[:1].isdigit():
        bare = without_track_number(core)
        if bare:
            yield key(bare)


def exact_hits(
    index: TrackIndex, parsed: ParsedTitle, core_key: str, artists: tuple[str, ...]
) -> list[Entry]:
    """Tracks with the same (artist, core title) key and the same version tags: the core
    as given, else with "&" read "and" or "and" dropped, else romanized, else without a
    leading number ('12 Roses' for 'Roses')."""
    names = primary_artist_keys(artists) or artist_keys(artists)
    for core in _cores(parsed, core_key):
        for artist in names:
            found = [e for e in index.exact(artist, core) if e.tags == parsed.tags]
            if found and artist in alias_keys(artists):
                # Another duo's alias is nobody's name.
                found = [e for e in found if artist not in index.credit_aliases(e.position)]
            if found:
                return found
    return []


def other_script(
    index: TrackIndex, probe: Probe, query: Query, weighed: list[tuple[float, int, float]]
) -> Entry | None:
    """The one candidate whose title is in another script than the query's (so titles
    cannot be compared) while artist, album and duration all agree; ``weighed`` holds each
    candidate's bound, position and artist similarity (``_bounded``)."""
    fits = []
    for _bound, position, artist in weighed:
        if artist < ARTIST_AGREES:
            continue
        entry = index.entry(position)
        if (
            entry.core_key.isascii() != probe.core_key.isascii()
            and entry.tags == probe.tags
            and corroborated(probe, query, entry)
        ):
            fits.append(entry)
    return fits[0] if len(fits) == 1 else None


def _bounded(
    index: TrackIndex, probe: Probe, positions: list[int]
) -> list[tuple[float, int, float]]:
    """Each candidate's score bound, position and artist similarity, highest bound first:
    worked out from its title keys, artist keys and MBIDs, without a whole Entry."""
    out = []
    for position in positions:
        artist = artist_similarity_of(
            probe,
            index.artist_keys_of(position),
            index.artist_mbids_of(position),
            partial(index.credit_aliases, position),
        )
        bound = score_bound(
            probe, index.core_keys[position], index.roman_core_keys[position], artist
        )
        out.append((bound, position, artist))
    out.sort(key=lambda b: -b[0])
    return out


def _same_file(index: TrackIndex, query: Query) -> Match | None:
    """The one track whose file path ends as the query's does, unless its duration says it
    is another recording (a hash collision, or a file replaced since). Several tracks with
    that ending (one folder layout in two libraries) decide nothing: the other rules do."""
    hits = [
        e
        for e in index.by_path(query.path)
        if not duration_vetoes(query.duration_ms, e.duration_ms)
    ]
    if len(hits) != 1:
        return None
    return Match(MatchMethod.PATH, index.track(hits[0].position), 1.0, "same file path")


def match_track(index: TrackIndex, query: Query, min_confidence: float) -> Match:
    """The best match for ``query``, or a NONE result with the best candidate seen."""
    parsed = parse_title(query.title)
    core_key = key(parsed.core)
    album = album_key(query.album) if query.album else ""
    artists = tuple(a for a in query.artists if a.strip()) + parsed.featured

    # 1. The same file: the path's last components (a pin, applied before, still wins).
    if query.path:
        found = _same_file(index, query)
        if found is not None:
            return found

    # 2. Recording MBID.
    if query.mbid:
        hits = index.by_mbid(query.mbid)
        if hits:
            best = min(hits, key=lambda e: tie_break(index, query, album, e))
            return Match(MatchMethod.MBID, index.track(best.position), 1.0, "recording MBID")

    # 3. Normalized (primary artist, core title), same version.
    vetoed: Entry | None = None
    exact = exact_hits(index, parsed, core_key, artists)
    if exact:
        allowed = [e for e in exact if not duration_vetoes(query.duration_ms, e.duration_ms)]
        if allowed:
            best = min(allowed, key=lambda e: tie_break(index, query, album, e))
            same_album = bool(album) and best.album_key == album
            return Match(
                MatchMethod.EXACT,
                index.track(best.position),
                1.0 if same_album else 0.98,
                "exact artist and title" + (" and album" if same_album else ""),
            )
        vetoed = min(exact, key=lambda e: tie_break(index, query, album, e))

    # 4. Fuzzy over candidates from the token, artist and album indexes: each scored in
    # full, highest bound first, until no bound left reaches the best score (a bound below
    # it cannot win, nor tie).
    probe = probe_of(index, query, parsed, album)
    best_entry: Entry | None = None
    best_score = -1.0
    best_reason = ""
    weighed = _bounded(index, probe, candidates(index, probe, parsed.core, query.duration_ms))
    for bound, position, _artist in weighed:
        if bound < best_score:
            break
        entry = index.entry(position)
        parts = score_entry(probe, query, entry, partial(index.credit_aliases, position))
        score = parts.score
        better = score > best_score or (
            score == best_score
            and best_entry is not None
            and tie_break(index, query, album, entry) < tie_break(index, query, album, best_entry)
        )
        if better:
            best_entry, best_score, best_reason = entry, score, parts.reason
    if best_entry is not None and best_score >= min_confidence:
        return Match(
            MatchMethod.FUZZY, index.track(best_entry.position), round(best_score, 4), best_reason
        )
    other = other_script(index, probe, query, weighed) if vetoed is None else None
    closest = (best_entry, best_score, best_reason) if best_entry is not None else None
    return unpicked(index, query, min_confidence, other, vetoed, closest)


def unpicked(
    index: TrackIndex,
    query: Query,
    min_confidence: float,
    other: Entry | None,
    vetoed: Entry | None,
    closest: tuple[Entry, float, str] | None,
) -> Match:
    """The answer when no candidate reached the threshold: ``other`` (``other_script``'s
    pick) when the threshold allows it, else NONE with what came closest: the exact hit a
    duration ``vetoed``, or the ``closest`` candidate (entry, score, reason)."""
    if other is not None and min_confidence <= OTHER_SCRIPT_CONFIDENCE:
        return Match(
            MatchMethod.FUZZY,
            index.track(other.position),
            OTHER_SCRIPT_CONFIDENCE,
            "title in another script; artist, album and duration agree",
        )
    if vetoed is not None:
        return Match(
            MatchMethod.NONE,
            None,
            0.5,
            "same artist and title but duration "
            f"{seconds(vetoed.duration_ms)} vs {seconds(query.duration_ms)}",
            best=index.track(vetoed.position),
        )
    if closest is None:
        return Match(MatchMethod.NONE, None, 0.0, "no candidate in the library")
    entry, score, reason = closest
    return Match(
        MatchMethod.NONE,
        None,
        round(max(score, 0.0), 4),
        f"best candidate below threshold: {reason}",
        best=index.track(entry.position),
    )
