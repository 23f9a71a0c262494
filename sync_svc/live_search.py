"""The live fallback's requests, in three rounds over the libraries: one artist listing
per artist the batch's tracks share; one title search per track not found yet; one more
query per track still unmatched (sync_svc/live_plan.py decides which). Every hit goes
through the cache's matcher (less the items a user rejected for the track), so both
paths decide alike; a track matched by MBID or exactly is not searched in the next library.

Each round covers only what the earlier ones did not find, so a track in the second
library costs the first one request, not two. Title terms are plain words (no accent, no
punctuation), since a server's substring search may fold neither; a second query goes out
only on a miss: the title's phrase when the word's results were cut at the limit, else the
artist's listing (which finds a typo or an alias), else the next word."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from common.matching import LibraryTrack, Match, MatchMethod, TrackIndex, match_track
from common.targets import TargetClient, TargetNotFound, TargetRejected
from common.targets.counters import tallying
from common.targets.items import TargetLibrary, TargetTrack
from sync_svc.live_plan import (
    ARTIST_LIMIT,
    SEARCH_LIMIT,
    LiveTrack,
    Step,
    StepKind,
    artist_groups,
    first_step,
    second_step,
)

# At most this many requests per artist listing: Jellyfin finds the artist read-only
# (/Artists) before listing its tracks; Plex lists them in one.
ARTIST_LISTING_REQUESTS = 2


class Budget:
    """The requests a sync may still send (LIVE_SEARCH_MAX_REQUESTS_PER_SYNC). A step's
    most requests are reserved before its await, so concurrent tracks never overspend; the
    reservation is then settled to what the step really sent (retries included), so that
    ``spent`` is what the server saw."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.spent = 0
        self.refused = False

    def take(self, requests: int = 1) -> bool:
        if self.spent + requests > self.cap:
            self.refused = True
            return False
        self.spent += requests
        return True

    def settle(self, reserved: int, sent: int) -> None:
        self.spent += sent - reserved


@dataclass
class LiveResult:
    matches: dict[int, Match] = field(default_factory=dict)  # by playlist position


def _settled(match: Match | None) -> bool:
    return match is not None and match.method in (MatchMethod.MBID, MatchMethod.EXACT)


