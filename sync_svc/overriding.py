"""The user's match overrides on the live path: the tracks the library cache did not
answer are decided by their override before any search (a pin is used as is, a rejected
track is never searched), and the items a user rejected are dropped from the hits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from common.domain import Destination
from common.matching import MatchMethod, Query
from common.matching.overrides import (
    PINNED_REASON,
    REJECTED_REASON,
    MatchOverride,
    SourceKey,
    apply_overrides,
)
from sync_svc.runs import Candidate, Outcome, Track, Via


def query_of(track: Track) -> Query:
    return Query(
        track.title,
        track.artists,
        track.album,
        track.duration_ms,
        track.recording_mbid,
        track.isrc,
    )


@dataclass(frozen=True)
class LiveDecision:
    decided: dict[int, Outcome]  # by playlist position
    remaining: list[int]  # positions still to search
    excluded: dict[int, frozenset[str]]  # items not to pick, by position


def decide_live(
    where: Destination,
    tracks: Sequence[Track],
    positions: Sequence[int],
    overrides: Mapping[SourceKey, MatchOverride],
) -> LiveDecision:
    """What the overrides decide for the tracks at ``positions``. A pin on this path is
    not checked against the library (no cache answered); the write reports an id the
    server refuses."""
    if not overrides:
        return LiveDecision({}, list(positions), {})
    applied = apply_overrides([query_of(tracks[p]) for p in positions], overrides)
    decided: dict[int, Outcome] = {}
    for i in applied.rejected:
        p = positions[i]
        decided[p] = Outcome(
            p, where, Via.UNMATCHED, MatchMethod.OVERRIDE, 0.0, REJECTED_REASON, authoritative=True
        )
    remaining: list[int] = []
    for i in applied.remaining:
        p, pin = positions[i], applied.pinned.get(i)
        if pin is None:
            remaining.append(p)
            continue
        chosen = Candidate(pin.item_id, "", "", "", "", 0, 1.0)
        decided[p] = Outcome(p, where, Via.LIVE, MatchMethod.OVERRIDE, 1.0, PINNED_REASON, chosen)
    excluded = {positions[i]: ids for i, ids in applied.excluded.items()}
    return LiveDecision(decided, remaining, excluded)
