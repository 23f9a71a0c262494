"""Matching one query against an index: MBID, then exact keys, then fuzzy over indexed
candidates, scored with rapidfuzz; album and duration break ties, and a duration far
from the source's vetoes a pick. Where the artist names disagree, artist MBIDs, or the
agreement of title, album and duration, decide (docs/MATCHING.md)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from common.matching.index import Entry, TrackIndex
from common.matching.normalize import (
    ParsedTitle,
    album_key,
    artist_keys,
    credit_keys,
    fold,
    key,
    parse_title,
    primary_artist_keys,
    roman_key,
    tokens,
    without_track_number,
    words,
)
from common.matching.query import LibraryTrack, Match, MatchMethod, Query
from common.matching.romanize import roman

FUZZY_CANDIDATE_LIMIT = 3000
SHORTLIST = 25
ALBUM_SHORTLIST = 5
ALBUM_POOL_LIMIT = 200
# Title, album and duration agreeing this closely name the recording even when the artist
# names do not (a translated or romanized name): the duration within this many ms.
CORROBORATING_DURATION_MS = 2000
CORROBORATED_TITLE = 0.9
OTHER_SCRIPT_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class _Probe:
    """What one query compares, computed once."""

    core_key: str
    roman_key: str  # the core key romanized (the same when Latin)
    words: tuple[str, ...]
    roman_words: tuple[str, ...]
    artists: tuple[str, ...]  # artist keys, aliases and romanized forms included
    credits: tuple[str, ...]  # the keys of whole credits (compared fuzzily)
    artist_mbids: frozenset[str]
    album_key: str
    tags: frozenset[str]


def _probe(query: Query, parsed: ParsedTitle, core_key: str, album: str) -> _Probe:
    """Built only when the exact step found nothing: most queries never need it."""
    folded = fold(parsed.core)
    names = tuple(a for a in query.artists if a.strip()) + parsed.featured
    return _Probe(
        core_key=core_key,
        roman_key=roman_key(core_key),
        words=tuple(words(folded)),
        roman_words=tuple(words(roman(folded))),
        artists=artist_keys(names),
        credits=credit_keys(names),
        artist_mbids=frozenset(m.strip().lower() for m in query.artist_mbids if m.strip()),
        album_key=album,
        tags=parsed.tags,
    )


def _shortlist(index: TrackIndex, probe: _Probe, core: str, duration_ms: int) -> list[Entry]:
    """The few candidates worth a full score: the closest titles among tracks sharing a
    rare title word and among tracks by the same artist, and the closest durations on the
    query's album. Title similarity over the whole pool is computed in rapidfuzz's C++
    loop, on romanized keys so that scripts meet; only the shortlist is scored in Python."""
    chosen: dict[str, Entry] = {}
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
        for _choice, _score, position in ranked:
            entry = index.entry(pool[position])
            chosen.setdefault(entry.item_id, entry)
    # The album's own tracks, closest durations first: where neither title words nor artist
    # names are shared (a translated artist, a title in another script), the album may be.
    pool = index.album_candidates(probe.album_key, ALBUM_POOL_LIMIT)
    if pool and duration_ms > 0:
        durations = index.durations
        pool = sorted(pool, key=lambda i: abs(durations[i] - duration_ms))
    for position in pool[:ALBUM_SHORTLIST]:
        if index.item_ids.get(position) not in chosen:
            entry = index.entry(position)
            chosen[entry.item_id] = entry
    return list(chosen.values())


def duration_vetoes(a_ms: int, b_ms: int) -> bool:
    """Both durations known and too far apart to be the same recording."""
    if a_ms <= 0 or b_ms <= 0:
        return False
    return abs(a_ms - b_ms) > max(20_000, 0.12 * max(a_ms, b_ms))


def _seconds(ms: int) -> str:
    return f"{round(ms / 1000)}s"


def _tie_break(
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


def _word_found(word: str, others: tuple[str, ...]) -> bool:
    return any(
        o.startswith(word)
        or word.startswith(o)
        or o.endswith(word)
        or word.endswith(o)
        or fuzz.ratio(word, o) >= 75
        for o in others
    )


def _unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    present = set(b)  # a word found as it is needs no closer look
    return sum(1 for w in a if w not in present and not _word_found(w, b))


def unmatched_words(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Words of one title with no close counterpart in the other ('Part II' added to a
    title makes another song; a typo inside a word does not)."""
    return max(_unmatched(a, b), _unmatched(b, a))


def _title_similarity(probe: _Probe, entry: Entry) -> float:
    """Title similarity, cut by every unmatched word; when either title is in another
    script, the romanized titles count too (their words only where both have spaces:
    kana and hangul are written without)."""
    title = fuzz.ratio(probe.core_key, entry.core_key) / 100
    title *= 0.8 ** unmatched_words(probe.words, entry.core_words)
    if probe.roman_key == probe.core_key and entry.roman_core_key == entry.core_key:
        return title
    romanized = fuzz.ratio(probe.roman_key, entry.roman_core_key) / 100
    entry_words = tuple(words(roman(" ".join(entry.core_words))))
    if len(probe.roman_words) > 1 and len(entry_words) > 1:
        romanized *= 0.8 ** unmatched_words(probe.roman_words, entry_words)
    return max(title, romanized)


def _artist_similarity(probe: _Probe, entry: Entry) -> float:
    """1 when an artist MBID or an artist key is shared, else the closest pair of a whole
    credit's key and the track's artist keys."""
    if probe.artist_mbids & entry.artist_mbids:
        return 1.0
    if any(a in entry.artist_keys for a in probe.artists):
        return 1.0
    return max(
        (fuzz.ratio(q, c) / 100 for q in probe.credits for c in entry.artist_keys), default=0.0
    )


