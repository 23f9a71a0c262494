"""Playlist sync, the seed's scenario side by side: emulated Plex with two music libraries
at 300 ms per request, playlists of 238, 500 and 2,000 tracks, synced by

  (a) the old behaviour (implemented here only): 8 search queries per track against every
      library, four requests in flight like our clients;
  (b) sync_svc with the library cache disabled: the bounded live fallback;
  (c) sync_svc with a warm library cache;
  (d) the live fallback against the cache path on emulators whose search folds case
      only, on the matching quality set's playlist and on the generated perturbation
      suite's: recall, precision and requests per track per library, Plex and Jellyfin
      side by side (bench/live_fallback.py).

CMDARR_BENCH_SYNC_PARTS (default "abcd") picks the parts to run.

Every part runs as its own process. Requests are counted by the emulator (a, b, c) and by
sync_svc's report; wall time is from RunSync to the run's end."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench import live_fallback
from bench.processes import emulators, service
from bench.report import Result
from common.targets import PlexClient
from common.targets.settings import ClientSettings
from common.wire.channels import open_channel
from emulators.library import generate

LATENCY_MS = 300
TRACKS = 20_000
SEED = 21
SIZES = (238, 500, 2_000)
BASELINE_SIZES = (238,)  # 500 and 2,000 would take 10 and 40 minutes at 300 ms
FALLBACK_SIZES = (238, 500)  # 2,000 would take about 5 minutes
TOKEN = "emulated-plex-token"


def _playlist(size: int) -> list[pb.InlineTrack]:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    step = max(1, len(music) // size)
    return [
        pb.InlineTrack(
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            duration_ms=t.duration_ms,
        )
        for t in music[::step][:size]
    ]


def _variants(track: pb.InlineTrack) -> list[str]:
    """The old matcher's eight queries per track."""
    title, artist = track.title, track.artists[0] if track.artists else ""
    core = title.split(" (")[0].split(" - ")[0]
    return [
        title, core, f"{artist} {title}", f"{artist} {core}", title.lower(),
        core.lower(), core.replace("\u2019", "'"), core.split(" ")[0],
    ]  # fmt: skip


async def _baseline(plex_url: str, tracks: list[pb.InlineTrack]) -> tuple[int, float]:
    async with httpx.AsyncClient(base_url=plex_url, timeout=60) as http:
        client = PlexClient(
            http,
            token=TOKEN,
            settings=ClientSettings(
                requests_per_second=1000.0, concurrency=4, timeout_seconds=60.0
            ),
        )
        libraries = (await client.music_libraries()).chosen
        began = time.perf_counter()
        await asyncio.gather(
            *(client.search(lib, q, 10) for t in tracks for lib in libraries for q in _variants(t))
        )
        return client.counter.total, time.perf_counter() - began


async def _sync(sync: Any, title: str, tracks: list[pb.InlineTrack]) -> tuple[pb.SyncReport, float]:
    spec = pb.SyncSpec(playlist_title=title, tracks=tracks, targets=[tpb.TARGET_PLEX])
    began = time.perf_counter()
    run_id = (await sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=30)).run_id
    async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=1800):
        pass
    seconds = time.perf_counter() - began
    report = (await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=30)).report
    if report.progress.state != pb.SYNC_STATE_SUCCEEDED:
        raise RuntimeError(f"sync failed: {report.error}")
    return report, seconds


def _requests(report: pb.SyncReport) -> int:
    r = report.targets[0].requests
    return (
        r.library_listing + r.track_page + r.search + r.playlist_read + r.playlist_write + r.other
    )


async def _settings(config: Any, **values: str) -> None:
    changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=10)


