"""Why a query matches what it matches: the candidates the matcher considers, each scored
by part (scoring.py), and the verdict in words, for a user deciding whether to pin.

Built on the matcher's own steps (MBID and exact lookups, the shortlist, ``score_entry``);
the decision itself is the caller's Match (``match_track``'s, or MatchTracks' with the
user's overrides), never decided again here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from common.matching.index import Entry, TrackIndex
from common.matching.matcher import exact_hits, probe_of, shortlist, tie_break
from common.matching.normalize import album_key, key, parse_title
from common.matching.query import LibraryTrack, Match, MatchMethod, Query
from common.matching.scoring import ARTIST_AGREES, Parts, score_entry

EXPLAIN_LIMIT = 10
MAX_EXPLAIN_LIMIT = 50


@dataclass(frozen=True)
class Considered:
    """One candidate, its score by part, and how the matcher came to it."""

    track: LibraryTrack
    parts: Parts
    exact: bool  # the exact step found it (same primary artist and core title keys)
    rejected: bool  # a user rejected this item for this query


@dataclass(frozen=True)
class Explanation:
    match: Match
    candidates: tuple[Considered, ...]  # best score first
    verdict: str


def considered(
    index: TrackIndex, query: Query, limit: int, rejected: frozenset[str] = frozenset()
) -> list[Considered]:
    """The candidates the matcher weighs for ``query``: the MBID's and the exact step's
    hits and the fuzzy shortlist, each scored as the fuzzy step scores it, best first."""
    parsed = parse_title(query.title)
    album = album_key(query.album) if query.album else ""
    artists = tuple(a for a in query.artists if a.strip()) + parsed.featured
    probe = probe_of(index, query, parsed, album)
    exact = exact_hits(index, parsed, key(parsed.core), artists)
    found: dict[str, Entry] = (
        {e.item_id: e for e in index.by_mbid(query.mbid)} if query.mbid else {}
    )
    for entry in (*exact, *shortlist(index, probe, parsed.core, query.duration_ms)):
        found.setdefault(entry.item_id, entry)
    exact_ids = {e.item_id for e in exact}

    def rank(entry: Entry, parts: Parts) -> tuple[float, tuple[int, int, int, str]]:
        return (-parts.score, tie_break(index, query, album, entry))

    scored = [
        (entry, score_entry(probe, query, entry, partial(index.credit_aliases, entry.position)))
        for entry in found.values()
    ]
    scored.sort(key=lambda pair: rank(*pair))
    return [
        Considered(
            index.track(entry.position),
            parts,
            entry.item_id in exact_ids,
            entry.item_id in rejected,
        )
        for entry, parts in scored[:limit]
    ]


def _name(track: LibraryTrack) -> str:
    artist = ", ".join(track.artists) or track.album_artist
    return f"{track.title!r} by {artist} (item {track.item_id})"


def held_back(parts: Parts, min_confidence: float) -> str:
    """What kept a candidate's score down, the weightiest first."""
    why: list[str] = []
    if parts.vetoed:
        why.append(f"its duration is {abs(parts.duration_gap_ms) / 1000:.0f} s off")
    if parts.other_tags:
        why.append(f"it is another version ({', '.join(sorted(parts.other_tags))})")
    if parts.artist < ARTIST_AGREES and not parts.corroborated:
        why.append(f"another artist (artist {parts.artist:.2f})")
    if parts.title < min_confidence:
        why.append(f"another title (title {parts.title:.2f})")
    return "; ".join(why) or "too little agrees"


def _lost_on(winner: Parts, other: Parts) -> str:
    """The parts on which ``other`` falls behind ``winner``, the weightiest first."""
    behind: list[str] = []
    if other.vetoed and not winner.vetoed:
        behind.append("the duration (too far off)")
    if other.other_tags and not winner.other_tags:
        behind.append(f"the version ({', '.join(sorted(other.other_tags))})")
    if other.artist < winner.artist:
        behind.append(f"the artist ({other.artist:.2f} against {winner.artist:.2f})")
    if other.title < winner.title:
        behind.append(f"the title ({other.title:.2f} against {winner.title:.2f})")
    if winner.same_album and not other.same_album:
        behind.append("the album")
    gaps = (winner.duration_gap_ms, other.duration_gap_ms)
    if not other.vetoed and 0 <= gaps[0] < gaps[1]:
        behind.append("the duration")
    return ", ".join(behind) or "the tie-break (album, edition, duration)"


def verdict(match: Match, candidates: tuple[Considered, ...], min_confidence: float) -> str:
    """Why the winner won, or why none did."""
    if match.method is MatchMethod.OVERRIDE:
        if match.track is not None:
            return f"a user pinned this track to {_name(match.track)}: no rule is weighed"
        return "a user rejected this track: it is never matched"
    if match.method is MatchMethod.MBID and match.track is not None:
        return f"the recording MBID names {_name(match.track)}: it wins before any other rule"
    usable = [c for c in candidates if not c.rejected]
    if match.method is MatchMethod.EXACT and match.track is not None:
        exact = [c for c in usable if c.exact and not c.parts.vetoed]
        text = (
            f"exact: {_name(match.track)} has the query's primary artist and core title, "
            "with the same version tags"
        )
        if len(exact) > 1:
            text += (
                f"; of {len(exact)} such tracks it is on the album asked for, or the edition "
                "asked for, or the closest in duration"
            )
        return text
    if match.method is MatchMethod.FUZZY and match.track is not None:
        chosen = match.track.item_id
        winner = next((c for c in usable if c.track.item_id == chosen), None)
        text = f"no exact artist-and-title match; {_name(match.track)} {match.reason}"
        if winner is None:
            return text
        text = (
            f"no exact artist-and-title match; {_name(match.track)} scored "
            f"{winner.parts.score:.2f}, at or above the minimum confidence {min_confidence:.2f}"
        )
        if winner.parts.corroborated:
            text += "; title, album and duration agree where the names are in other scripts"
        if match.reason.startswith("title in another script"):
            text = f"{_name(match.track)}: {match.reason}"
        others = [c for c in usable if c.track.item_id != chosen]
        if others:
            text += (
                f"; the next, {_name(others[0].track)} ({others[0].parts.score:.2f}), "
                f"fell behind on {_lost_on(winner.parts, others[0].parts)}"
            )
        return text
    if match.reason.startswith("same artist and title but duration"):
        return f"no match: {match.reason} (a far duration vetoes the exact match)"
    if not usable:
        return (
            "no match: nothing in the library shares a rare title word, the artist or the "
            "album with this track"
        )
    best = usable[0]
    return (
        f"no match: nothing reached the minimum confidence {min_confidence:.2f}; the best, "
        f"{_name(best.track)}, scored {best.parts.score:.2f}: "
        f"{held_back(best.parts, min_confidence)}"
    )


def explain(
    index: TrackIndex,
    query: Query,
    match: Match,
    min_confidence: float,
    limit: int = EXPLAIN_LIMIT,
    rejected: frozenset[str] = frozenset(),
) -> Explanation:
    """The candidates of ``query`` and the verdict on ``match``, the decision made for it
    (``match_track``'s, or MatchTracks' with overrides)."""
    candidates = tuple(considered(index, query, limit, rejected))
    return Explanation(match, candidates, verdict(match, candidates, min_confidence))
