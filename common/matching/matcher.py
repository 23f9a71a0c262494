"""Matching one query against an index: MBID, then exact keys, then fuzzy over indexed
candidates, scored with rapidfuzz; album and duration break ties, and a duration far
from the source's vetoes a pick."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from common.matching.index import Entry, TrackIndex
from common.matching.model import LibraryTrack, Match, MatchMethod, Query
from common.matching.normalize import (
    artist_keys,
    fold,
    key,
    parse_title,
    primary_artist_keys,
    tokens,
    words,
)

FUZZY_CANDIDATE_LIMIT = 3000
SHORTLIST = 25


def _shortlist(
    index: TrackIndex, core_key: str, core: str, artists: tuple[str, ...]
) -> list[Entry]:
    """The few candidates worth a full score: the closest titles among tracks sharing a
    rare title word, and among tracks by the same artist. Title similarity over the whole
    pool is computed in rapidfuzz's C++ loop; only the shortlist is scored in Python."""
    chosen: dict[str, Entry] = {}
    keys = index.core_keys
    for pool in (
        index.title_candidates(tokens(core), FUZZY_CANDIDATE_LIMIT),
        index.artist_candidates(artists, FUZZY_CANDIDATE_LIMIT),
    ):
        if not pool:
            continue
        ranked = process.extract(
            core_key, [keys[i] for i in pool], scorer=fuzz.ratio, limit=SHORTLIST
        )
        for _choice, _score, position in ranked:
            entry = index.entry(pool[position])
            chosen.setdefault(entry.item_id, entry)
    return list(chosen.values())


def duration_vetoes(a_ms: int, b_ms: int) -> bool:
    """Both durations known and too far apart to be the same recording."""
    if a_ms <= 0 or b_ms <= 0:
        return False
    return abs(a_ms - b_ms) > max(20_000, 0.12 * max(a_ms, b_ms))


def _seconds(ms: int) -> str:
    return f"{round(ms / 1000)}s"


def _tie_break(query: Query, album_key: str, entry: Entry) -> tuple[int, int, str]:
    album_miss = 0 if album_key and entry.album_key == album_key else 1
    gap = (
        abs(query.duration_ms - entry.duration_ms) if query.duration_ms and entry.duration_ms else 0
    )
    return (album_miss, gap, entry.item_id)


def _word_found(word: str, others: tuple[str, ...]) -> bool:
    return any(
        o.startswith(word)
        or word.startswith(o)
        or o.endswith(word)
        or word.endswith(o)
        or fuzz.ratio(word, o) >= 75
        for o in others
    )


def unmatched_words(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Words of one title with no close counterpart in the other ('Part II' added to a
    title makes another song; a typo inside a word does not)."""
    return max(
        sum(1 for w in a if not _word_found(w, b)), sum(1 for w in b if not _word_found(w, a))
    )


def _fuzzy_score(
    core_key: str,
    core_words: tuple[str, ...],
    artists: tuple[str, ...],
    album_key: str,
    query: Query,
    entry: Entry,
) -> float:
    """Title similarity, cut by every unmatched word, times the artist similarity when
    the artists differ: a right title by the wrong artist is not a match."""
    title = fuzz.ratio(core_key, entry.core_key) / 100
    title *= 0.8 ** unmatched_words(core_words, entry.core_words)
    artist = max((fuzz.ratio(q, c) / 100 for q in artists for c in entry.artist_keys), default=0.0)
    score = title if artist >= 0.9 else title * artist
    if album_key and entry.album_key == album_key:
        score += 0.02
    if (
        query.duration_ms
        and entry.duration_ms
        and abs(query.duration_ms - entry.duration_ms) <= 3000
    ):
        score += 0.02
    return min(score, 0.99)


def match_track(index: TrackIndex, query: Query, min_confidence: float) -> Match:
    """The best match for ``query``, or a NONE result with the best candidate seen."""
    parsed = parse_title(query.title)
    album_key = key(query.album) if query.album else ""
    artists = tuple(a for a in query.artists if a.strip()) + parsed.featured

    # 1. Recording MBID.
    if query.mbid:
        hits = index.by_mbid(query.mbid)
        if hits:
            best = min(hits, key=lambda e: _tie_break(query, album_key, e))
            return Match(MatchMethod.MBID, index.track(best.position), 1.0, "recording MBID")

    # 2. Normalized (primary artist, core title), same version.
    core_key = key(parsed.core)
    vetoed: Entry | None = None
    exact: list[Entry] = []
    for artist in primary_artist_keys(artists) or artist_keys(artists):
        exact = [e for e in index.exact(artist, core_key) if e.tags == parsed.tags]
        if exact:
            break
    if exact:
        allowed = [e for e in exact if not duration_vetoes(query.duration_ms, e.duration_ms)]
        if allowed:
            best = min(allowed, key=lambda e: _tie_break(query, album_key, e))
            same_album = bool(album_key) and best.album_key == album_key
            return Match(
                MatchMethod.EXACT,
                index.track(best.position),
                1.0 if same_album else 0.98,
                "exact artist and title" + (" and album" if same_album else ""),
            )
        vetoed = min(exact, key=lambda e: _tie_break(query, album_key, e))

    # 3. Fuzzy over candidates from the token and artist indexes.
    query_words = tuple(words(fold(parsed.core)))
    query_artists = artist_keys(artists)
    best_entry: Entry | None = None
    best_score = -1.0
    best_reason = ""
    for entry in _shortlist(index, core_key, parsed.core, query_artists):
        score = _fuzzy_score(core_key, query_words, query_artists, album_key, query, entry)
        reason = f"similar title and artist ({score:.2f})"
        if entry.tags != parsed.tags:
            score *= 0.6
            reason = f"different version ({', '.join(sorted(entry.tags ^ parsed.tags))})"
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
