"""A million tracks (``python -m bench million``; it takes minutes): one 1,000,000-track
Plex target built at 300 ms per request against the single-target ideal, cache_svc's
resident memory above its baseline once READY and after match batches (the build
worker's peak beside it), MatchTracks with no build and while the target rebuilds, a
restart to READY from the stored generation; then a 1,000,000-track Jellyfin target, an
incremental refresh after 1,000 tracks added and 1,000 removed against its full build,
the bytes each moved, the build image's size and the temporary space a refresh takes.
Every part runs as its own process on loopback, as in bench_cache."""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.bench_cache import BATCH, BATCHES, LATENCY_MS, SEED, ideal_seconds
from bench.processes import emulators as running_emulators
from bench.processes import live_children, proc_cpu_seconds, proc_memory, service
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

TRACKS = 1_000_000
CHANGED = 1_000
MB = 2**20
MEMORY_AIM_MB = 300
Figures = dict[str, float | int | str]


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.99) - 1)]


def _queries() -> list[pb.TrackQuery]:
    """As bench_cache's: mostly present tracks (some in capitals), one in ten by an artist
    the library does not have; only the sampled tracks are built from the columns."""
    music = [s.tracks for s in generate(seed=SEED, tracks=TRACKS).sections if s.kind == "music"]
    places = [(n, p) for n, tracks in enumerate(music) for p in range(len(tracks))]
    out = []
    for n, (library, position) in enumerate(random.Random(SEED).sample(places, BATCH * BATCHES)):
        t = music[library][position]
        artist = "Zed Quillfeather" if n % 10 == 9 else (t.credit or t.album_artist)
        out.append(
            pb.TrackQuery(
                ref=str(n),
                title=t.title.upper() if n % 3 == 1 else t.title,
                artists=[artist.split(" feat. ")[0]],
                duration_ms=t.duration_ms,
            )
        )
    return out


def _library_sizes() -> list[int]:
    """The emulators' two music libraries (emulators/library.py ``generate``)."""
    per = -(-TRACKS // 2)
    return [per, TRACKS - per]


async def _status(cache: Any, target: tpb.Target.ValueType) -> Any:
    reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(target=target), timeout=10)
    return reply.statuses[0]


async def _ready(cache: Any, target: tpb.Target.ValueType, above: int, deadline: float) -> Any:
    """``target`` READY with a generation above ``above``; polled every 50 ms."""
    end = time.perf_counter() + deadline
    while True:
        status = await _status(cache, target)
        if status.state == pb.CACHE_STATE_READY and status.generation > above:
            return status
        if status.state == pb.CACHE_STATE_FAILED or time.perf_counter() > end:
            raise RuntimeError(f"build did not finish: {status.state} {status.last_error}")
        await asyncio.sleep(0.05)


class Watch:
    """While a build runs: the build workers' peak resident memory (cache_svc's children)
    and the peak of the temporary folder (its total, and its largest file)."""

    def __init__(self, pid: int, tmp: Path) -> None:
        self.pid, self.tmp = pid, tmp
        self.worker_peak = 0
        self.tmp_peak = 0
        self.largest_file = 0

    def sample(self) -> None:
        for child in live_children(self.pid):
            try:
                self.worker_peak = max(self.worker_peak, proc_memory(child)["VmHWM"])
            except (OSError, KeyError):  # gone meanwhile
                continue
        sizes = []
        for path in self.tmp.rglob("*"):
            try:
                if path.is_file():
                    sizes.append(path.stat().st_size)
            except OSError:
                continue
        self.tmp_peak = max(self.tmp_peak, sum(sizes))
        self.largest_file = max(self.largest_file, max(sizes, default=0))

    async def during(self, work: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(work)
        while not task.done():
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(0.05)
        return task.result()


async def _match(
    cache: Any, queries: list[pb.TrackQuery], until: Callable[[], bool]
) -> list[float]:
    """500-track batches against Plex, the latency of each in ms: every batch once, then on
    while ``until`` is false."""
    latencies: list[float] = []
    n = 0
    while n < len(queries) // BATCH or not until():
        batch = queries[(n * BATCH) % len(queries) :][:BATCH]
        t0 = time.perf_counter()
        await cache.MatchTracks(
            pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=batch), timeout=60
        )
        latencies.append((time.perf_counter() - t0) * 1000)
        n += 1
    return latencies


async def _counts(http: httpx.AsyncClient, url: str, reset: bool = False) -> int:
    if reset:
        return sum((await http.post(f"{url}/__admin/counts/reset")).json().values())
    return sum((await http.get(f"{url}/__admin/counts")).json().values())


async def _settings(config: Any, values: dict[str, str]) -> None:
    changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=10)


def _resident(pid: int) -> int:
    return proc_memory(pid)["VmRSS"]


