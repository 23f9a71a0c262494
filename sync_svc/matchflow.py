"""Finding every playlist track on one server: the library cache first, in one call per
batch; a bounded live search only where the cache cannot answer. One pass per server,
whatever the number of its destinations; the outcomes are the server's own account's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from common.domain import BUILTIN_SERVERS, CacheState, Destination
from common.matching import LibraryTrack, Match, MatchMethod
from common.matching.overrides import MatchOverride, SourceKey
from common.targets import TargetClient
from sync_svc.cache_client import CacheClient, CacheMatch, CacheUnavailable, CacheView
from sync_svc.live_plan import live_tracks
from sync_svc.live_search import Budget, LiveSearch
from sync_svc.overriding import decide_live
from sync_svc.runs import Candidate, Outcome, Track, Via


@dataclass(frozen=True)
class ServerRef:
    """A server as messages name it: its name, and how people know it (the built-in
    servers by their product's name, as the warnings always said)."""

    name: str

    @property
    def label(self) -> str:
        target = BUILTIN_SERVERS.get(self.name)
        return target.label if target is not None else self.name


@dataclass(frozen=True)
class MatchSettings:
    min_confidence: float
    wait_seconds: float
    live_search_cap: int
    library_names: tuple[str, ...] = ()


@dataclass
class MatchResult:
    outcomes: list[Outcome]
    warnings: list[str]
    searches: int = 0


def _candidate(track: LibraryTrack, confidence: float) -> Candidate:
    return Candidate(
        track.item_id,
        track.library,
        track.title,
        ", ".join(track.artists) or track.album_artist,
        track.album,
        track.duration_ms,
        confidence,
    )


def _from_cache(position: int, where: Destination, result: CacheMatch) -> Outcome:
    matched = result.match is not None
    return Outcome(
        position,
        where,
        Via.CACHE if matched else Via.UNMATCHED,
        result.method,
        result.confidence,
        result.reason,
        result.match,
        result.best,
        result.authoritative and not matched,
    )


def _from_live(position: int, where: Destination, match: Match) -> Outcome:
    return Outcome(
        position,
        where,
        Via.LIVE if match.matched else Via.UNMATCHED,
        match.method,
        match.confidence,
        match.reason,
        _candidate(match.track, match.confidence) if match.track else None,
        _candidate(match.best, match.confidence) if match.best else None,
    )


async def match_tracks(
    server: ServerRef,
    tracks: Sequence[Track],
    *,
    cache: CacheClient | None,
    client: TargetClient,
    settings: MatchSettings,
    say: Callable[[str], None],
    overrides: Mapping[SourceKey, MatchOverride] | None = None,
) -> MatchResult:
    """Outcomes for every track, in playlist order. ``overrides`` (the server's, by key)
    decide the tracks the cache did not answer before any live search."""
    warnings: list[str] = []
    outcomes: dict[int, Outcome] = {}
    needs_live: list[int] = list(range(len(tracks)))
    label, where = server.label, Destination(server.name)
    if cache is not None and tracks:
        try:

            def waiting(view: CacheView) -> None:
                say(
                    f"Waiting for the {label} library cache "
                    f"({view.tracks_done:,}/{view.tracks_total:,} tracks)"
                )

            view = await cache.wait_while_building(server.name, settings.wait_seconds, waiting)
            if view.state is CacheState.BUILDING:
                warnings.append(
                    f"the {label} library cache was still building after "
                    f"SYNC_CACHE_WAIT_MINUTES; searched {label} live instead"
                )
            else:
                say(f"Matching {len(tracks):,} tracks against the {label} library cache")
                results, state = await cache.match(server.name, tracks, settings.min_confidence)
                if results:
                    needs_live = []
                    for position, result in enumerate(results):
                        if result.match is not None or result.authoritative:
                            outcomes[position] = _from_cache(position, where, result)
                        else:
                            needs_live.append(position)
                    if needs_live:
                        warnings.append(
                            f"the {label} library cache is {state.value}: "
                            "its misses were searched live"
                        )
                else:
                    warnings.append(
                        f"the {label} library cache is {state.value}: searched {label} live, "
                        "which is slow on large libraries; enable the library cache"
                    )
        except CacheUnavailable as exc:
            warnings.append(
                f"the library cache could not be reached ({exc}); searched {label} live"
            )

    searches = 0
    steered = decide_live(where, tracks, needs_live, overrides or {})
    outcomes.update(steered.decided)
    needs_live = steered.remaining
    if needs_live:
        searches = await _live(
            server, tracks, needs_live, outcomes, client, settings, warnings, say, steered.excluded
        )
    ordered = [outcomes[i] for i in range(len(tracks))]
    return MatchResult(ordered, warnings, searches)


async def _live(
    server: ServerRef,
    tracks: Sequence[Track],
    positions: list[int],
    outcomes: dict[int, Outcome],
    client: TargetClient,
    settings: MatchSettings,
    warnings: list[str],
    say: Callable[[str], None],
    excluded: Mapping[int, frozenset[str]],
) -> int:
    """Artist listings for shared artists, a title search on the rarest plain word, a
    second query only on a miss (sync_svc/live_plan.py), within the per-sync cap; the items
    a user rejected for a track (``excluded``) are left out of its hits."""
    choice = await client.music_libraries(settings.library_names)
    budget = Budget(settings.live_search_cap)
    say(f"Searching {server.label} live for {len(positions):,} tracks")
    where = Destination(server.name)
    search = LiveSearch(client, settings.min_confidence, budget, excluded)
    await search.run(list(choice.chosen), live_tracks(tracks, positions))
    for position in positions:
        match = search.result.matches.get(position)
        if match is None or (not match.matched and position not in search.searched):
            reason = (
                "not searched: LIVE_SEARCH_MAX_REQUESTS_PER_SYNC reached"
                if budget.refused
                else "no search term in the title or artist"
            )
            outcomes[position] = Outcome(
                position, where, Via.UNMATCHED, MatchMethod.NONE, 0.0, reason
            )
        else:
            outcomes[position] = _from_live(position, where, match)
    if budget.refused:
        warnings.append(
            f"live search stopped at LIVE_SEARCH_MAX_REQUESTS_PER_SYNC={budget.cap}; "
            "some tracks were not searched"
        )
    return budget.spent
