"""The user's match overrides in front of one replica's indexes.

Overrides name a target (``plex``, ``jellyfin``): they steer the built-in servers'
caches; a created server's cache has none yet.

Matching applies them first (``common/matching/steered.py``). Which item ids an index
holds is computed once per index (a generation swap brings a new index), and which pins
point at items an index no longer holds ("stale") once per index and override set, so
the status, read every second, costs a lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from common.matching.explain import Explanation, explain
from common.matching.index import TrackIndex
from common.matching.overrides import (
    MatchOverride,
    OverrideAction,
    SourceKey,
    by_key,
    source_key,
)
from common.matching.query import LibraryTrack, Match, Query
from common.matching.steered import item_positions, match_steered

Overrides = Mapping[tuple[str, SourceKey], MatchOverride]  # by (server, key)


class Steering:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # matching runs in worker threads
        self._positions: dict[str, tuple[TrackIndex, dict[str, int]]] = {}
        self._stale: dict[str, tuple[TrackIndex, Overrides, tuple[MatchOverride, ...]]] = {}

    def forget(self, server: str) -> None:
        """A deleted server's entries go, and its index with them."""
        with self._lock:
            self._positions.pop(server, None)
            self._stale.pop(server, None)

    def positions(self, server: str, index: TrackIndex) -> dict[str, int]:
        with self._lock:
            known = self._positions.get(server)
            if known is not None and known[0] is index:
                return known[1]
        made = item_positions(index)
        with self._lock:
            self._positions[server] = (index, made)
        return made

    def lookup(self, server: str, index: TrackIndex, item_ids: Sequence[str]) -> list[LibraryTrack]:
        """The tracks of those ``item_ids`` that ``index`` holds."""
        positions = self.positions(server, index)
        return [index.track(positions[i]) for i in item_ids if i in positions]

    def match(
        self,
        server: str,
        index: TrackIndex,
        queries: Sequence[Query],
        overrides: Overrides,
        min_confidence: float,
    ) -> list[Match]:
        mine = by_key(overrides.values(), server)
        needs_positions = any(o.action is OverrideAction.PIN for o in mine.values())
        positions = self.positions(server, index) if needs_positions else {}
        return match_steered(index, queries, mine, min_confidence, positions).matches

    def explain(
        self,
        server: str,
        index: TrackIndex,
        query: Query,
        overrides: Overrides,
        min_confidence: float,
        limit: int,
    ) -> Explanation:
        """Why ``query`` matches what ``match`` answers for it: the same decision, then
        the candidates scored by part (an item the user rejected for it marked so)."""
        decided = self.match(server, index, [query], overrides, min_confidence)[0]
        key = source_key(query)
        override = by_key(overrides.values(), server).get(key) if key is not None else None
        rejected = (
            frozenset({override.item_id})
            if override is not None and override.action is OverrideAction.REJECT
            else frozenset()
        )
        return explain(index, query, decided, min_confidence, limit, rejected - {""})

    def stale(
        self, server: str, index: TrackIndex | None, overrides: Overrides
    ) -> tuple[MatchOverride, ...]:
        """The pins of ``server`` whose item ``index`` does not hold (none without index)."""
        if index is None:
            return ()
        with self._lock:
            known = self._stale.get(server)
            if known is not None and known[0] is index and known[1] is overrides:
                return known[2]
        pins = [
            o for o in overrides.values() if o.server == server and o.action is OverrideAction.PIN
        ]
        positions = self.positions(server, index) if pins else {}
        found = tuple(o for o in pins if o.item_id not in positions)
        with self._lock:
            self._stale[server] = (index, overrides, found)
        return found