async def _plex(
    cache: Any,
    config: Any,
    watch: Watch,
    url: str,
    figures: Figures,
    met: dict[str, bool],
) -> int:
    """Plex built, memory, matching with no build and during a rebuild; its generation."""
    queries = _queries()  # before enabling: generating them takes seconds of CPU
    pid = watch.pid
    baseline = _resident(pid)
    cpu = proc_cpu_seconds(pid)  # with the build workers it has reaped
    began = time.perf_counter()
    await _settings(
        config,
        {
            "PLEX_URL": url,
            "PLEX_TOKEN": "emulated-plex-token",
            "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
            "PLEX_CLIENT_ENABLED": "true",
        },
    )
    status = await watch.during(_ready(cache, tpb.TARGET_PLEX, 0, 1800))
    seconds = time.perf_counter() - began
    await asyncio.sleep(1)  # the worker exits and is reaped
    figures["Plex build: CPU s per 100,000 tracks (cache_svc and worker)"] = (
        proc_cpu_seconds(pid) - cpu
    ) / (TRACKS / 100_000)
    ideal = ideal_seconds(_library_sizes())
    figures["Plex build: tracks indexed"] = status.track_count
    figures["Plex build: seconds to READY"] = seconds
    figures["Plex build: ideal seconds"] = ideal
    figures["Plex build: x ideal"] = seconds / ideal
    met["build"] = seconds <= 1.25 * ideal and status.track_count == TRACKS
    built = _resident(pid)
    latencies = await _match(cache, queries, lambda: True)
    matched = _resident(pid)
    rate = len(latencies) * BATCH / (sum(latencies) / 1000)
    figures["cache_svc baseline resident MB"] = baseline / MB
    figures["cache_svc above baseline MB, READY"] = (built - baseline) / MB
    figures[f"cache_svc above baseline MB, after {len(latencies)} batches"] = (
        matched - baseline
    ) / MB
    figures["build worker peak resident MB"] = watch.worker_peak / MB
    figures["index memory_bytes MB (reported)"] = status.memory_bytes / MB
    met["memory"] = max(built, matched) - baseline <= MEMORY_AIM_MB * MB
    figures["match, no build: tracks/s"] = rate
    figures["match, no build: batch p50 ms"] = statistics.median(latencies)
    figures["match, no build: batch p99 ms"] = _p99(latencies)
    met["match throughput"] = rate >= 5000
    met["match p99"] = _p99(latencies) <= 250

    await cache.BuildCache(
        pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_FULL), timeout=10
    )
    rebuilding = asyncio.ensure_future(_ready(cache, tpb.TARGET_PLEX, status.generation, 1800))
    during = await _match(cache, queries[: BATCH * BATCHES], rebuilding.done)
    status = await rebuilding
    figures["match during a rebuild: batches"] = len(during)
    figures["match during a rebuild: batch p99 ms"] = _p99(during)
    met["match p99 during a rebuild"] = _p99(during) <= 250
    return int(status.generation)


async def _refreshed_after(
    edit: dict[str, Any],
    cache: Any,
    http: httpx.AsyncClient,
    url: str,
    watch: Watch,
    generation: int,
) -> tuple[Any, float, int]:
    """The emulated Jellyfin library edited as ``edit`` says, then refreshed: the READY
    status, the seconds from asking to READY, and the requests the server counted."""
    await http.post(f"{url}/__admin/library", json=edit)
    await _counts(http, url, reset=True)
    began = time.perf_counter()
    await cache.BuildCache(
        pb.BuildCacheRequest(target=tpb.TARGET_JELLYFIN, mode=pb.BUILD_MODE_INCREMENTAL),
        timeout=10,
    )
    status = await watch.during(_ready(cache, tpb.TARGET_JELLYFIN, generation, 1800))
    return status, time.perf_counter() - began, await _counts(http, url)


