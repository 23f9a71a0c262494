"""The live fallback against the cache path, on emulated Plex and Jellyfin whose search
folds case only (no accents, no punctuation, a substring of the title alone: emulators/
http.py ``search_fold``), on two playlists:

  * the quality playlist: every case of tests/data/matching_cases.json (a grown set is
    picked up as it is), on that set's catalogue;
  * the perturbation playlist: every case of the generated perturbation suite's fixed seed
    (tests/support/perturbations.py), on its 20,000-track catalogue.

The cache path is what cache_svc does: every track listed, indexed and matched. The live
path is sync_svc's own fallback (``match_tracks`` with no cache). Both are judged against
the labels; recall is the live path's right matches over the cache path's. Plex's and
Jellyfin's figures are printed side by side."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import emulators
from common.domain import Target
from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.targets import ClientSettings, JellyfinClient, PlexClient, TargetClient
from common.targets.counters import EndpointClass
from emulators.library import Catalog, generate
from emulators.server import DEFAULT_JELLYFIN_TOKEN, DEFAULT_PLEX_TOKEN
from sync_svc.matchflow import MatchSettings, ServerRef, match_tracks
from sync_svc.runs import Track
from tests.support.perturbations import FIXED_SEED, TRACKS, suite

CASES = Path(__file__).parent.parent / "tests" / "data" / "matching_cases.json"
MIN_CONFIDENCE = 0.85  # the MATCH_MIN_CONFIDENCE default
CAP = 1_000  # the LIVE_SEARCH_MAX_REQUESTS_PER_SYNC default
# Recall: of the cache path's right matches, on both playlists (the quality playlist's
# transliterated cases included: a Latin query for a title tagged in Cyrillic, Greek, kana
# or hangul, found through the library's artist names).
AIM_RECALL = {"quality": 0.97, "perturbations": 0.97}
AIM_REQUESTS = 1.5
# Precision: every live match right on the quality playlist; on the perturbations, the
# matcher's own aim (test_matching_perturbations.py).
AIM_PRECISION = {"quality": 1.0, "perturbations": 0.998}
SERVERS = (Target.PLEX, Target.JELLYFIN)

Key = tuple[str, str, int]  # title, album, duration: one catalogue recording


@dataclass(frozen=True)
class Case:
    track: Track
    expect: frozenset[Key]


@dataclass(frozen=True)
class Playlist:
    name: str  # "quality" or "perturbations"
    catalog: Catalog
    seed: int
    tracks: int
    extra: bool
    cases: list[Case]


def _keys(catalog: Catalog) -> dict[int, Key]:
    return {t.seq: (t.title, t.album, t.duration_ms) for t in catalog.all_tracks()}


def quality_playlist(path: Path = CASES) -> Playlist:
    data = json.loads(path.read_text())
    catalog = generate(seed=data["seed"], tracks=data["tracks"], extra=data.get("extra", False))
    by_seq = _keys(catalog)
    cases = []
    for case in data["cases"]:
        q = case["query"]
        track = Track(
            q["title"], tuple(q["artists"]), q["album"], q["duration_ms"], q.get("mbid", "")
        )
        cases.append(Case(track, frozenset(by_seq[s] for s in case["expect"])))
    extra = bool(data.get("extra", False))
    return Playlist("quality", catalog, data["seed"], data["tracks"], extra, cases)


def perturbation_playlist(seed: int = FIXED_SEED, tracks: int = TRACKS, every: int = 1) -> Playlist:
    """The perturbation suite of ``seed`` as a playlist (one case in ``every``)."""
    made = suite(seed, tracks)
    by_seq = _keys(made.catalog)
    cases = [
        Case(
            Track(c.query.title, c.query.artists, c.query.album, c.query.duration_ms),
            frozenset(by_seq[int(i)] for i in c.expect),
        )
        for c in made.cases[::every]
    ]
    return Playlist("perturbations", made.catalog, seed, tracks, True, cases)


def _key(track: LibraryTrack | None) -> Key | None:
    return (track.title, track.album, track.duration_ms) if track else None


@dataclass
class Score:
    matched: int = 0
    right: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.matched if self.matched else 1.0


def score(cases: list[Case], picks: list[Key | None]) -> Score:
    found = Score()
    for case, pick in zip(cases, picks, strict=True):
        if pick is not None:
            found.matched += 1
            found.right += pick in case.expect
    return found


async def cache_path(client: TargetClient, cases: list[Case]) -> list[Key | None]:
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


async def live_path(
    client: TargetClient, cases: list[Case], cap: int
) -> tuple[list[Key | None], int]:
    """The live fallback's picks, and the search requests it sent (as the client counts
    them)."""
    client.counter.reset()
    result = await match_tracks(
        ServerRef(client.kind.value),
        [c.track for c in cases],
        cache=None,
        client=client,
        settings=MatchSettings(MIN_CONFIDENCE, 0.0, cap),
        say=lambda _text: None,
    )
    picks: list[Key | None] = []
    for outcome in result.outcomes:
        m = outcome.match
        picks.append((m.title, m.album, m.duration_ms) if m else None)
    return picks, client.counter.get(EndpointClass.SEARCH)


@dataclass(frozen=True)
class Measured:
    """One server's figures on one playlist."""

    cache: Score
    live: Score
    requests: int
    libraries: int
    tracks: int
    capped: int  # requests sent at the default cap (quality playlist only)

    @property
    def recall(self) -> float:
        return self.live.right / self.cache.right if self.cache.right else 1.0

    @property
    def per_track(self) -> float:
        return self.requests / (self.tracks * self.libraries)


