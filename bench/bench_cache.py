"""Library cache: build time and requests at 300 ms per request beside the ideal, matching
throughput and latency for 500-track batches on a 100,000-track index, and cache_svc's
resident memory. Every part runs as its own process: the emulators, config_svc and
cache_svc, on loopback."""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import emulators, proc_memory, service
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

LATENCY_MS = 300
PAGE_SIZE = 500  # the clients' page size
CONCURRENCY = 4  # TARGET_MAX_CONCURRENCY's default
SEED = 11
BATCH = 500
BATCHES = 20


async def _wait_ready(cache: Any, deadline: float) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        reply = await cache.GetCacheStatus(
            pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=10
        )
        status = reply.statuses[0]
        if status.state == pb.CACHE_STATE_READY:
            return status
        if status.state == pb.CACHE_STATE_FAILED or loop.time() > end:
            raise RuntimeError(f"build did not finish: {status.state} {status.last_error}")
        await asyncio.sleep(0.05)


def _queries(tracks: int) -> list[pb.TrackQuery]:
    """Batches like real playlists: mostly present tracks (some with case and suffix
    changes), one in ten by an artist the library does not have."""
    catalog = generate(seed=SEED, tracks=tracks)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    rand = random.Random(SEED)
    out = []
    for n, t in enumerate(rand.sample(music, BATCH * BATCHES)):
        artist = (t.credit or t.album_artist).split(" feat. ")[0]
        if n % 10 == 9:
            artist = "Zed Quillfeather"
        title = t.title.upper() if n % 3 == 1 else t.title
        out.append(
            pb.TrackQuery(ref=str(n), title=title, artists=[artist], duration_ms=t.duration_ms)
        )
    return out


async def _one_size(
    tracks: int, log_dir: Path, figures: dict[str, float | int | str], met: dict[str, bool]
) -> None:
    data = {"CMDARR_DATA_DIR": str(log_dir / f"data-{tracks}"), "CMDARR_LOG_LEVEL": "WARNING"}
    async with (
        emulators(log_dir, tracks=tracks, seed=SEED, latency_ms=LATENCY_MS) as emu,
        service("config_svc", log_dir, env=data) as config_proc,
        service(
            "cache_svc", log_dir, env={**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        ) as cache_proc,
    ):
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
        async with httpx.AsyncClient() as http:
            await http.post(f"{emu.plex_url}/__admin/counts/reset")
            settings = {
                "PLEX_URL": emu.plex_url,
                "PLEX_TOKEN": "emulated-plex-token",
                "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                "PLEX_CLIENT_ENABLED": "true",
            }
            began = time.perf_counter()
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key=k, value=v) for k, v in settings.items()]
                ),
                timeout=10,
            )
            status = await _wait_ready(cache, 900)
            seconds = time.perf_counter() - began
            counts = (await http.get(f"{emu.plex_url}/__admin/counts")).json()
        requests = sum(int(v) for v in counts.get("counts", counts).values())
        ideal = ideal_seconds(_library_sizes(tracks))
        label = f"{tracks:,} tracks"
        figures[f"build {label}: tracks indexed"] = status.track_count
        figures[f"build {label}: requests"] = requests
        figures[f"build {label}: seconds"] = seconds
        figures[f"build {label}: ideal seconds"] = ideal
        figures[f"build {label}: x ideal"] = seconds / ideal
        met[f"build {label}"] = seconds <= 1.25 * ideal
        if tracks < 100_000:
            return
        queries = _queries(tracks)
        latencies = []
        matched = 0
        for start in range(0, len(queries), BATCH):
            t0 = time.perf_counter()
            reply = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=tpb.TARGET_PLEX, tracks=queries[start : start + BATCH]
                ),
                timeout=30,
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            matched += sum(1 for r in reply.results if r.method != pb.MATCH_METHOD_NONE)
        latencies.sort()
        rate = len(queries) / (sum(latencies) / 1000)
        p99 = latencies[min(len(latencies) - 1, math.ceil(len(latencies) * 0.99) - 1)]
        figures["match: batches of 500"] = len(latencies)
        figures["match: matched / queried"] = f"{matched:,}/{len(queries):,}"
        figures["match: tracks/s"] = rate
        figures["match: batch p50 ms"] = statistics.median(latencies)
        figures["match: batch p99 ms"] = p99
        met["match throughput"] = rate >= 5000
        met["match p99"] = p99 <= 250
        memory = proc_memory(cache_proc.process.pid)
        figures["cache_svc resident MB (VmRSS)"] = memory["VmRSS"] / 2**20
        figures["cache_svc peak resident MB (VmHWM)"] = memory["VmHWM"] / 2**20
        met["memory"] = memory["VmRSS"] <= 300 * 2**20


def ideal_seconds(library_sizes: Sequence[int]) -> float:
    """A build's ideal wall time for one server at LATENCY_MS per request: the library
    listing, then every page of every music library with CONCURRENCY in flight."""
    pages = sum(math.ceil(n / PAGE_SIZE) for n in library_sizes)
    return (1 + pages / CONCURRENCY) * LATENCY_MS / 1000


def _library_sizes(tracks: int) -> list[int]:
    catalog = generate(seed=SEED, tracks=tracks, audiobooks=0)
    return [len(s.tracks) for s in catalog.sections if s.kind == "music"]


async def run() -> Result:
    result = Result("library cache (300 ms per target request, Plex emulator)")
    with tempfile.TemporaryDirectory() as tmp:
        for tracks in (10_000, 100_000):
            await _one_size(tracks, Path(tmp), result.figures, result.met)
    result.chart_unit = "seconds"
    for key, value in result.figures.items():
        if key.startswith("build") and "seconds" in key and isinstance(value, float):
            result.chart[key.removeprefix("build ")] = value
    result.aims = {
        "build 10,000 tracks": "within 1.25x of the ideal",
        "build 100,000 tracks": "within 1.25x of the ideal",
        "match throughput": ">= 5,000 tracks/s",
        "match p99": "<= 250 ms per 500-track batch",
        "memory": "<= 300 MB resident with 100,000 tracks",
    }
    result.notes.append(
        f"ideal = (1 library listing + pages / {CONCURRENCY} concurrent) x {LATENCY_MS} ms; "
        f"{PAGE_SIZE} tracks per page"
    )
    return result
