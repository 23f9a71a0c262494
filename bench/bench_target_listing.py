"""Listing a 100,000-track Plex library at 300 ms per request through PlexClient.

The emulated Plex runs as its own process (``python -m emulators``) on loopback with 300 ms
added to every request, as a real server is another process, usually another machine:
its rendering time is not the client's. Pages of 500 tracks (a size real Plex servers
serve without strain; plexapi's default is 100) with 8 requests in flight, XML bodies
(the Plex default). The ideal is pages x latency / concurrency: what the latency alone
costs when the pipe is always full.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time

import httpx

from bench.report import Result
from common.targets import ClientSettings, PlexClient, RetryPolicy
from emulators.server import DEFAULT_PLEX_TOKEN

TRACKS = 100_000
LATENCY_MS = 300.0
PAGE_SIZE = 500
CONCURRENCY = 8
REQUESTS_PER_SECOND = 40.0  # above what 8 in flight at 300 ms can reach (~27/s)
AIM_RATIO = 1.25
START_TIMEOUT = 60.0
LIST_TIMEOUT = 90.0


async def _start_emulator() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        "--plex-port",
        "0",
        "--tracks",
        str(TRACKS),
        "--music-libraries",
        "1",
        "--seed",
        "1",
        "--latency-ms",
        str(LATENCY_MS),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=START_TIMEOUT)
    except TimeoutError:
        process.terminate()
        await process.wait()
        raise
    kind, url = line.decode().split()[:2]
    if kind != "plex":
        raise RuntimeError(f"unexpected emulator banner: {line!r}")
    return process, url


async def run() -> Result:
    settings = ClientSettings(
        requests_per_second=REQUESTS_PER_SECOND,
        burst=CONCURRENCY,
        concurrency=CONCURRENCY,
        timeout_seconds=30.0,
        page_size=PAGE_SIZE,
        retry=RetryPolicy(max_tries=3),
    )
    process, url = await _start_emulator()
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=url, limits=limits) as http:
            client = PlexClient(http, token=DEFAULT_PLEX_TOKEN, settings=settings)
            library = (await client.music_libraries()).chosen[0]
            client.counter.reset()
            started = time.perf_counter()
            cpu_started = time.process_time()
            tracks = await asyncio.wait_for(client.list_tracks(library), timeout=LIST_TIMEOUT)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
    finally:
        process.terminate()
        await process.wait()
    pages = math.ceil(TRACKS / PAGE_SIZE)
    ideal = pages * (LATENCY_MS / 1000.0) / CONCURRENCY
    ratio = seconds / ideal
    requests = client.counter.total
    return Result(
        name="target_listing",
        figures={
            "tracks": len(tracks),
            "page size": PAGE_SIZE,
            "concurrency": CONCURRENCY,
            "latency ms": int(LATENCY_MS),
            "requests": requests,
            "seconds": seconds,
            "client cpu seconds": cpu_seconds,
            "tracks/s": len(tracks) / seconds,
            "ideal seconds": ideal,
            "ratio to ideal": ratio,
        },
        aims={
            "complete": f"all {TRACKS:,} tracks in {pages} requests",
            "ideal": f"within {AIM_RATIO}x of pages x latency / concurrency",
        },
        met={
            "complete": len(tracks) == TRACKS and requests == pages,
            "ideal": ratio <= AIM_RATIO,
        },
        notes=[
            "emulated Plex in its own process on 127.0.0.1, XML bodies, "
            f"{LATENCY_MS:.0f} ms added per request; the first page is fetched alone to "
            "learn the total (so the floor is one latency above the ideal), the rest "
            "concurrently"
        ],
    )
