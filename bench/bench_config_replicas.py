"""config_svc replicas on PostgreSQL: write rate and watch delivery with 1 and 3 replicas.

Each replica runs as its own process against one fresh PostgreSQL database (named by
CMDARR_BENCH_POSTGRES_URL, else CMDARR_DATABASE_URL; skipped with a note when neither is
set). One sequential writer spreads its updates over the replicas in turn; the watchers
are spread over the replicas too, so most revisions reach a watcher through another
replica (LISTEN/NOTIFY). Delivery latency runs from the start of the update call to a
watcher receiving its revision. Every watcher must receive every revision, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeAlias

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from bench.postgres import bench_postgres_url, fresh_postgres_database
from bench.report import Result
from common.runtime.probe import free_port, wait_serving
from common.wire.channels import open_channel

REPLICA_COUNTS = (1, 3)
WATCHERS = 30
BASELINE_UPDATES = 200
UPDATES = 300
DELIVERY_AIM_MS = 1000.0
BOUND_SECONDS = 120.0
KEY = "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"
ROOT = Path(__file__).resolve().parents[1]

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"


@contextlib.asynccontextmanager
async def replicas(database_url: str, count: int) -> AsyncIterator[list[str]]:
    """``count`` config_svc processes on one database; their addresses. Started one after
    another, so each finds the schema migrated."""
    procs: list[asyncio.subprocess.Process] = []
    addresses: list[str] = []
    with tempfile.TemporaryDirectory() as data:
        try:
            for _ in range(count):
                address = f"127.0.0.1:{free_port()}"
                env = {
                    **os.environ,
                    "CMDARR_DATA_DIR": data,
                    "CMDARR_CONFIG_ADDR": address,
                    "CMDARR_CONFIG_DATABASE_URL": database_url,
                    "CMDARR_LOG_LEVEL": "WARNING",
                }
                procs.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "config_svc",
                        cwd=ROOT,
                        env=env,
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=asyncio.subprocess.DEVNULL,
                    )
                )
                await wait_serving(address)
                addresses.append(address)
            yield addresses
        finally:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
            for proc in procs:
                await proc.wait()


async def _update(stub: Stub, value: int) -> int:
    change = pb.SettingChange(key=KEY, value=str(value))
    reply = await stub.UpdateSettings(pb.UpdateSettingsRequest(changes=[change]), timeout=10)
    return int(reply.revision)


async def _watcher(
    stub: Stub, after: int, until: int, tailing: asyncio.Event, seen: list[tuple[int, float]]
) -> None:
    call: Any = stub.WatchConfig(
        pb.WatchConfigRequest(after_revision=after, progress_interval_ms=200),
        timeout=BOUND_SECONDS,
    )
    async for message in call:
        if message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS:
            tailing.set()
        elif message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            seen.append((message.revision, time.perf_counter()))
            if message.revision >= until:
                call.cancel()
                return


async def _measure(addresses: list[str]) -> dict[str, Any]:
    channels = [open_channel(a) for a in addresses]
    stubs = [config_pb2_grpc.ConfigServiceStub(c) for c in channels]
    try:
        began = time.perf_counter()
        start = 0
        for n in range(BASELINE_UPDATES):
            start = await _update(stubs[n % len(stubs)], 100_000 + n)
        baseline_rate = BASELINE_UPDATES / (time.perf_counter() - began)

        until = start + UPDATES
        seen: list[list[tuple[int, float]]] = [[] for _ in range(WATCHERS)]
        tailing = [asyncio.Event() for _ in range(WATCHERS)]
        watchers = [
            asyncio.create_task(_watcher(stubs[i % len(stubs)], start, until, tailing[i], seen[i]))
            for i in range(WATCHERS)
        ]
        await asyncio.wait_for(asyncio.gather(*(t.wait() for t in tailing)), BOUND_SECONDS)
        sent_at: dict[int, float] = {}
        began = time.perf_counter()
        for n in range(UPDATES):
            t0 = time.perf_counter()
            sent_at[await _update(stubs[n % len(stubs)], 200_000 + n)] = t0
        write_seconds = time.perf_counter() - began
        await asyncio.wait_for(asyncio.gather(*watchers), BOUND_SECONDS)
    finally:
        for channel in channels:
            await channel.close(None)
    expected = list(range(start + 1, until + 1))
    complete = sum(1 for s in seen if [r for r, _ in s] == expected)
    latencies = sorted((t - sent_at[r]) * 1000 for s in seen for r, t in s)
    return {
        "baseline": baseline_rate,
        "rate": UPDATES / write_seconds,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "complete": complete,
        "gapless": sorted(sent_at) == expected,
    }


async def run() -> Result:
    result = Result(
        f"config replicas on PostgreSQL ({WATCHERS} watchers, {UPDATES} updates, "
        f"{' and '.join(map(str, REPLICA_COUNTS))} replicas)"
    )
    url = bench_postgres_url()
    if not url:
        result.notes.append(
            "skipped: set CMDARR_BENCH_POSTGRES_URL (or CMDARR_DATABASE_URL) to a PostgreSQL "
            "URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        )
        return result
    measured: dict[int, dict[str, Any]] = {}
    for count in REPLICA_COUNTS:
        async with (
            fresh_postgres_database(url) as database_url,
            replicas(database_url, count) as addrs,
        ):
            measured[count] = await _measure(addrs)
    for count, m in measured.items():
        label = f"{count} replica{'s' if count > 1 else ''}"
        result.figures[f"{label}: updates/s, no watchers (writer spread)"] = m["baseline"]
        result.figures[f"{label}: updates/s, {WATCHERS} watchers (writer spread)"] = m["rate"]
        result.figures[f"{label}: delivery p50 (ms)"] = m["p50"]
        result.figures[f"{label}: delivery p99 (ms)"] = m["p99"]
        result.figures[f"{label}: watchers with every revision in order"] = (
            f"{m['complete']}/{WATCHERS}"
        )
        result.chart[f"{label}: updates/s"] = m["baseline"]
    result.chart_unit = "updates/s (sequential writer)"
    most = max(REPLICA_COUNTS)
    result.aims = {
        "lossless": "every watcher on every replica gets every revision, in order",
        "gapless": "the revisions written through all replicas are gapless",
        "delivery": f"{most} replicas deliver within {DELIVERY_AIM_MS:,.0f} ms p99",
    }
    result.met = {
        "lossless": all(m["complete"] == WATCHERS for m in measured.values()),
        "gapless": all(m["gapless"] for m in measured.values()),
        "delivery": measured[most]["p99"] <= DELIVERY_AIM_MS,
    }
    return result
