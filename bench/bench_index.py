"""Library cache index: cache_svc's resident memory with two 100,000-track targets built
(above its own baseline before enabling, and again after matching batches), and a restart
on the same data: the time to both caches READY from the stored generations, and the
loading part of it. Emulated Plex and Jellyfin, config_svc and cache_svc run as their own
processes on loopback, as with ``make run``."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import Child, emulators, proc_memory, service
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

TRACKS = 100_000
LATENCY_MS = 5  # the builds are not measured here (bench_cache.py does): keep them short
SEED = 11
BATCH = 500
BATCHES = 6
TARGETS = (tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN)
MB = 2**20
# The compact index's aim: resident memory per 100,000-track target above the baseline.
MEMORY_PER_TARGET_MB = 80


async def _statuses(cache: Any) -> list[Any]:
    reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=10)
    return [s for s in reply.statuses if s.target in TARGETS]


async def _both_ready(cache: Any, deadline: float) -> list[Any]:
    end = time.perf_counter() + deadline
    while True:
        statuses = await _statuses(cache)
        if len(statuses) == len(TARGETS) and all(s.state == pb.CACHE_STATE_READY for s in statuses):
            return statuses
        failed = [s.last_error for s in statuses if s.state == pb.CACHE_STATE_FAILED]
        if failed or time.perf_counter() > end:
            raise RuntimeError(f"caches not ready: {failed or statuses}")
        await asyncio.sleep(0.02)


def _queries() -> list[pb.TrackQuery]:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    return [
        pb.TrackQuery(
            ref=str(n),
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            duration_ms=t.duration_ms,
        )
        for n, t in enumerate(music[:: len(music) // (BATCH * BATCHES)][: BATCH * BATCHES])
    ]


def _resident(child: Child) -> int:
    return proc_memory(child.process.pid)["VmRSS"]


def _load_seconds(child: Child) -> float:
    """The loading time the cache logged for each generation (loaded concurrently: the
    longest one)."""
    seconds = [0.0]
    for line in child.log_lines():
        if '"generation loaded"' in line:
            seconds.append(float(json.loads(line).get("seconds", 0.0)))
    return max(seconds)


async def _measure(
    log_dir: Path, figures: dict[str, float | int | str], met: dict[str, bool]
) -> None:
    data = {"CMDARR_DATA_DIR": str(log_dir / "data"), "CMDARR_LOG_LEVEL": "INFO"}
    async with (
        emulators(log_dir, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
        service("config_svc", log_dir, env=data) as config_proc,
    ):
        cache_env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        async with service("cache_svc", log_dir, env=cache_env) as cache_proc:
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
            await _statuses(cache)
            baseline = _resident(cache_proc)
            values = {
                "PLEX_URL": emu.plex_url,
                "PLEX_TOKEN": "emulated-plex-token",
                "JELLYFIN_URL": emu.jellyfin_url,
                "JELLYFIN_TOKEN": "emulated-jellyfin-token",
                "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                "PLEX_CLIENT_ENABLED": "true",
                "JELLYFIN_CLIENT_ENABLED": "true",
            }
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key=k, value=v) for k, v in values.items()]
                ),
                timeout=10,
            )
            statuses = await _both_ready(cache, 900)
            built = _resident(cache_proc)
            queries = _queries()
            for start in range(0, len(queries), BATCH):
                for target in TARGETS:
                    await cache.MatchTracks(
                        pb.MatchTracksRequest(target=target, tracks=queries[start : start + BATCH]),
                        timeout=60,
                    )
            matched = _resident(cache_proc)
            reported = sum(s.memory_bytes for s in statuses)
        figures["cache_svc baseline resident MB (before enabling)"] = baseline / MB
        figures["cache_svc resident MB, two 100k targets built"] = built / MB
        figures["above baseline MB per 100k target, built"] = (built - baseline) / MB / 2
        figures[f"above baseline MB per 100k target, after {BATCHES * 2} batches"] = (
            (matched - baseline) / MB / 2
        )
        figures["memory_bytes reported MB per target"] = reported / MB / 2
        met["memory per target"] = (matched - baseline) / 2 <= MEMORY_PER_TARGET_MB * MB
        met["memory flat after matching"] = matched - built <= 0.1 * max(built - baseline, MB)

        began = time.perf_counter()
        async with service("cache_svc", log_dir, env=cache_env) as cache_proc:
            serving = time.perf_counter() - began
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
            await _both_ready(cache, 120)
            ready = time.perf_counter() - began
            loading = _load_seconds(cache_proc)
            restarted = _resident(cache_proc)
        figures["restart: above baseline MB per 100k target, loaded"] = (
            (restarted - baseline) / MB / 2
        )
        figures["restart: seconds to SERVING"] = serving
        figures["restart: seconds to both READY"] = ready
        figures["restart: seconds loading both generations"] = loading
        met["restart to READY"] = ready <= 4
        met["loading"] = loading <= 2


async def run() -> Result:
    result = Result("library cache index (two 100,000-track targets, Plex and Jellyfin)")
    with tempfile.TemporaryDirectory() as tmp:
        await _measure(Path(tmp), result.figures, result.met)
    result.aims = {
        "memory per target": (
            f"<= {MEMORY_PER_TARGET_MB} MB resident per 100k-track target above the baseline"
        ),
        "memory flat after matching": "resident grows <= 10% after the match batches",
        "restart to READY": "<= 4 s from start to both caches READY",
        "loading": "<= 2 s loading the two stored generations",
    }
    result.notes.append(
        "resident = VmRSS of the cache_svc process; the baseline is read once it serves, "
        "before any target is enabled"
    )
    return result
