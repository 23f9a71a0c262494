"""Builds beside the network, and incremental refresh: two 100,000-track targets (Plex and
Jellyfin emulators, 300 ms per request) built at once against the single-target ideal,
on a quiet machine and again with one core kept busy by another process; the CPU seconds
a build costs per 100,000 tracks, here and in a baseline commit's tree run on the same
libraries in the same run; MatchTracks p99 while both rebuild; then 40 tracks added and
40 removed on each, and an incremental refresh's requests, bytes and seconds against a
full build's."""

from __future__ import annotations

import asyncio
import math
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.baseline import Tree, baseline_commit, checked_out
from bench.bench_cache import BATCH, CONCURRENCY, LATENCY_MS, PAGE_SIZE, SEED, _queries
from bench.processes import (
    ROOT,
    Child,
    Emulators,
    emulators,
    proc_cpu_seconds,
    proc_cpu_split,
    reaped,
    service,
)
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

TRACKS = 100_000
CHANGED = 40
TARGETS = {tpb.TARGET_PLEX: "Plex", tpb.TARGET_JELLYFIN: "Jellyfin"}
PER = 100_000  # CPU seconds are given per this many tracks built
CPU_AIM = 0.5  # this tree's CPU per track against the baseline's
READY_AIM = 1.25  # both targets READY within this many times the single-target ideal
BUSY_SECONDS = 600  # the busy loop's own bound; it is killed once the build is READY
BUSY_LOOP = (
    f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end: pass"
)


async def _statuses(cache: Any) -> dict[int, Any]:
    reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=10)
    return {s.target: s for s in reply.statuses if s.target in TARGETS}


async def _wait_ready(cache: Any, above: dict[int, int], deadline: float) -> dict[int, Any]:
    """Both targets READY with a generation above ``above``; polled every 50 ms."""
    end = time.perf_counter() + deadline
    while True:
        statuses = await _statuses(cache)
        if all(
            s.state == pb.CACHE_STATE_READY and s.generation > above.get(t, 0)
            for t, s in statuses.items()
        ) and len(statuses) == len(TARGETS):
            return statuses
        failed = [s for s in statuses.values() if s.state == pb.CACHE_STATE_FAILED]
        if failed or time.perf_counter() > end:
            raise RuntimeError(f"builds did not finish: {statuses}")
        await asyncio.sleep(0.05)


async def _counts(http: httpx.AsyncClient, url: str, reset: bool = False) -> int:
    if reset:
        return sum((await http.post(f"{url}/__admin/counts/reset")).json().values())
    return sum((await http.get(f"{url}/__admin/counts")).json().values())


def _pages() -> int:
    catalog = generate(seed=SEED, tracks=TRACKS, audiobooks=0)
    return sum(math.ceil(len(s.tracks) / PAGE_SIZE) for s in catalog.sections)


async def _build(cache: Any, mode: pb.BuildMode.ValueType) -> None:
    for target in TARGETS:
        await cache.BuildCache(pb.BuildCacheRequest(target=target, mode=mode), timeout=10)


async def _match_while(cache: Any, building: asyncio.Task[Any]) -> list[float]:
    """500-track MatchTracks batches against Plex's serving generation while ``building``
    runs; the latency of each, in ms."""
    queries = _queries(TRACKS)
    latencies: list[float] = []
    n = 0
    while not building.done():
        batch = queries[(n * BATCH) % len(queries) :][:BATCH]
        t0 = time.perf_counter()
        await cache.MatchTracks(
            pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=batch), timeout=30
        )
        latencies.append((time.perf_counter() - t0) * 1000)
        n += 1
    return latencies


@dataclass
class Services:
    """config_svc and cache_svc of one tree, and stubs to reach them."""

    config: Any
    cache: Any
    cache_proc: Child


