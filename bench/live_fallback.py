"""The live fallback against the cache path on one playlist built from the matching quality
set (tests/data/matching_cases.json, every case of every kind it holds, so a grown set is
picked up as it is), on emulated Plex and Jellyfin serving the set's catalogue.

The cache path is what cache_svc does: every track listed, indexed and matched. The live
path is sync_svc's own fallback (``match_tracks`` with no cache). Both are judged against
the set's labels; recall is the live path's right matches over the cache path's."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.processes import emulators
from common.domain import Target
from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.targets import ClientSettings, JellyfinClient, PlexClient, TargetClient
from common.targets.counters import EndpointClass
from emulators.library import generate
from emulators.server import DEFAULT_JELLYFIN_TOKEN, DEFAULT_PLEX_TOKEN
from sync_svc.matchflow import MatchSettings, ServerRef, match_tracks
from sync_svc.runs import Track

CASES = Path(__file__).parent.parent / "tests" / "data" / "matching_cases.json"
MIN_CONFIDENCE = 0.85  # the MATCH_MIN_CONFIDENCE default
CAP = 1_000  # the LIVE_SEARCH_MAX_REQUESTS_PER_SYNC default
AIMS = {
    "recall": ">= 95% of the cache path's right matches",
    "precision": ">= 99% of live matches right",
    "requests": "<= 2 search requests per track per library",
    "cap": f"within LIVE_SEARCH_MAX_REQUESTS_PER_SYNC ({CAP:,})",
}

Key = tuple[str, str, int]  # title, album, duration: one catalogue recording


@dataclass(frozen=True)
class Case:
    kind: str
    track: Track
    expect: frozenset[Key]


def load_cases(path: Path = CASES) -> tuple[dict[str, Any], list[Case]]:
    data = json.loads(path.read_text())
    catalog = generate(seed=data["seed"], tracks=data["tracks"], extra=data.get("extra", False))
    by_seq = {t.seq: (t.title, t.album, t.duration_ms) for t in catalog.all_tracks()}
    cases = []
    for case in data["cases"]:
        q = case["query"]
        track = Track(
            q["title"], tuple(q["artists"]), q["album"], q["duration_ms"], q.get("mbid", "")
        )
        cases.append(Case(case["kind"], track, frozenset(by_seq[s] for s in case["expect"])))
    return data, cases


def _key(track: LibraryTrack | None) -> Key | None:
    return (track.title, track.album, track.duration_ms) if track else None


@dataclass
class Score:
    matched: int = 0
    right: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.matched if self.matched else 1.0


def _score(cases: list[Case], picks: list[Key | None]) -> Score:
    score = Score()
    for case, pick in zip(cases, picks, strict=True):
        if pick is not None:
            score.matched += 1
            score.right += pick in case.expect
    return score


async def _cache_path(client: TargetClient, cases: list[Case]) -> list[Key | None]:
    rows: list[LibraryTrack] = []
    for lib in (await client.music_libraries()).chosen:
        for t in await client.list_tracks(lib):
            rows.append(t.indexed(lib.title))
    index = TrackIndex(rows)
    picks = []
    for case in cases:
        src = case.track
        query = Query(src.title, src.artists, src.album, src.duration_ms, src.recording_mbid)
        picks.append(_key(match_track(index, query, MIN_CONFIDENCE).track))
    return picks


async def _live_path(client: TargetClient, cases: list[Case]) -> tuple[list[Key | None], int]:
    client.counter.reset()
    result = await match_tracks(
        ServerRef(client.kind.value),
        [c.track for c in cases],
        cache=None,
        client=client,
        settings=MatchSettings(MIN_CONFIDENCE, 0.0, CAP),
        say=lambda _text: None,
    )
    picks: list[Key | None] = []
    for outcome in result.outcomes:
        m = outcome.match
        picks.append((m.title, m.album, m.duration_ms) if m else None)
    searches = client.counter.get(EndpointClass.SEARCH)
    return picks, searches


def _clients(
    http: dict[Target, httpx.AsyncClient],
) -> dict[Target, Callable[[], TargetClient]]:
    settings = ClientSettings(requests_per_second=0, concurrency=4, timeout_seconds=60.0)
    return {
        Target.PLEX: lambda: PlexClient(
            http[Target.PLEX], token=DEFAULT_PLEX_TOKEN, settings=settings
        ),
        Target.JELLYFIN: lambda: JellyfinClient(
            http[Target.JELLYFIN], token=DEFAULT_JELLYFIN_TOKEN, settings=settings
        ),
    }


async def measure(logs: Path, figures: dict[str, float | int | str], met: dict[str, bool]) -> None:
    """Adds the (d) rows to ``figures`` and the aims' verdicts to ``met``."""
    data, cases = load_cases()
    positives = sum(1 for c in cases if c.expect)
    figures["(d) quality-set playlist: tracks (kinds)"] = (
        f"{len(cases):,} ({len({c.kind for c in cases})} kinds, {positives:,} in the library)"
    )
    async with (
        emulators(
            logs,
            tracks=data["tracks"],
            seed=data["seed"],
            extra=("--extra",) if data.get("extra") else (),
        ) as emu,
        httpx.AsyncClient(base_url=emu.plex_url, timeout=60) as plex_http,
        httpx.AsyncClient(base_url=emu.jellyfin_url, timeout=60) as jellyfin_http,
    ):
        http = {Target.PLEX: plex_http, Target.JELLYFIN: jellyfin_http}
        for target, make in _clients(http).items():
            name = target.label
            client = make()
            libraries = len((await client.music_libraries()).chosen)
            cache = _score(cases, await _cache_path(client, cases))
            live_picks, searches = await _live_path(client, cases)
            live = _score(cases, live_picks)
            recall = live.right / cache.right if cache.right else 1.0
            per_track = searches / (len(cases) * libraries)
            prefix = f"(d) {name} live fallback"
            figures[f"{prefix}: right matches (cache path)"] = f"{live.right:,} ({cache.right:,})"
            figures[f"{prefix}: recall vs cache path"] = f"{recall:.1%}"
            figures[f"{prefix}: precision (cache path)"] = (
                f"{live.precision:.1%} ({cache.precision:.1%})"
            )
            figures[f"{prefix}: requests per track per library"] = round(per_track, 3)
            met[f"{name} live recall"] = recall >= 0.95
            met[f"{name} live precision"] = live.precision >= 0.99
            met[f"{name} live requests"] = per_track <= 2
            met[f"{name} live cap"] = searches <= CAP


def aims() -> dict[str, str]:
    return {
        f"{t.label} live {aim}": text
        for t in (Target.PLEX, Target.JELLYFIN)
        for aim, text in AIMS.items()
    }