def _corroborated(probe: _Probe, query: Query, entry: Entry) -> bool:
    """Album and duration agree: both known on both sides."""
    return (
        bool(probe.album_key)
        and entry.album_key == probe.album_key
        and query.duration_ms > 0
        and entry.duration_ms > 0
        and abs(query.duration_ms - entry.duration_ms) <= CORROBORATING_DURATION_MS
    )


def _fuzzy_score(probe: _Probe, query: Query, entry: Entry, artist: float) -> float:
    """Title similarity times the artist similarity when the artists differ: a right
    title by the wrong artist is not a match, unless album and duration agree as well."""
    title = _title_similarity(probe, entry)
    score = title if artist >= 0.9 else title * artist
    if title >= CORROBORATED_TITLE and _corroborated(probe, query, entry):
        score = title
    if probe.album_key and entry.album_key == probe.album_key:
        score += 0.02
    if (
        query.duration_ms
        and entry.duration_ms
        and abs(query.duration_ms - entry.duration_ms) <= 3000
    ):
        score += 0.02
    return min(score, 0.99)


def _exact(
    index: TrackIndex, parsed: ParsedTitle, core_key: str, artists: tuple[str, ...]
) -> list[Entry]:
    """Tracks with the same (artist, core title) key and the same version tags: the core
    as given, else romanized, else without a leading number ('12 Roses' for 'Roses')."""
    cores = [core_key]
    if not core_key.isascii():
        cores.append(roman_key(core_key))
    if parsed.core[:1].isdigit():
        bare = without_track_number(parsed.core)
        if bare:
            cores.append(key(bare))
    names = primary_artist_keys(artists) or artist_keys(artists)
    for core in cores:
        for artist in names:
            found = [e for e in index.exact(artist, core) if e.tags == parsed.tags]
            if found:
                return found
    return []


def _other_script(probe: _Probe, query: Query, scored: list[tuple[Entry, float]]) -> Entry | None:
    """The one candidate whose title is in another script than the query's (so titles
    cannot be compared) while artist, album and duration all agree."""
    fits = [
        entry
        for entry, artist in scored
        if artist >= 0.9
        and entry.core_key.isascii() != probe.core_key.isascii()
        and entry.tags == probe.tags
        and _corroborated(probe, query, entry)
    ]
    return fits[0] if len(fits) == 1 else None


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
            best = min(hits, key=lambda e: _tie_break(index, query, album, e))
            return Match(MatchMethod.MBID, index.track(best.position), 1.0, "recording MBID")

    # 3. Normalized (primary artist, core title), same version.
    vetoed: Entry | None = None
    exact = _exact(index, parsed, core_key, artists)
    if exact:
        allowed = [e for e in exact if not duration_vetoes(query.duration_ms, e.duration_ms)]
        if allowed:
            best = min(allowed, key=lambda e: _tie_break(index, query, album, e))
            same_album = bool(album) and best.album_key == album
            return Match(
                MatchMethod.EXACT,
                index.track(best.position),
                1.0 if same_album else 0.98,
                "exact artist and title" + (" and album" if same_album else ""),
            )
        vetoed = min(exact, key=lambda e: _tie_break(index, query, album, e))

    # 4. Fuzzy over candidates from the token, artist and album indexes.
    probe = _probe(query, parsed, core_key, album)
    best_entry: Entry | None = None
    best_score = -1.0
    best_reason = ""
    scored: list[tuple[Entry, float]] = []
    for entry in _shortlist(index, probe, parsed.core, query.duration_ms):
        artist = _artist_similarity(probe, entry)
        scored.append((entry, artist))
        score = _fuzzy_score(probe, query, entry, artist)
        reason = f"similar title and artist ({score:.2f})"
        if entry.tags != probe.tags:
            score *= 0.6
            reason = f"different version ({', '.join(sorted(entry.tags ^ probe.tags))})"
        if duration_vetoes(query.duration_ms, entry.duration_ms):
            score = min(score, 0.5)
            reason = f"duration {_seconds(entry.duration_ms)} vs {_seconds(query.duration_ms)}"
        better = score > best_score or (
            score == best_score and best_entry is not None and entry.item_id < best_entry.item_id
        )
        if better:
            best_entry, best_score, best_reason = entry, score, reason
    if best_entry is not None and best_score >= min_confidence:
        return Match(
            MatchMethod.FUZZY, index.track(best_entry.position), round(best_score, 4), best_reason
        )
    other = _other_script(probe, query, scored) if vetoed is None else None
    if other is not None and min_confidence <= OTHER_SCRIPT_CONFIDENCE:
        return Match(
            MatchMethod.FUZZY,
            index.track(other.position),
            OTHER_SCRIPT_CONFIDENCE,
            "title in another script; artist, album and duration agree",
        )

    best_track: LibraryTrack | None = index.track(best_entry.position) if best_entry else None
    if vetoed is not None:
        return Match(
            MatchMethod.NONE,
            None,
            0.5,
            "same artist and title but duration "
            f"{_seconds(vetoed.duration_ms)} vs {_seconds(query.duration_ms)}",
            best=index.track(vetoed.position),
        )
    if best_track is None:
        return Match(MatchMethod.NONE, None, 0.0, "no candidate in the library")
    return Match(
        MatchMethod.NONE,
        None,
        round(max(best_score, 0.0), 4),
        f"best candidate below threshold: {best_reason}",
        best=best_track,
    )