async def measure_one(client: TargetClient, playlist: Playlist) -> Measured:
    libraries = len((await client.music_libraries()).chosen)
    cache = score(playlist.cases, await cache_path(client, playlist.cases))
    # The per-sync cap is not what this measures: room for every request (at the default
    # cap a playlist this long stops being searched part way, and the requests per track
    # would be the cap's); the cap is checked apart, below.
    room = 4 * len(playlist.cases) * libraries
    picks, requests = await live_path(client, playlist.cases, room)
    capped = (await live_path(client, playlist.cases, CAP))[1] if playlist.name == "quality" else 0
    return Measured(cache, score(playlist.cases, picks), requests, libraries, len(picks), capped)


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


async def _on_emulators(logs: Path, playlist: Playlist) -> dict[Target, Measured]:
    extra = ("--extra",) if playlist.extra else ()
    async with (
        emulators(logs, tracks=playlist.tracks, seed=playlist.seed, extra=extra) as emu,
        httpx.AsyncClient(base_url=emu.plex_url, timeout=60) as plex_http,
        httpx.AsyncClient(base_url=emu.jellyfin_url, timeout=60) as jellyfin_http,
    ):
        http = {Target.PLEX: plex_http, Target.JELLYFIN: jellyfin_http}
        return {t: await measure_one(make(), playlist) for t, make in _clients(http).items()}


def _side_by_side(found: dict[Target, Measured], cell: Callable[[Measured], str]) -> str:
    return " | ".join(f"{t.label} {cell(found[t])}" for t in SERVERS)


async def measure(logs: Path, figures: dict[str, float | int | str], met: dict[str, bool]) -> None:
    """Adds the (d) rows to ``figures`` and the aims' verdicts to ``met``."""
    for playlist in (quality_playlist(), perturbation_playlist()):
        found = await _on_emulators(logs, playlist)
        positives = sum(1 for c in playlist.cases if c.expect)
        prefix = f"(d) {playlist.name} playlist"
        figures[f"{prefix}: tracks (in the library), catalogue"] = (
            f"{len(playlist.cases):,} ({positives:,}), {playlist.tracks:,} tracks seed "
            f"{playlist.seed}"
        )
        figures[f"{prefix}: right matches, live (cache path)"] = _side_by_side(
            found, lambda m: f"{m.live.right:,} ({m.cache.right:,})"
        )
        figures[f"{prefix}: recall vs cache path"] = _side_by_side(
            found, lambda m: f"{m.recall:.1%}"
        )
        figures[f"{prefix}: precision, live (cache path)"] = _side_by_side(
            found, lambda m: f"{m.live.precision:.1%} ({m.cache.precision:.1%})"
        )
        figures[f"{prefix}: requests per track per library"] = _side_by_side(
            found, lambda m: f"{m.per_track:.3f}"
        )
        if playlist.name == "quality":
            figures[f"{prefix}: requests at the default cap ({CAP:,})"] = _side_by_side(
                found, lambda m: f"{m.capped:,}"
            )
        for target, m in found.items():
            name = f"{target.label} {playlist.name}"
            met[f"{name} live recall"] = m.recall >= AIM_RECALL[playlist.name]
            met[f"{name} live precision"] = m.live.precision >= AIM_PRECISION[playlist.name]
            met[f"{name} live requests"] = m.per_track <= AIM_REQUESTS
            if playlist.name == "quality":
                met[f"{name} live cap"] = m.capped <= CAP


def aims() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, precision in AIM_PRECISION.items():
        for t in SERVERS:
            out[f"{t.label} {name} live recall"] = f">= {AIM_RECALL[name]:.0%} of the cache path's"
            out[f"{t.label} {name} live precision"] = f">= {precision:.1%} of live matches right"
            out[f"{t.label} {name} live requests"] = (
                f"<= {AIM_REQUESTS} search requests per track per library"
            )
        if name == "quality":
            for t in SERVERS:
                out[f"{t.label} {name} live cap"] = (
                    f"within LIVE_SEARCH_MAX_REQUESTS_PER_SYNC ({CAP:,})"
                )
    return out