async def run() -> Result:
    result = Result("playlist sync: old behaviour vs live fallback vs warm cache (300 ms/request)")
    f, met = result.figures, result.met
    parts = os.environ.get("CMDARR_BENCH_SYNC_PARTS", "abcd")
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        if "d" in parts:
            await live_fallback.measure(logs, f, met)
            result.aims.update(live_fallback.aims())
        if not set("abc") & set(parts):
            return _finish(result, parts)
        data = {"CMDARR_DATA_DIR": str(logs / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
        async with (
            emulators(logs, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
            service("config_svc", logs, env=data) as config_proc,
        ):
            up = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
            async with service("cache_svc", logs, env=up) as cache_proc:
                env = {**up, "CMDARR_CACHE_ADDR": cache_proc.address}
                async with service("sync_svc", logs, env=env) as sync_proc:
                    config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
                    cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
                    sync = sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address))
                    playlists = {size: _playlist(size) for size in SIZES}
                    for size in BASELINE_SIZES if "a" in parts else ():
                        requests, seconds = await _baseline(emu.plex_url, playlists[size])
                        f[f"(a) old behaviour, {size} tracks: requests"] = requests
                        f[f"(a) old behaviour, {size} tracks: seconds"] = seconds
                    await _settings(
                        config, PLEX_URL=emu.plex_url, PLEX_TOKEN=TOKEN,
                        TARGET_MAX_REQUESTS_PER_SECOND="1000", LIBRARY_CACHE_PLEX_ENABLED="false",
                        PLEX_CLIENT_ENABLED="true",
                    )  # fmt: skip
                    for size in FALLBACK_SIZES if "b" in parts else ():
                        report, seconds = await _sync(sync, f"Fallback {size}", playlists[size])
                        f[f"(b) cache disabled, {size} tracks: requests"] = _requests(report)
                        f[f"(b) cache disabled, {size} tracks: searches"] = report.targets[
                            0
                        ].requests.search
                        f[f"(b) cache disabled, {size} tracks: seconds"] = seconds
                        f[f"(b) cache disabled, {size} tracks: matched"] = (
                            f"{report.targets[0].matched:,}/{size:,}"
                        )
                        # Two music libraries: at most 2 search requests per track per library.
                        met[f"fallback {size}"] = report.targets[0].requests.search <= size * 2 * 2
                    if "c" not in parts:
                        return _finish(result, parts)
                    await _settings(config, LIBRARY_CACHE_PLEX_ENABLED="true")
                    while True:
                        status = (
                            await cache.GetCacheStatus(
                                cache_pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=10
                            )
                        ).statuses[0]
                        if status.state == cache_pb.CACHE_STATE_READY:
                            break
                        await asyncio.sleep(0.1)
                    for size in SIZES:
                        report, seconds = await _sync(sync, f"Warm {size}", playlists[size])
                        target = report.targets[0]
                        f[f"(c) warm cache, {size} tracks: requests"] = _requests(report)
                        f[f"(c) warm cache, {size} tracks: matched"] = (
                            f"{target.matched:,}/{size:,}"
                        )
                        f[f"(c) warm cache, {size} tracks: seconds"] = seconds
                        met[f"warm {size} requests"] = _requests(report) <= 5
                        if size == 500:
                            met["warm 500 wall"] = seconds <= 5
                        if size == 238:
                            baseline = f.get("(a) old behaviour, 238 tracks: requests")
                            if isinstance(baseline, int):
                                saved = 1 - _requests(report) / baseline
                                f["warm 238 vs old behaviour: fewer requests"] = f"{saved:.2%}"
                                met["warm 238 vs old behaviour"] = saved >= 0.998
    return _finish(result, parts)


def _finish(result: Result, parts: str) -> Result:
    """The chart and the aims of the parts that ran."""
    result.chart_unit = "target requests per sync"
    for key, value in result.figures.items():
        if key.endswith(": requests") and isinstance(value, int):
            result.chart[key.removesuffix(": requests")] = float(value)
    if "c" in parts:
        result.aims.update({f"warm {s} requests": "<= 5 target requests" for s in SIZES})
        result.aims["warm 500 wall"] = "<= 5 s wall"
        if "a" in parts:
            result.aims["warm 238 vs old behaviour"] = (
                ">= 99.8% fewer requests than the old behaviour"
            )
    if "b" in parts:
        result.aims.update(
            {f"fallback {s}": "<= 2 searches per track per library" for s in FALLBACK_SIZES}
        )
    result.notes.append(
        "the old behaviour was run at 238 tracks only; the live fallback at 238 and 500 "
        "(a 2,000-track fallback takes about 5 minutes at 300 ms per request)"
    )
    return result