@asynccontextmanager
async def _services(log_dir: Path, name: str, tree: Tree | None = None) -> AsyncIterator[Services]:
    """Fresh services (their own data folder): this tree's, or ``tree``'s."""
    data = {"CMDARR_DATA_DIR": str(log_dir / name / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    env, cwd = (tree.env(), tree.root) if tree else ({}, ROOT)
    async with (
        service("config_svc", log_dir / name, env={**data, **env}, cwd=cwd) as config_proc,
        service(
            "cache_svc",
            log_dir / name,
            env={**data, **env, "CMDARR_CONFIG_ADDR": config_proc.address},
            cwd=cwd,
        ) as cache_proc,
    ):
        yield Services(
            config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address)),
            cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address)),
            cache_proc,
        )


@dataclass
class FirstBuild:
    """Both targets from enabling to READY: how long, the CPU it cost cache_svc and its
    build workers, and what the emulated servers did (their CPU by name, requests)."""

    statuses: dict[Any, Any]
    seconds: float
    load: tuple[float, float]  # the machine's 1-minute load average before and after
    cpu: float
    worker_cpu: float  # of ``cpu``, the build workers'
    emulator_cpu: dict[str, float]
    requests: dict[Any, int]

    def cores(self) -> float:
        """The build workers' CPU seconds per second of the build: with the same CPU per
        track, less on a busy machine means they waited for a core."""
        return self.worker_cpu / self.seconds

    def cpu_per(self, cpu: float | None = None) -> float:
        """``cpu`` (by default the whole build's) per PER tracks built."""
        tracks: int = sum(s.track_count for s in self.statuses.values())
        return (self.cpu if cpu is None else cpu) / tracks * PER


