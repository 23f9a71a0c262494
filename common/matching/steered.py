"""Matching a batch with the user's overrides applied first (cache_svc's MatchTracks).

A rejected track gets an OVERRIDE miss; a pinned track gets its item when the index still
holds it, and otherwise is matched by the rules, the pin then being reported stale; the
other tracks are matched by the rules, minus any item the user rejected for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from common.matching.excluding import match_excluding
from common.matching.index import TrackIndex
from common.matching.overrides import (
    MatchOverride,
    SourceKey,
    apply_overrides,
    pinned_match,
    rejected_match,
)
from common.matching.query import Match, Query


@dataclass(frozen=True)
class Steered:
    matches: list[Match]
    stale: tuple[MatchOverride, ...]  # pins whose item the index no longer holds


def item_positions(index: TrackIndex) -> dict[str, int]:
    """Each item id's position in ``index`` (one pass; cache it per index)."""
    ids = index.item_ids
    return {ids.get(p): p for p in range(len(index))}


def match_steered(
    index: TrackIndex,
    queries: Sequence[Query],
    overrides: Mapping[SourceKey, MatchOverride],
    min_confidence: float,
    positions: Mapping[str, int],
) -> Steered:
    """Every query's match, overrides first; ``positions`` is ``item_positions(index)``
    (only read when a query is pinned)."""
    if not overrides:
        return Steered(
            [match_excluding(index, q, min_confidence, frozenset()) for q in queries], ()
        )
    applied = apply_overrides(queries, overrides)
    matches: dict[int, Match] = {p: rejected_match() for p in applied.rejected}
    stale: list[MatchOverride] = []
    for position in applied.remaining:
        pin = applied.pinned.get(position)
        if pin is not None:
            where = positions.get(pin.item_id)
            if where is not None:
                matches[position] = pinned_match(index.track(where))
                continue
            stale.append(pin)
        found = match_excluding(
            index, queries[position], min_confidence, applied.excluded.get(position, frozenset())
        )
        if pin is not None:
            found = replace(
                found, reason=f"pinned item {pin.item_id} is gone from the library; {found.reason}"
            )
        matches[position] = found
    return Steered([matches[p] for p in range(len(queries))], tuple(dict.fromkeys(stale)))
