"""The user's match overrides in front of one replica's indexes.

Matching applies them first (``common/matching/steered.py``). Which item ids an index
holds is computed once per index (a generation swap brings a new index), and which pins
point at items an index no longer holds ("stale") once per index and override set, so
the status, read every second, costs a lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from common.domain import Target
from common.matching.index import TrackIndex
from common.matching.overrides import MatchOverride, OverrideAction, SourceKey, by_key
from common.matching.query import LibraryTrack, Match, Query
from common.matching.steered import item_positions, match_steered

Overrides = Mapping[tuple[Target, SourceKey], MatchOverride]


class Steering:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # matching runs in worker threads
        self._positions: dict[Target, tuple[TrackIndex, dict[str, int]]] = {}
        self._stale: dict[Target, tuple[TrackIndex, Overrides, tuple[MatchOverride, ...]]] = {}

    def positions(self, target: Target, index: TrackIndex) -> dict[str, int]:
        with self._lock:
            known = self._positions.get(target)
            if known is not None and known[0] is index:
                return known[1]
        made = item_positions(index)
        with self._lock:
            self._positions[target] = (index, made)
        return made

    def lookup(
        self, target: Target, index: TrackIndex, item_ids: Sequence[str]
    ) -> list[LibraryTrack]:
        """The tracks of those ``item_ids`` that ``index`` holds."""
        positions = self.positions(target, index)
        return [index.track(positions[i]) for i in item_ids if i in positions]

    def match(
        self,
        target: Target,
        index: TrackIndex,
        queries: Sequence[Query],
        overrides: Overrides,
        min_confidence: float,
    ) -> list[Match]:
        mine = by_key(overrides.values(), target)
        needs_positions = any(o.action is OverrideAction.PIN for o in mine.values())
        positions = self.positions(target, index) if needs_positions else {}
        return match_steered(index, queries, mine, min_confidence, positions).matches

    def stale(
        self, target: Target, index: TrackIndex | None, overrides: Overrides
    ) -> tuple[MatchOverride, ...]:
        """The pins of ``target`` whose item ``index`` does not hold (none without index)."""
        if index is None:
            return ()
        with self._lock:
            known = self._stale.get(target)
            if known is not None and known[0] is index and known[1] is overrides:
                return known[2]
        pins = [
            o for o in overrides.values() if o.target is target and o.action is OverrideAction.PIN
        ]
        positions = self.positions(target, index) if pins else {}
        found = tuple(o for o in pins if o.item_id not in positions)
        with self._lock:
            self._stale[target] = (index, overrides, found)
        return found