class LiveSearch:
    """One batch's live search on one target."""

    def __init__(
        self,
        client: TargetClient,
        min_confidence: float,
        budget: Budget,
        excluded: Mapping[int, frozenset[str]] | None = None,
    ) -> None:
        """``excluded``: per track position, the items a user rejected for it (left out of
        its hits)."""
        self._client = client
        self._min_confidence = min_confidence
        self._budget = budget
        self._excluded = excluded or {}
        self._found: dict[int, dict[str, LibraryTrack]] = {}
        self._listings = True  # whether the server takes artist listings
        self.result = LiveResult()

    def _add(
        self, members: Sequence[LiveTrack], library: TargetLibrary, hits: Sequence[TargetTrack]
    ) -> None:
        """Add one response's hits to what each of ``members`` found, and match each again.
        A member the response adds nothing to keeps its match; members whose found tracks are
        the same, in the same order (those sharing an artist listing, as a rule), share one
        index, built once per response."""
        indexed: dict[str, LibraryTrack] = {}
        for hit in hits:
            indexed.setdefault(hit.item_id, hit.indexed(library.title))
        shared: dict[tuple[str, ...], TrackIndex] = {}
        for item in members:
            found = self._found.setdefault(item.position, {})
            rejected = self._excluded.get(item.position, frozenset())
            before = len(found)
            for item_id, track in indexed.items():
                if item_id not in rejected:
                    found.setdefault(item_id, track)
            if len(found) == before and item.position in self.result.matches:
                continue  # nothing new: matching the same tracks again gives the same match
            key = tuple(found)
            index = shared.get(key)
            if index is None:
                index = shared[key] = TrackIndex(found.values())
            self.result.matches[item.position] = match_track(
                index, item.query, self._min_confidence
            )

    def _matched(self, item: LiveTrack) -> bool:
        match = self.result.matches.get(item.position)
        return match is not None and match.matched

    async def _request(self, library: TargetLibrary, step: Step) -> list[TargetTrack] | None:
        """The step's hits, or None when it was not sent (budget spent, or a server that
        refused artist listings once is not asked for another)."""
        if step.kind is StepKind.ARTIST and not self._listings:
            return None
        reserved = 1 if step.kind is StepKind.TITLE else ARTIST_LISTING_REQUESTS
        if not self._budget.take(reserved):
            return None
        with tallying() as tally:
            try:
                return await self._send(library, step)
            finally:
                self._budget.settle(reserved, tally.requests)

    async def _send(self, library: TargetLibrary, step: Step) -> list[TargetTrack]:
        if step.kind is StepKind.TITLE:
            return await self._client.search(library, step.term, SEARCH_LIMIT)
        try:
            return await self._client.artist_tracks(library, step.term, ARTIST_LIMIT)
        except (TargetRejected, TargetNotFound):
            # A server without the filter (unverified for Plex artist.title=) costs one
            # request; the tracks are then found by title.
            self._listings = False
            return []

    def _open(self, items: Sequence[LiveTrack]) -> list[LiveTrack]:
        return [i for i in items if not _settled(self.result.matches.get(i.position))]

    async def run(self, libraries: Sequence[TargetLibrary], items: Sequence[LiveTrack]) -> None:
        """Three rounds over the libraries, each only for what the earlier ones did not
        find: artist listings, then one title search per track, then one more query per
        track still unmatched. A track in the second library costs its first library one
        request, not two. Tracks go concurrently; the client caps the requests in flight
        and the rate."""
        listed: dict[str, set[str]] = {}
        for library in libraries:
            groups = artist_groups(self._open(items))
            listed[library.library_id] = set(groups)
            await asyncio.gather(*(self._listing(library, m) for m in groups.values()))
        asked: dict[str, dict[int, tuple[Step, bool]]] = {}  # first step, results cut
        for library in libraries:
            done = listed[library.library_id]
            todo = [i for i in self._open(items) if not (i.group in done and self._matched(i))]
            asked[library.library_id] = {}
            await asyncio.gather(
                *(self._first(library, i, asked[library.library_id], done) for i in todo)
            )
        for library in libraries:
            done = listed[library.library_id]
            seconds: dict[int, Step] = {}
            for item in self._open(items):
                sent = asked[library.library_id].get(item.position)
                step = second_step(item, sent[0], item.group in done, sent[1]) if sent else None
                if step is not None and not self._matched(item):
                    seconds[item.position] = step
            await self._seconds(library, items, seconds)

    async def _listing(self, library: TargetLibrary, members: list[LiveTrack]) -> None:
        """One artist listing for every track of the batch sharing that artist."""
        hits = await self._request(library, Step(StepKind.ARTIST, members[0].artist))
        if hits is not None:
            self._add(members, library, hits)

    async def _first(
        self,
        library: TargetLibrary,
        item: LiveTrack,
        asked: dict[int, tuple[Step, bool]],
        listed: set[str],
    ) -> None:
        """The track's first request in this library (none when its artist listing, its
        only query, was read already)."""
        step = first_step(item)
        if step is None or (step.kind is StepKind.ARTIST and item.group in listed):
            return
        hits = await self._request(library, step)
        if hits is not None:
            limit = SEARCH_LIMIT if step.kind is StepKind.TITLE else ARTIST_LIMIT
            asked[item.position] = (step, len(hits) >= limit)
            self._add([item], library, hits)

    async def _seconds(
        self, library: TargetLibrary, items: Sequence[LiveTrack], steps: dict[int, Step]
    ) -> None:
        """The second queries: one artist listing serves every miss naming that artist."""
        by_position = {i.position: i for i in items}
        shared: dict[tuple[StepKind, str], list[LiveTrack]] = {}
        for position, step in steps.items():
            item = by_position[position]
            key = (step.kind, item.group if step.kind is StepKind.ARTIST else str(position))
            shared.setdefault(key, []).append(item)

        async def send(members: list[LiveTrack]) -> None:
            hits = await self._request(library, steps[members[0].position])
            if hits is not None:
                self._add(members, library, hits)

        await asyncio.gather(*(send(m) for m in shared.values()))
