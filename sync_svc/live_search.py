"""The live fallback's requests, in four rounds over the libraries: one artist listing
per artist the batch's tracks share; one title search per track not found yet; one more
query per track still unmatched (sync_svc/live_plan.py decides which); and, for what is
still unmatched, the artist as the library writes it (another script, a letter off: its
artist names, read once, sync_svc/artist_spellings.py) and a title in another script by
its romanized phrase. Every hit goes
through the cache's matcher (less the items a user rejected for the track), so both
paths decide alike; a track matched by MBID or exactly is not searched in the next library.

Each round covers only what the earlier ones did not find, so a track in the second
library costs the first one request, not two. Every hit is indexed once, as it arrives,
into one index of the batch's hits; after each round every open track is matched against
all of them (not only its own), as the cache matches against the whole library. Title
terms are plain words (no accent, no punctuation), since a server's substring search may
fold neither: the title's phrase when it has several words, else its rarest word; a
second query goes out only on a miss: the artist's listing (which finds a typo or an
alias), else the next word."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from common.matching import Match, MatchMethod, TrackIndex
from common.matching.excluding import match_excluding
from common.matching.normalize import artist_key
from common.matching.search_terms import romanized_phrase
from common.targets import TargetClient, TargetNotFound, TargetRejected
from common.targets.counters import tallying
from common.targets.items import TargetLibrary, TargetTrack
from sync_svc.artist_spellings import ArtistSpellings
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
# The library's artist names are read in pages of this many, at most ARTIST_NAME_PAGES
# (40,000 artists, more than the largest libraries hold); names only, about 100 bytes each.
ARTIST_NAME_PAGE = 4_000
ARTIST_NAME_PAGES = 10


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
        """``excluded``: per track position, the items a user rejected for it (out of its
        reach)."""
        self._client = client
        self._min_confidence = min_confidence
        self._budget = budget
        self._excluded = excluded or {}
        # Every hit of the batch, in every library, indexed once as it arrives: each track
        # is matched against all of them, as the cache matches against the whole library.
        self._index = TrackIndex()
        self._indexed: set[str] = set()
        self._listings = True  # whether the server takes artist listings
        self._listed: set[tuple[str, str]] = set()  # (library, artist key) listed
        self.result = LiveResult()
        self.searched: set[int] = set()  # positions some sent request was for

    def _absorb(self, library: TargetLibrary, hits: Sequence[TargetTrack]) -> None:
        """Index the hits not seen yet."""
        fresh = [h for h in hits if h.item_id not in self._indexed]
        self._indexed.update(h.item_id for h in fresh)
        self._index.add_many(h.indexed(library.title) for h in fresh)

    def _rematch(self, items: Sequence[LiveTrack]) -> None:
        """Match the tracks still open against every hit so far (once a round's hits are
        all in, in the order the round asked, so the outcome never depends on which
        response came first)."""
        self._index.seal()
        for item in self._open(items):
            excluded = self._excluded.get(item.position, frozenset())
            self.result.matches[item.position] = match_excluding(
                self._index, item.query, self._min_confidence, excluded
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
        self._listed.add((library.library_id, artist_key(step.term)))
        try:
            return await self._client.artist_tracks(library, step.term, ARTIST_LIMIT)
        except (TargetRejected, TargetNotFound):
            # A server without the filter (unverified for Plex artist.title=) costs one
            # request; the tracks are then found by title.
            self._listings = False
            return []

    def _open(self, items: Sequence[LiveTrack]) -> list[LiveTrack]:
        return [i for i in items if not _settled(self.result.matches.get(i.position))]

    async def _round(
        self,
        library: TargetLibrary,
        asks: Sequence[tuple[Step, Sequence[int]]],
        items: Sequence[LiveTrack],
    ) -> list[list[TargetTrack] | None]:
        """Send every step at once (the client caps the requests in flight and the rate),
        each for the track positions it serves; index their hits in the order asked, then
        match the open ``items`` again."""
        answers = await asyncio.gather(*(self._request(library, step) for step, _ in asks))
        for (_, positions), hits in zip(asks, answers, strict=True):
            if hits is not None:
                self.searched.update(positions)
            if hits:
                self._absorb(library, hits)
        self._rematch(items)
        return answers

    async def run(self, libraries: Sequence[TargetLibrary], items: Sequence[LiveTrack]) -> None:
        """Three rounds over the libraries, each only for what the earlier ones did not
        find: artist listings, then one title search per track, then one more query per
        track still unmatched. A track in the second library costs its first library one
        request, not two."""
        listed: dict[str, set[str]] = {}
        for library in libraries:
            groups = artist_groups(self._open(items))
            listed[library.library_id] = set(groups)
            await self._round(
                library,
                [
                    (Step(StepKind.ARTIST, members[0].artist), [m.position for m in members])
                    for members in groups.values()
                ],
                items,
            )
        asked: dict[str, dict[int, Step]] = {}  # the first step sent, by position
        for library in libraries:
            done = listed[library.library_id]
            firsts = {
                i.position: step
                for i in self._open(items)
                if not (i.group in done and self._matched(i))
                and (step := first_step(i)) is not None
                and not (step.kind is StepKind.ARTIST and i.group in done)
            }
            answers = await self._round(library, [(s, [p]) for p, s in firsts.items()], items)
            asked[library.library_id] = {
                position: step
                for (position, step), hits in zip(firsts.items(), answers, strict=True)
                if hits is not None
            }
        for library in libraries:
            done = listed[library.library_id]
            seconds: dict[int, Step] = {}
            for item in self._open(items):
                sent = asked[library.library_id].get(item.position)
                step = second_step(item, sent, item.group in done) if sent else None
                if step is not None and not self._matched(item):
                    seconds[item.position] = step
            await self._seconds(library, items, seconds)
        for library in libraries:
            await self._spelled_otherwise(library, items)

    async def _seconds(
        self, library: TargetLibrary, items: Sequence[LiveTrack], steps: dict[int, Step]
    ) -> None:
        """The second queries: one artist listing serves every miss naming that artist."""
        by_position = {i.position: i for i in items}
        shared: dict[tuple[StepKind, str], tuple[Step, list[int]]] = {}
        for position, step in steps.items():
            item = by_position[position]
            key = (step.kind, item.group if step.kind is StepKind.ARTIST else str(position))
            shared.setdefault(key, (step, []))[1].append(position)
        await self._round(library, list(shared.values()), items)

    async def _spelled_otherwise(self, library: TargetLibrary, items: Sequence[LiveTrack]) -> None:
        """The fourth round, for the tracks still unmatched: a listing of each library
        artist their artist may stand for, written otherwise (the library's artist names
        read first, once), and a search on a title in another script by its romanized
        phrase."""
        unmatched = [i for i in self._open(items) if not self._matched(i)]
        asks: dict[tuple[StepKind, str], tuple[Step, list[int]]] = {}
        named = [i for i in unmatched if i.artist]
        spellings = await self._spellings(library) if named and self._listings else None
        for item in named if spellings else []:
            assert spellings is not None
            for name in spellings.near(item.artist):
                if (library.library_id, artist_key(name)) not in self._listed:
                    key = (StepKind.ARTIST, artist_key(name))
                    asks.setdefault(key, (Step(StepKind.ARTIST, name), []))[1].append(item.position)
        for item in unmatched:
            if phrase := romanized_phrase(item.query.title):
                key = (StepKind.TITLE, phrase)
                asks.setdefault(key, (Step(StepKind.TITLE, phrase), []))[1].append(item.position)
        if asks:
            await self._round(library, list(asks.values()), items)

    async def _spellings(self, library: TargetLibrary) -> ArtistSpellings | None:
        """The library's artist names, or None when the budget cannot read them all."""
        names: list[str] = []
        for page in range(ARTIST_NAME_PAGES):
            if not self._budget.take():
                return None
            with tallying() as tally:
                try:
                    found, total = await self._client.artist_names(
                        library, page * ARTIST_NAME_PAGE, ARTIST_NAME_PAGE
                    )
                finally:
                    self._budget.settle(1, tally.requests)
            names.extend(found)
            if not found or len(names) >= total:
                break
        return ArtistSpellings(names)
