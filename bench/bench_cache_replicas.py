"""Library cache replicas on PostgreSQL: MatchTracks throughput with 1 and 2 cache_svc
replicas (clients spread over them), and the requests sent to the target for one
100,000-track build with 1 and with 2 replicas running. Every part is its own process:
the emulators, config_svc and each cache_svc replica, on loopback, against the PostgreSQL
named by CMDARR_BENCH_POSTGRES_URL or CMDARR_DATABASE_URL (fresh databases, dropped after)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.bench_cache import BATCH, SEED, _queries
from bench.postgres import bench_postgres_url, fresh_postgres_database
from bench.processes import emulators, service
from bench.report import Result
from common.wire.channels import open_channel

TRACKS = 100_000
LATENCY_MS = 50
CLIENTS = 8  # concurrent MatchTracks callers, spread over the replicas
BUILD_DEADLINE = 600.0


async def _all_ready(stubs: list[Any], deadline: float) -> pb.CacheStatus:
    """Wait (bounded) until every replica serves generation 1 of the Plex cache."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        statuses: list[pb.CacheStatus] = [
            (
                await stub.GetCacheStatus(
                    pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=10
                )
            ).statuses[0]
            for stub in stubs
        ]
        if all(s.state == pb.CACHE_STATE_READY and s.generation >= 1 for s in statuses):
            return statuses[0]
        failed = [s for s in statuses if s.state == pb.CACHE_STATE_FAILED]
        if failed or loop.time() > end:
            raise RuntimeError(
                f"build did not finish: {[(s.state, s.last_error) for s in statuses]}"
            )
        await asyncio.sleep(0.1)


async def _match_rate(stubs: list[Any], queries: list[pb.TrackQuery]) -> float:
    """Tracks/s answered by CLIENTS concurrent callers, caller i on replica i mod n; every
    caller sends every batch once."""
    batches = [queries[i : i + BATCH] for i in range(0, len(queries), BATCH)]

    async def caller(stub: Any) -> int:
        done = 0
        for batch in batches:
            reply = await stub.MatchTracks(
                pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=batch), timeout=60
            )
            done += len(reply.results)
        return done

    began = time.perf_counter()
    counts = await asyncio.gather(*(caller(stubs[i % len(stubs)]) for i in range(CLIENTS)))
    return sum(counts) / (time.perf_counter() - began)


async def _cluster(
    replicas: int, base_url: str, plex_url: str, log_dir: Path, queries: list[pb.TrackQuery]
) -> tuple[int, float, int]:
    """One build with ``replicas`` cache replicas running: (target requests, match
    tracks/s, tracks indexed)."""
    async with (
        fresh_postgres_database(base_url) as config_db,
        fresh_postgres_database(base_url) as cache_db,
        AsyncExitStack() as stack,
    ):
        data = {
            "CMDARR_DATA_DIR": str(log_dir / f"data-{replicas}"),
            "CMDARR_LOG_LEVEL": "WARNING",
            "CMDARR_CONFIG_DATABASE_URL": config_db,
            "CMDARR_CACHE_DATABASE_URL": cache_db,
        }
        config_proc = await stack.enter_async_context(service("config_svc", log_dir, env=data))
        env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        caches = [
            await stack.enter_async_context(service("cache_svc", log_dir, env=env))
            for _ in range(replicas)
        ]
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        stubs = [cache_pb2_grpc.CacheServiceStub(open_channel(c.address)) for c in caches]
        async with httpx.AsyncClient() as http:
            await http.post(f"{plex_url}/__admin/counts/reset")
            settings = {
                "PLEX_URL": plex_url,
                "PLEX_TOKEN": "emulated-plex-token",
                "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                "PLEX_CLIENT_ENABLED": "true",
            }
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key=k, value=v) for k, v in settings.items()]
                ),
                timeout=10,
            )
            status = await _all_ready(stubs, BUILD_DEADLINE)
            counts = (await http.get(f"{plex_url}/__admin/counts")).json()
        requests = sum(int(v) for v in counts.get("counts", counts).values())
        rate = await _match_rate(stubs, queries)
        return requests, rate, status.track_count


async def run() -> Result:
    result = Result("library cache replicas (PostgreSQL, Plex emulator)")
    base_url = bench_postgres_url()
    if not base_url:
        message = (
            "skipped: set CMDARR_BENCH_POSTGRES_URL (or CMDARR_DATABASE_URL) to a PostgreSQL "
            "URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        )
        print(message, file=sys.stderr)
        result.notes.append(message)
        return result
    queries = _queries(TRACKS)
    with tempfile.TemporaryDirectory() as tmp:
        async with emulators(Path(tmp), tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu:
            one = await _cluster(1, base_url, emu.plex_url, Path(tmp), queries)
            two = await _cluster(2, base_url, emu.plex_url, Path(tmp), queries)
    for n, (requests, rate, indexed) in ((1, one), (2, two)):
        label = "1 replica" if n == 1 else f"{n} replicas"
        result.figures[f"build with {label}: tracks indexed"] = indexed
        result.figures[f"build with {label}: target requests"] = requests
        result.figures[f"match with {label}: tracks/s"] = rate
        result.chart[f"match {label}"] = rate
    result.chart_unit = "tracks/s"
    result.figures["match: 2 replicas / 1 replica"] = two[1] / one[1]
    result.met["build requests"] = two[0] == one[0]
    result.met["match throughput"] = two[1] >= one[1]
    result.aims = {
        "build requests": "a 100,000-track build with 2 replicas costs the requests of 1",
        "match throughput": "2 replicas answer at least the tracks/s of 1",
    }
    result.notes.append(
        f"{CLIENTS} concurrent callers, each sending {len(queries) // BATCH} batches of {BATCH}, "
        f"spread round the replicas; {LATENCY_MS} ms per target request; tracks/s depend on "
        "the cores the replicas get"
    )
    return result
