"""Which live requests find a batch of playlist tracks (pure): tracks sharing a primary
artist are served by one artist listing; every other track by a search on its title's
phrase, else on the rarest plain word of its title; a second query (the artist's
listing) goes out only on a miss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from common.matching import Query
from common.matching.search_terms import (
    MIN_LENGTH,
    artist_group_key,
    primary_artist,
    title_phrase,
    title_terms,
)
from sync_svc.runs import Track

# Results read per title search, as many as a listing page: a common word still shows
# the track asked for.
SEARCH_LIMIT = 500
ARTIST_LIMIT = 500  # tracks read per artist listing
GROUP_MIN = 2  # tracks sharing an artist before one listing serves them all


@dataclass(frozen=True)
class LiveTrack:
    """A playlist track to find live, with what its requests will ask for."""

    position: int
    query: Query
    terms: tuple[str, ...]  # title search terms, the best first
    phrase: str  # several plain words of the title, for when one word finds too much
    artist: str  # the primary artist as written ('' when none)
    group: str  # the key of the artist listing that may serve it ('' when none)


class StepKind(Enum):
    TITLE = "title"
    ARTIST = "artist"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    term: str


def live_tracks(tracks: Sequence[Track], positions: Sequence[int]) -> list[LiveTrack]:
    out = []
    for position in positions:
        track = tracks[position]
        out.append(
            LiveTrack(
                position,
                Query(
                    track.title,
                    track.artists,
                    track.album,
                    track.duration_ms,
                    track.recording_mbid,
                    track.isrc,
                    path=track.path,
                ),
                title_terms(track.title),
                title_phrase(track.title),
                primary_artist(track.artists),
                artist_group_key(track.artists),
            )
        )
    return out


def artist_groups(
    items: Sequence[LiveTrack], min_size: int = GROUP_MIN
) -> dict[str, list[LiveTrack]]:
    """The artists worth one listing: those at least ``min_size`` of the tracks share."""
    groups: dict[str, list[LiveTrack]] = {}
    for item in items:
        if item.group:
            groups.setdefault(item.group, []).append(item)
    return {key: members for key, members in groups.items() if len(members) >= min_size}


def first_step(item: LiveTrack) -> Step | None:
    """The first request for a track no artist listing found: its title's phrase (several
    plain words, seldom found in more than a few titles), else its best title term, else
    (a title with no word at all) its artist."""
    if item.phrase:
        return Step(StepKind.TITLE, item.phrase)
    if item.terms:
        return Step(StepKind.TITLE, item.terms[0])
    if item.artist:
        return Step(StepKind.ARTIST, item.artist)
    return None


def _strong(term: str) -> bool:
    return len(term) >= MIN_LENGTH and not term.isdigit()


def second_step(item: LiveTrack, first: Step | None, listed: bool) -> Step | None:
    """The one query after a title search that found no match: the artist's listing,
    which finds the track whatever its title looks like here (a typo, "and" for "&",
    another word order), unless it was read already or the track names no artist; then
    the best title word the first query did not ask (after a phrase, its words)."""
    if first is None or first.kind is StepKind.ARTIST:
        return None
    if item.artist and not listed:
        return Step(StepKind.ARTIST, item.artist)
    others = [t for t in item.terms if t.casefold() != first.term.casefold() and _strong(t)]
    return Step(StepKind.TITLE, others[0]) if others else None