@asynccontextmanager
async def _busy_core() -> AsyncIterator[None]:
    """Another process keeping one core busy at normal priority (bounded, killed after)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", BUSY_LOOP)
    try:
        await asyncio.sleep(0.5)  # running before the build starts
        yield
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _first_build(
    svc: Services, emu: Emulators, http: httpx.AsyncClient, urls: dict[Any, str]
) -> FirstBuild:
    """Enable both targets on fresh services and wait for both READY."""
    for url in urls.values():
        await _counts(http, url, reset=True)
    settings = {
        "PLEX_URL": emu.plex_url,
        "PLEX_TOKEN": "emulated-plex-token",
        "JELLYFIN_URL": emu.jellyfin_url,
        "JELLYFIN_TOKEN": "emulated-jellyfin-token",
        "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
        "PLEX_CLIENT_ENABLED": "true",
        "JELLYFIN_CLIENT_ENABLED": "true",
    }
    emulated = {"emulated Plex": emu.children[0], "emulated Jellyfin": emu.children[1]}
    cache_pid = svc.cache_proc.process.pid
    emulator_before = {name: proc_cpu_seconds(c.process.pid) for name, c in emulated.items()}
    own_before, workers_before = proc_cpu_split(cache_pid)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    await svc.config.UpdateSettings(
        cpb.UpdateSettingsRequest(
            changes=[cpb.SettingChange(key=k, value=v) for k, v in settings.items()]
        ),
        timeout=10,
    )
    statuses = await _wait_ready(svc.cache, {}, 900)
    seconds = time.perf_counter() - began
    await reaped(cache_pid, 10)  # the workers' CPU counts once they are reaped
    own, workers = proc_cpu_split(cache_pid)
    return FirstBuild(
        statuses=statuses,
        seconds=seconds,
        load=(load_before, os.getloadavg()[0]),
        cpu=own + workers - own_before - workers_before,
        worker_cpu=workers - workers_before,
        emulator_cpu={
            name: proc_cpu_seconds(c.process.pid) - emulator_before[name]
            for name, c in emulated.items()
        },
        requests={t: await _counts(http, u, reset=True) for t, u in urls.items()},
    )


async def _run(log_dir: Path, result: Result) -> None:
    figures, met = result.figures, result.met
    ideal = (1 + _pages() / CONCURRENCY) * LATENCY_MS / 1000
    async with (
        emulators(log_dir, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
        httpx.AsyncClient(timeout=60) as http,
    ):
        urls = {tpb.TARGET_PLEX: emu.plex_url, tpb.TARGET_JELLYFIN: emu.jellyfin_url}
        figures["single-target ideal seconds"] = ideal
        figures["cores on this machine"] = os.cpu_count() or 0

        # The baseline's tree first, on the same emulated libraries: its CPU per track.
        async with checked_out(baseline_commit()) as tree, _services(log_dir, "old", tree) as svc:
            old = await _first_build(svc, emu, http, urls)
        figures[f"baseline {tree.commit[:10]}: seconds to both READY"] = old.seconds
        figures[f"baseline {tree.commit[:10]}: x ideal"] = old.seconds / ideal
        figures[f"baseline {tree.commit[:10]}: load average before / after"] = _load(old)
        figures[f"baseline {tree.commit[:10]}: CPU s per {PER:,} tracks"] = old.cpu_per()
        figures[f"baseline {tree.commit[:10]}: of them the build workers'"] = old.cpu_per(
            old.worker_cpu
        )

        async with _services(log_dir, "new") as svc:
            built = await _first_build(svc, emu, http, urls)
            figures["quiet: seconds to both READY"] = built.seconds
            figures["quiet: x ideal"] = built.seconds / ideal
            figures["quiet: load average before / after"] = _load(built)
            figures["quiet: cores the build workers used, on average"] = built.cores()
            met["two builds at once"] = built.seconds <= READY_AIM * ideal
            figures[f"quiet: CPU s per {PER:,} tracks (cache_svc and its build workers)"] = (
                built.cpu_per()
            )
            figures["quiet: of them the build workers'"] = built.cpu_per(built.worker_cpu)
            for name, used in built.emulator_cpu.items():
                figures[f"quiet: CPU s, {name}"] = used
            figures["CPU per track: this tree / baseline"] = built.cpu_per() / old.cpu_per()
            met["CPU per track"] = built.cpu_per() <= CPU_AIM * old.cpu_per()
            await _after_build(svc.cache, http, urls, built, result)

        # With one core kept busy by another process at normal priority.
        async with _services(log_dir, "busy") as svc, _busy_core():
            busy = await _first_build(svc, emu, http, urls)
        figures["one core busy: seconds to both READY"] = busy.seconds
        figures["one core busy: x ideal"] = busy.seconds / ideal
        figures["one core busy: load average before / after (the busy loop is one)"] = _load(busy)
        figures[f"one core busy: CPU s per {PER:,} tracks"] = busy.cpu_per()
        figures["one core busy: cores the build workers used, on average"] = busy.cores()
        met["two builds at once, one core busy"] = busy.seconds <= READY_AIM * ideal


async def _refreshed(cache: Any, statuses: dict[int, Any]) -> tuple[dict[int, Any], float]:
    """Both targets refreshed: their READY statuses, and the seconds from asking."""
    generations = {t: s.generation for t, s in statuses.items()}
    began = time.perf_counter()
    await _build(cache, pb.BUILD_MODE_INCREMENTAL)
    return await _wait_ready(cache, generations, 300), time.perf_counter() - began


def _load(build: FirstBuild) -> str:
    return f"{build.load[0]:.2f} / {build.load[1]:.2f} on {os.cpu_count()} CPUs"


async def _after_build(
    cache: Any, http: httpx.AsyncClient, urls: dict[Any, str], built: FirstBuild, result: Result
) -> None:
    """MatchTracks while both rebuild, then an incremental refresh after changes."""
    figures, met = result.figures, result.met
    statuses, full_requests = built.statuses, built.requests
    for target, name in TARGETS.items():
        figures[f"full build {name}: tracks"] = statuses[target].track_count
        figures[f"full build {name}: requests"] = full_requests[target]
        listing = [c for c in statuses[target].last_build_costs if c.step == "listing"]
        if listing:
            figures[f"full build {name}: listing MB"] = listing[0].bytes / 2**20

    # MatchTracks against the serving generation while both targets rebuild in full.
    generations = {t: s.generation for t, s in statuses.items()}
    await _build(cache, pb.BUILD_MODE_FULL)
    rebuilding = asyncio.create_task(_wait_ready(cache, generations, 900))
    latencies = sorted(await _match_while(cache, rebuilding))
    statuses = await rebuilding
    p99 = latencies[min(len(latencies) - 1, math.ceil(len(latencies) * 0.99) - 1)]
    figures["match during two full builds: batches"] = len(latencies)
    figures["match during two full builds: p99 ms"] = p99
    met["match p99 during a build"] = p99 <= 250
    for url in urls.values():
        await _counts(http, url, reset=True)

    # 40 added and 40 removed on each target: the total is unchanged.
    for url in urls.values():
        ids = (await http.get(f"{url}/__admin/library")).json()["sections"]
        music = [lib["ids"] for lib in ids.values() if lib["kind"] == "music"]
        gone = music[-1][-CHANGED:]
        await http.post(f"{url}/__admin/library", json={"delete": gone, "add": CHANGED})
    statuses, refresh = await _refreshed(cache, statuses)
    figures["incremental refresh, both targets: seconds"] = refresh
    ratio_time = refresh / built.seconds
    figures["incremental refresh: x full build time"] = ratio_time
    ratios = []
    for target, name in TARGETS.items():
        requests = await _counts(http, urls[target])
        ratios.append(requests / full_requests[target])
        status = statuses[target]
        figures[f"refresh {name}: tracks (want {TRACKS:,})"] = status.track_count
        figures[f"refresh {name}: requests (full build {full_requests[target]})"] = requests
        for cost in status.last_build_costs:
            figures[f"refresh {name}: {cost.step} requests / KB / s"] = (
                f"{cost.requests} / {cost.bytes / 1024:,.0f} / {cost.seconds:.2f}"
            )
    figures["incremental refresh: x full build requests (worst target)"] = max(ratios)
    counts_right = all(s.track_count == TRACKS for s in statuses.values())
    met["refresh requests"] = max(ratios) <= 0.10 and counts_right
    met["refresh time"] = ratio_time <= 0.25 and counts_right
    await _refresh_adding_only(cache, http, urls, statuses, built.seconds, result)


async def _refresh_adding_only(
    cache: Any,
    http: httpx.AsyncClient,
    urls: dict[Any, str],
    statuses: dict[int, Any],
    full_seconds: float,
    result: Result,
) -> None:
    """The common refresh: tracks added, none removed. Each library's count adds up, so no
    id sweep is sent (printed, no aim of its own)."""
    figures = result.figures
    for url in urls.values():
        await _counts(http, url, reset=True)
        await http.post(f"{url}/__admin/library", json={"add": CHANGED})
    statuses, seconds = await _refreshed(cache, statuses)
    figures[f"refresh, {CHANGED} added only, both targets: seconds"] = seconds
    figures[f"refresh, {CHANGED} added only: x full build time"] = seconds / full_seconds
    for target, name in TARGETS.items():
        status = statuses[target]
        figures[f"refresh, added only, {name}: tracks (want {TRACKS + CHANGED:,})"] = (
            status.track_count
        )
        figures[f"refresh, added only, {name}: requests"] = await _counts(http, urls[target])
        figures[f"refresh, added only, {name}: steps"] = ", ".join(
            c.step for c in status.last_build_costs
        )


async def run() -> Result:
    result = Result("builds and incremental refresh (Plex + Jellyfin, 300 ms per request)")
    with tempfile.TemporaryDirectory() as tmp:
        await _run(Path(tmp), result)
    result.aims = {
        "two builds at once": "both 100k targets READY within 1.25x of the single-target ideal",
        "two builds at once, one core busy": "the same, while another process keeps a core busy",
        "CPU per track": f"cache_svc and its workers' CPU per track <= {CPU_AIM} x the baseline's",
        "match p99 during a build": "<= 250 ms per 500-track batch while both rebuild",
        "refresh requests": "<= 10% of a full build's requests, 40 added + 40 removed found",
        "refresh time": "<= 25% of a full build's time",
    }
    result.notes.append(
        f"baseline: {baseline_commit()[:10]} (set CMDARR_BENCH_BASELINE for another), its "
        "tree checked out into a temporary folder and run on the same emulated libraries"
    )
    result.notes.append(
        f"ideal = (1 library listing + pages / {CONCURRENCY} concurrent) x {LATENCY_MS} ms, "
        f"{PAGE_SIZE} tracks per page; the two targets have their own servers and caps"
    )
    return result
