"""Watch fan-out: 100 watchers of config_svc while 1,000 updates commit.

config_svc runs as its own process (SQLite, as deployed by default); the watchers and the
updater run here. Every watcher must receive every revision, in order. Delivery latency
is measured from the start of the update call to a watcher receiving its revision. The
watchers share this process with the writer, so the write rate with watchers includes
the client-side cost of receiving 100,000 events.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from bench.report import Result
from common.runtime.probe import free_port, wait_serving
from common.wire.channels import open_channel

WATCHERS = 100
UPDATES = 1_000
CHANNELS = 10
BASELINE_UPDATES = 300
ROOT = Path(__file__).resolve().parents[1]


async def _watcher(
    stub: config_pb2_grpc.ConfigServiceAsyncStub,
    after: int,
    until: int,
    seen: list[tuple[int, float]],
) -> None:
    call: Any = stub.WatchConfig(pb.WatchConfigRequest(after_revision=after), timeout=600)
    async for message in call:
        if message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            seen.append((message.revision, time.perf_counter()))
            if message.revision >= until:
                call.cancel()
                return


async def run() -> Result:
    with tempfile.TemporaryDirectory() as data:
        address = f"127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "CMDARR_DATA_DIR": data,
            "CMDARR_CONFIG_ADDR": address,
            "CMDARR_LOG_LEVEL": "WARNING",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "config_svc",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await wait_serving(address)
            return await _measure(address)
        finally:
            proc.terminate()
            await proc.wait()


async def _update(stub: config_pb2_grpc.ConfigServiceAsyncStub, n: int) -> int:
    change = pb.SettingChange(key="LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", value=str(100_000 + n))
    reply = await stub.UpdateSettings(pb.UpdateSettingsRequest(changes=[change]), timeout=10)
    return int(reply.revision)


async def _measure(address: str) -> Result:
    channels = [open_channel(address) for _ in range(CHANNELS)]
    stubs = [config_pb2_grpc.ConfigServiceStub(c) for c in channels]
    # The writer alone first, for comparison.
    began = time.perf_counter()
    for n in range(BASELINE_UPDATES):
        await _update(stubs[0], -n - 1)
    baseline_rate = BASELINE_UPDATES / (time.perf_counter() - began)
    start = (
        await stubs[0].GetSettings(pb.GetSettingsRequest(keys=["MAX_PARALLEL_SYNCS"]), timeout=10)
    ).revision
    until = start + UPDATES
    seen: list[list[tuple[int, float]]] = [[] for _ in range(WATCHERS)]
    watchers = [
        asyncio.create_task(_watcher(stubs[i % CHANNELS], start, until, seen[i]))
        for i in range(WATCHERS)
    ]
    await asyncio.sleep(1.0)  # let every stream open before the first update
    sent_at: dict[int, float] = {}
    began = time.perf_counter()
    for n in range(UPDATES):
        t0 = time.perf_counter()
        sent_at[await _update(stubs[0], n)] = t0
    write_seconds = time.perf_counter() - began
    await asyncio.wait_for(asyncio.gather(*watchers), 300)
    delivered_seconds = time.perf_counter() - began
    for channel in channels:
        await channel.close(None)

    expected = list(range(start + 1, until + 1))
    complete = sum(1 for s in seen if [r for r, _ in s] == expected)
    latencies = sorted((t - sent_at[r]) * 1000 for s in seen for r, t in s)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    result = Result("config watch fan-out (100 watchers, 1,000 updates)")
    result.figures = {
        "watchers": WATCHERS,
        "updates": UPDATES,
        "updates/s, no watchers (sequential writer)": baseline_rate,
        "updates/s, 100 watchers (sequential writer)": UPDATES / write_seconds,
        "events delivered": len(latencies),
        "all delivered after (s)": delivered_seconds,
        "delivery p50 (ms)": statistics.median(latencies),
        "delivery p99 (ms)": p99,
        "watchers with every revision in order": f"{complete}/{WATCHERS}",
    }
    result.aims = {"lossless": "every watcher gets every revision, in order"}
    result.met = {"lossless": complete == WATCHERS}
    return result