async def _jellyfin(
    cache: Any, config: Any, watch: Watch, url: str, figures: Figures, met: dict[str, bool]
) -> None:
    """Jellyfin built in full, then 1,000 added and 1,000 removed and refreshed."""
    async with httpx.AsyncClient(timeout=600) as http:
        await _counts(http, url, reset=True)
        began = time.perf_counter()
        await _settings(
            config,
            {
                "JELLYFIN_URL": url,
                "JELLYFIN_TOKEN": "emulated-jellyfin-token",
                "JELLYFIN_CLIENT_ENABLED": "true",
            },
        )
        status = await watch.during(_ready(cache, tpb.TARGET_JELLYFIN, 0, 1800))
        full_seconds = time.perf_counter() - began
        full_requests = await _counts(http, url, reset=True)
        full_bytes = sum(c.bytes for c in status.last_build_costs)
        figures["Jellyfin full build: seconds"] = full_seconds
        figures["Jellyfin full build: requests"] = full_requests
        figures["Jellyfin full build: MB moved"] = full_bytes / MB
        figures["build image MB on disk (largest file in the build folder)"] = (
            watch.largest_file / MB
        )

        sections = (await http.get(f"{url}/__admin/library")).json()["sections"]
        music = [lib["ids"] for lib in sections.values() if lib["kind"] == "music"]
        edit = {"delete": music[-1][-CHANGED:], "add": CHANGED}
        watch.tmp_peak = 0
        refreshed, seconds, requests = await _refreshed_after(
            edit, cache, http, url, watch, status.generation
        )
        # The common refresh: tracks added, none removed. The library's count adds up, so
        # no id sweep is sent (printed, no aim of its own).
        grown, grown_seconds, grown_requests = await _refreshed_after(
            {"add": CHANGED}, cache, http, url, watch, refreshed.generation
        )
    grown_bytes = sum(c.bytes for c in grown.last_build_costs)
    figures[f"refresh, {CHANGED:,} added only: tracks (want {TRACKS + CHANGED:,})"] = (
        grown.track_count
    )
    figures[f"refresh, {CHANGED:,} added only: seconds"] = grown_seconds
    figures[f"refresh, {CHANGED:,} added only: requests / MB moved"] = (
        f"{grown_requests} / {grown_bytes / MB:,.1f}"
    )
    figures[f"refresh, {CHANGED:,} added only: steps"] = ", ".join(
        c.step for c in grown.last_build_costs
    )
    figures[f"refresh, {CHANGED:,} added only: x full build time"] = grown_seconds / full_seconds
    refresh_bytes = sum(c.bytes for c in refreshed.last_build_costs)
    figures["refresh: tracks (want 1,000,000)"] = refreshed.track_count
    figures["refresh: seconds"] = seconds
    figures["refresh: requests"] = requests
    figures["refresh: MB moved"] = refresh_bytes / MB
    for cost in refreshed.last_build_costs:
        figures[f"refresh {cost.step}: requests / MB / s"] = (
            f"{cost.requests} / {cost.bytes / MB:,.1f} / {cost.seconds:.2f}"
        )
    figures["refresh: x full build requests"] = requests / full_requests
    figures["refresh: x full build time"] = seconds / full_seconds
    figures["refresh: temporary space peak MB"] = watch.tmp_peak / MB
    right = refreshed.track_count == TRACKS
    met["refresh requests"] = requests <= 0.05 * full_requests and right
    met["refresh time"] = seconds <= 0.20 * full_seconds and right


async def _run(log_dir: Path, result: Result) -> None:
    figures, met = result.figures, result.met
    tmp = log_dir / "tmp"
    tmp.mkdir()
    data = {"CMDARR_DATA_DIR": str(log_dir / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    async with (
        running_emulators(log_dir, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
        service("config_svc", log_dir, env=data) as config_proc,
    ):
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        cache_env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address, "TMPDIR": str(tmp)}
        async with service("cache_svc", log_dir, env=cache_env) as cache_proc:
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
            pid = cache_proc.process.pid
            watch = Watch(pid, tmp)
            generation = await _plex(cache, config, watch, emu.plex_url, figures, met)

        began = time.perf_counter()
        async with service("cache_svc", log_dir, env=cache_env) as cache_proc:
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
            await _ready(cache, tpb.TARGET_PLEX, generation - 1, 120)
            ready = time.perf_counter() - began
            figures["restart: seconds to READY"] = ready
            met["restart"] = ready <= 4
            watch = Watch(cache_proc.process.pid, tmp)
            await _jellyfin(cache, config, watch, emu.jellyfin_url, figures, met)


async def run() -> Result:
    result = Result("a million tracks (300 ms per target request)")
    with tempfile.TemporaryDirectory() as tmp:
        await _run(Path(tmp), result)
    result.aims = {
        "build": "1,000,000-track Plex READY within 1.25x of the single-target ideal",
        "memory": f"cache_svc <= {MEMORY_AIM_MB} MB above its baseline, READY and after batches",
        "match throughput": ">= 5,000 tracks/s in 500-track batches, no build",
        "match p99": "<= 250 ms per 500-track batch, no build",
        "match p99 during a rebuild": "<= 250 ms per batch while the target rebuilds",
        "restart": "<= 4 s from start to READY with the stored generation",
        "refresh requests": "<= 5% of a full build's, 1,000 added + 1,000 removed found",
        "refresh time": "<= 20% of a full build's",
    }
    result.notes.append(
        "ideal as bench_cache; memory = VmRSS of cache_svc above its resident size before "
        "enabling; the temporary space is the build folder under TMPDIR, sampled every 50 ms"
    )
    return result
