"""Builds beside the network, and incremental refresh: two 100,000-track targets (Plex and
Jellyfin emulators, 300 ms per request) built at once against the single-target ideal;
MatchTracks p99 while both rebuild; then 40 tracks added and 40 removed on each, and an
incremental refresh's requests, bytes and seconds against a full build's."""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.bench_cache import BATCH, CONCURRENCY, LATENCY_MS, PAGE_SIZE, SEED, _queries
from bench.processes import emulators, service
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

TRACKS = 100_000
CHANGED = 40
TARGETS = {tpb.TARGET_PLEX: "Plex", tpb.TARGET_JELLYFIN: "Jellyfin"}


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


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children it has reaped (its build workers), from
    /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


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


async def _run(log_dir: Path, result: Result) -> None:
    figures, met = result.figures, result.met
    data = {"CMDARR_DATA_DIR": str(log_dir / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    async with (
        emulators(log_dir, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
        service("config_svc", log_dir, env=data) as config_proc,
        service(
            "cache_svc", log_dir, env={**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        ) as cache_proc,
        httpx.AsyncClient(timeout=60) as http,
    ):
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
        urls = {tpb.TARGET_PLEX: emu.plex_url, tpb.TARGET_JELLYFIN: emu.jellyfin_url}
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
        processes = {
            "emulated Plex": emu.children[0].process.pid,
            "emulated Jellyfin": emu.children[1].process.pid,
            "cache_svc and its build workers": cache_proc.process.pid,
        }
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        began = time.perf_counter()
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key=k, value=v) for k, v in settings.items()]
            ),
            timeout=10,
        )
        statuses = await _wait_ready(cache, {}, 900)
        both = time.perf_counter() - began
        ideal = (1 + _pages() / CONCURRENCY) * LATENCY_MS / 1000
        full_requests = {t: await _counts(http, u, reset=True) for t, u in urls.items()}
        figures["two targets at once: seconds to both READY"] = both
        figures["single-target ideal seconds"] = ideal
        figures["two targets at once: x ideal"] = both / ideal
        # Where the cores went: the emulated servers run on this machine too.
        for name, pid in processes.items():
            used = cpu_seconds(pid) - cpu_before[name]
            figures[f"two targets at once: CPU s, {name}"] = used
        figures["cores on this machine"] = os.cpu_count() or 0
        met["two builds at once"] = both <= 1.25 * ideal
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
        generations = {t: s.generation for t, s in statuses.items()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        began = time.perf_counter()
        await _build(cache, pb.BUILD_MODE_INCREMENTAL)
        statuses = await _wait_ready(cache, generations, 300)
        refresh = time.perf_counter() - began
        for name, pid in processes.items():
            used = cpu_seconds(pid) - cpu_before[name]
            figures[f"incremental refresh: CPU s, {name}"] = used
        figures["incremental refresh, both targets: seconds"] = refresh
        ratio_time = refresh / both
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


async def run() -> Result:
    result = Result("builds and incremental refresh (Plex + Jellyfin, 300 ms per request)")
    with tempfile.TemporaryDirectory() as tmp:
        await _run(Path(tmp), result)
    result.aims = {
        "two builds at once": "both 100k targets READY within 1.25x of the single-target ideal",
        "match p99 during a build": "<= 250 ms per 500-track batch while both rebuild",
        "refresh requests": "<= 10% of a full build's requests, 40 added + 40 removed found",
        "refresh time": "<= 25% of a full build's time",
    }
    result.notes.append(
        f"ideal = (1 library listing + pages / {CONCURRENCY} concurrent) x {LATENCY_MS} ms, "
        f"{PAGE_SIZE} tracks per page; the two targets have their own servers and caps"
    )
    return result
