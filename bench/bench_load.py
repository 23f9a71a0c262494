"""Load on loopback for a fixed time: 50 concurrent MatchTracks clients, 20 watchers on each
stream (WatchConfig, WatchCacheStatus, the gateway's WatchStatus), config changes every
second and syncs running; every service its own process. Prints throughput, latency,
errors, whether every config watcher saw every revision, and each service's peak memory."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as gpb
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as spb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import emulators, proc_memory, service
from bench.report import Result
from common.runtime.probe import free_port
from common.wire.channels import open_channel
from emulators.library import generate

SECONDS = 20.0
MATCHERS = 50
WATCHERS = 20
BATCH = 100
TRACKS = 20_000
SEED = 31


def _queries() -> list[cache_pb.TrackQuery]:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    return [
        cache_pb.TrackQuery(
            ref=str(i), title=t.title, artists=[(t.credit or t.album_artist).split(" feat. ")[0]]
        )
        for i, t in enumerate(random.Random(SEED).sample(music, 2000))
    ]


async def _until(deadline: float, work: Any) -> None:
    while time.monotonic() < deadline:
        await work()


async def run() -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        return await _run(Path(tmp))


async def _run(logs: Path) -> Result:
    data = {"CMDARR_DATA_DIR": str(logs / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    async with (
        emulators(logs, tracks=TRACKS, seed=SEED) as emu,
        service("config_svc", logs, env=data) as config_proc,
    ):
        env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", logs, env=env) as cache_proc:
            env["CMDARR_CACHE_ADDR"] = cache_proc.address
            async with service("sync_svc", logs, env=env) as sync_proc:
                env["CMDARR_SYNC_ADDR"] = sync_proc.address
                env["CMDARR_GATEWAY_HTTP_ADDR"] = f"127.0.0.1:{free_port()}"
                async with service("gateway", logs, env=env) as gateway_proc:
                    procs = {p.name: p for p in (config_proc, cache_proc, sync_proc, gateway_proc)}
                    return await _load(emu.plex_url, procs)


async def _load(plex_url: str, procs: dict[str, Any]) -> Result:
    channels = [open_channel(procs["cache_svc"].address) for _ in range(5)]
    config = config_pb2_grpc.ConfigServiceStub(open_channel(procs["config_svc"].address))
    sync = sync_pb2_grpc.SyncServiceStub(open_channel(procs["sync_svc"].address))
    gateway = gateway_pb2_grpc.GatewayServiceStub(open_channel(procs["gateway"].address))
    caches = [cache_pb2_grpc.CacheServiceStub(c) for c in channels]
    settings = {
        "PLEX_URL": plex_url,
        "PLEX_TOKEN": "emulated-plex-token",
        "PLEX_CLIENT_ENABLED": "true",
    }
    changes = [cpb.SettingChange(key=k, value=v) for k, v in settings.items()]
    await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=10)
    watch = caches[0].WatchCacheStatus(
        cache_pb.WatchCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=300
    )
    async for message in watch:  # until the cache is built
        if message.status.state == cache_pb.CACHE_STATE_READY:
            watch.cancel()
            break
    queries = _queries()
    start_revision = (
        await config.GetSettings(cpb.GetSettingsRequest(keys=["MAX_PARALLEL_SYNCS"]), timeout=10)
    ).revision
    latencies: list[float] = []
    errors: list[str] = []
    seen: list[list[int]] = [[] for _ in range(WATCHERS)]
    stream_messages = [0, 0]
    deadline = time.monotonic() + SECONDS
    rand = random.Random(SEED)

    async def match(i: int) -> None:
        stub = caches[i % len(caches)]
        start = rand.randrange(0, len(queries) - BATCH)
        t0 = time.perf_counter()
        try:
            await stub.MatchTracks(
                cache_pb.MatchTracksRequest(
                    target=tpb.TARGET_PLEX, tracks=queries[start : start + BATCH]
                ),
                timeout=30,
            )
            latencies.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:
            errors.append(f"MatchTracks: {exc}")

    loop = asyncio.get_running_loop()

    def closed_at(call: Any, when: float) -> Any:
        """Cancel a stream at a monotonic time: the end of the load is not an error."""
        loop.call_later(max(0.0, when - time.monotonic()), call.cancel)
        return call

    async def watch_config(i: int) -> None:
        call = closed_at(
            config.WatchConfig(
                cpb.WatchConfigRequest(after_revision=start_revision), timeout=SECONDS + 60
            ),
            deadline + 3,
        )
        try:
            async for message in call:
                if message.kind == cpb.WATCH_RESPONSE_KIND_EVENTS:
                    seen[i].append(message.revision)
        except asyncio.CancelledError:
            pass

    async def watch_stream(call: Any, slot: int) -> None:
        closed_at(call, deadline)
        try:
            async for _ in call:
                stream_messages[slot] += 1
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            errors.append(f"stream: {exc}")

    updates = 0

    async def update() -> None:
        nonlocal updates
        updates += 1
        change = cpb.SettingChange(
            key="LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", value=str(1000 + updates)
        )
        try:
            await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=[change]), timeout=10)
        except Exception as exc:
            errors.append(f"UpdateSettings: {exc}")
        await asyncio.sleep(1.0)

    runs: list[str] = []

    async def sync_once() -> None:
        spec = spb.SyncSpec(
            playlist_title=f"Load {len(runs) % 3}",
            tracks=[spb.InlineTrack(title=q.title, artists=list(q.artists)) for q in queries[:200]],
            targets=[tpb.TARGET_PLEX],
        )
        try:
            runs.append((await sync.RunSync(spb.RunSyncRequest(spec=spec), timeout=10)).run_id)
        except Exception as exc:
            errors.append(f"RunSync: {exc}")
        await asyncio.sleep(2.0)

    tasks = [asyncio.create_task(_until(deadline, lambda i=i: match(i))) for i in range(MATCHERS)]
    tasks += [asyncio.create_task(watch_config(i)) for i in range(WATCHERS)]
    tasks += [
        asyncio.create_task(
            watch_stream(
                caches[i % 5].WatchCacheStatus(
                    cache_pb.WatchCacheStatusRequest(), timeout=SECONDS + 30
                ),
                0,
            )
        )
        for i in range(WATCHERS)
    ]
    tasks += [
        asyncio.create_task(
            watch_stream(gateway.WatchStatus(gpb.WatchStatusRequest(), timeout=SECONDS + 60), 1)
        )
        for _ in range(WATCHERS)
    ]
    tasks += [
        asyncio.create_task(_until(deadline, update)),
        asyncio.create_task(_until(deadline, sync_once)),
    ]
    began = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - began
    final = (
        await config.GetSettings(cpb.GetSettingsRequest(keys=["MAX_PARALLEL_SYNCS"]), timeout=10)
    ).revision
    expected = list(range(start_revision + 1, final + 1))
    complete = sum(1 for s in seen if s == expected)
    finished = 0
    for run_id in runs:
        async for _ in sync.WatchSync(spb.WatchSyncRequest(run_id=run_id), timeout=120):
            pass
        report = (
            await sync.GetSyncReport(spb.GetSyncReportRequest(run_id=run_id), timeout=10)
        ).report
        finished += report.progress.state == spb.SYNC_STATE_SUCCEEDED
    latencies.sort()
    result = Result(
        f"load ({SECONDS:.0f} s, {MATCHERS} MatchTracks clients, {WATCHERS} watchers per stream)"
    )
    result.figures = {
        "MatchTracks calls": len(latencies),
        "tracks matched/s": len(latencies) * BATCH / elapsed,
        "MatchTracks p50 ms (100-track batch)": statistics.median(latencies) if latencies else 0.0,
        "MatchTracks p99 ms (100-track batch)": latencies[int(len(latencies) * 0.99) - 1]
        if latencies
        else 0.0,
        "config updates": updates,
        "config watchers with every revision in order": f"{complete}/{WATCHERS}",
        "cache status messages": stream_messages[0],
        "gateway status messages": stream_messages[1],
        "syncs succeeded": f"{finished}/{len(runs)}",
        "errors": len(errors),
        **{
            f"{name} peak MB (VmHWM)": proc_memory(p.process.pid)["VmHWM"] / 2**20
            for name, p in procs.items()
        },
    }
    result.aims = {
        "no errors": "zero errors",
        "watchers": "every config watcher sees every revision",
        "syncs": "every sync succeeds",
    }
    result.met = {
        "no errors": not errors,
        "watchers": complete == WATCHERS,
        "syncs": finished == len(runs),
    }
    result.notes.extend(errors[:5])
    return result
