"""A household: three servers (``plex`` and ``cabin`` on Plex, ``jellyfin``) of 100,000
music tracks each at 300 ms per request, enabled at once. Measured: the time from enabling
to all three caches READY beside the single-target ideal (bench_cache.py
``ideal_seconds``), cache_svc's resident memory above its baseline per server beside the
compact index's aim (bench_index.py), and the requests of a warm sync of 500 tracks to six
destinations, two users on each server. For comparison, ``cabin`` is then built again
alone, on the machine as loaded then.

Every part runs as its own process: the household's emulators (one process serving the
three servers and an emulated plex.tv, bench/household_emulators.py), config_svc,
cache_svc and sync_svc, on loopback."""

from __future__ import annotations

import asyncio
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
from cmdarr.sync.v1 import sync_pb2 as spb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.bench_cache import LATENCY_MS, ideal_seconds
from bench.bench_index import MEMORY_PER_TARGET_MB
from bench.household_emulators import household_spec
from bench.processes import (
    HouseholdEmulators,
    household,
    live_children,
    proc_cpu_seconds,
    proc_memory,
    service,
)
from bench.report import Result
from common.domain import ServerKind
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from common.wire.channels import open_channel
from emulators.household import HouseholdSpec, jellyfin_catalogs, plex_catalogs
from emulators.library import Catalog
from emulators.server import DEFAULT_JELLYFIN_TOKEN, DEFAULT_PLEX_TOKEN

TRACKS = 100_000
SEED = 31
PLAYLIST = 500
MB = 2**20
READY_AIM = 1.5  # all READY within this many times the single-target ideal
# The warm sync's aim: at most this many requests per destination, plus per server.
PER_DESTINATION = 3
PER_SERVER = 2
# Two users on each server: alice (Home) and bob (a friend) on plex; alice and the owner
# (the server's own token) on cabin, which bob and kid were not given; carol ("Music"
# only) and dave (every library) on jellyfin.
DESTINATIONS = (
    ("plex", "alice"),
    ("plex", "bob"),
    ("cabin", "alice"),
    ("cabin", ""),
    ("jellyfin", "carol"),
    ("jellyfin", "dave"),
)
SERVERS = ("plex", "cabin", "jellyfin")
CLASSES = ("library_listing", "track_page", "search", "playlist_read", "playlist_write", "other")


def _label(server: str, user: str) -> str:
    return f"{server}:{user}" if user else f"{server} (owner)"


def _catalogs(spec: HouseholdSpec) -> dict[str, Catalog]:
    return {**plex_catalogs(spec), **jellyfin_catalogs(spec)}


def _playlist(catalogs: dict[str, Catalog], copied: int) -> list[spb.InlineTrack]:
    """500 tracks spread over the part of ``plex``'s "Music" that ``cabin`` copied (its
    first ``copied`` tracks): on every server (``jellyfin`` serves ``plex``'s music), in
    every user's libraries."""
    shared = catalogs["plex"].sections[0].tracks[:copied]
    step = max(1, len(shared) // PLAYLIST)
    return [
        spb.InlineTrack(
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            duration_ms=t.duration_ms,
        )
        for t in shared[::step][:PLAYLIST]
    ]


async def _statuses(cache: Any) -> dict[str, Any]:
    reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=10)
    return {s.server: s for s in reply.statuses if s.server in SERVERS}


async def _all_ready(cache: Any, began: float, deadline: float) -> dict[str, float]:
    """Seconds from ``began`` to each server's cache READY, polled every 50 ms."""
    ready: dict[str, float] = {}
    while len(ready) < len(SERVERS):
        statuses = await _statuses(cache)
        now = time.perf_counter()
        for name, status in statuses.items():
            if status.state == pb.CACHE_STATE_READY:
                ready.setdefault(name, now - began)
            elif status.state == pb.CACHE_STATE_FAILED:
                raise RuntimeError(f"{name}: build failed: {status.last_error}")
        if now - began > deadline:
            raise RuntimeError(f"caches not READY within {deadline:g} s: {sorted(ready)} were")
        await asyncio.sleep(0.05)
    return ready


async def _reaped(pid: int, deadline: float) -> None:
    """Wait (at most ``deadline`` seconds) until ``pid`` has no child left: its finished
    build workers are then counted in its CPU seconds."""
    end = time.perf_counter() + deadline
    while True:
        if not live_children(pid) or time.perf_counter() > end:
            return
        await asyncio.sleep(0.1)


async def _counts(http: httpx.AsyncClient, url: str, *, reset: bool = False) -> dict[str, int]:
    """An emulator's request counts by class (zeroed after reading when ``reset``)."""
    if reset:
        reply = await http.post(f"{url}/__admin/counts/reset")
    else:
        reply = await http.get(f"{url}/__admin/counts")
    return {k: int(v) for k, v in reply.json().items()}


async def _warm(emu: HouseholdEmulators, http: httpx.AsyncClient) -> None:
    """Have every server render its listing once, at no latency, read by cmdarr's own
    client. The emulators keep each track as rendered for a request's options
    (emulators/fragments.py), so during the measured builds they answer from it: the
    first rendering of 300,000 tracks, in the one process of the three servers, would
    otherwise land on this machine's CPU beside cache_svc's builds, where three real
    servers would each spend their own."""
    settings = ClientSettings(requests_per_second=1000.0)
    for name in SERVERS:
        kind, url = emu.servers[name]
        token = DEFAULT_PLEX_TOKEN if kind == "plex" else DEFAULT_JELLYFIN_TOKEN
        await http.post(f"{url}/__admin/knobs", json={"latency_ms": 0})
        connection = connect(ServerKind(kind), url=url, token=token, settings=settings)
        try:
            for library in (await connection.client.music_libraries()).chosen:
                await connection.client.list_tracks(library)
        finally:
            await connection.close()
        await http.post(f"{url}/__admin/knobs", json={"latency_ms": LATENCY_MS})


async def _enable(config: Any, emu: HouseholdEmulators) -> None:
    """Enable the three clients at once: one UpdateSettings for the built-in ``plex`` and
    ``jellyfin`` beside one CreateServer for ``cabin``, sent together. Their caches follow
    by the auto-enable policy."""
    switches = {"PLEX_CLIENT_ENABLED": "true", "JELLYFIN_CLIENT_ENABLED": "true"}
    cabin = cpb.Server(
        name="cabin",
        kind=cpb.SERVER_KIND_PLEX,
        url=emu.servers["cabin"][1],
        token=DEFAULT_PLEX_TOKEN,
        client_enabled=True,
    )
    await asyncio.gather(
        config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key=k, value=v) for k, v in switches.items()]
            ),
            timeout=10,
        ),
        config.CreateServer(cpb.CreateServerRequest(server=cabin), timeout=10),
    )


async def _sync(sync: Any, tracks: list[spb.InlineTrack]) -> tuple[spb.SyncReport, float]:
    spec = spb.SyncSpec(
        playlist_title="Household 500",
        tracks=tracks,
        destinations=[tpb.Destination(server=s, user=u) for s, u in DESTINATIONS],
    )
    began = time.perf_counter()
    run_id = (await sync.RunSync(spb.RunSyncRequest(spec=spec), timeout=30)).run_id
    async for _ in sync.WatchSync(spb.WatchSyncRequest(run_id=run_id), timeout=1800):
        pass
    seconds = time.perf_counter() - began
    reply = await sync.GetSyncReport(spb.GetSyncReportRequest(run_id=run_id), timeout=30)
    report = reply.report
    if report.progress.state != spb.SYNC_STATE_SUCCEEDED:
        raise RuntimeError(f"sync failed: {report.error}")
    return report, seconds


def _by_class(report: spb.SyncReport) -> dict[tuple[str, str], dict[str, int]]:
    """Each destination's (server, user) requests by class, as the run reported them."""
    return {
        (t.destination.server, t.destination.user): {
            c: int(getattr(t.requests, c)) for c in CLASSES
        }
        for t in report.targets
    }


async def _build_part(
    emu: HouseholdEmulators,
    config: Any,
    cache: Any,
    cache_pid: int,
    catalogs: dict[str, Catalog],
    result: Result,
    http: httpx.AsyncClient,
) -> dict[str, float]:
    """Enable, wait for the three READY, measure; each server's ideal build seconds."""
    f, met = result.figures, result.met
    baseline = proc_memory(cache_pid)["VmRSS"]
    await _warm(emu, http)
    cpu = {"cache": proc_cpu_seconds(cache_pid), "emu": proc_cpu_seconds(emu.child.process.pid)}
    for name in SERVERS:
        await _counts(http, emu.servers[name][1], reset=True)
    began = time.perf_counter()
    await _enable(config, emu)
    ready = await _all_ready(cache, began, 900)
    seconds = max(ready.values())
    built = proc_memory(cache_pid)["VmRSS"]
    statuses = await _statuses(cache)
    await _reaped(cache_pid, 10)
    cache_cpu = proc_cpu_seconds(cache_pid) - cpu["cache"]
    emu_cpu = proc_cpu_seconds(emu.child.process.pid) - cpu["emu"]
    ideals = {}
    for name in SERVERS:
        sizes = [len(s.tracks) for s in catalogs[name].sections if s.kind == "music"]
        ideals[name] = ideal_seconds(sizes)
        counts = await _counts(http, emu.servers[name][1])
        f[f"build {name}: tracks indexed"] = statuses[name].track_count
        f[f"build {name}: requests"] = sum(counts.values())
        f[f"build {name}: seconds to READY"] = ready[name]
        f[f"build {name}: of them listing"] = _listing_seconds(statuses[name])
        result.chart[name] = ready[name]
    ideal = max(ideals.values())
    result.chart["single-target ideal"] = ideal
    f["build: seconds to all three READY"] = seconds
    f["build: single-target ideal seconds"] = ideal
    f["build: x single-target ideal"] = seconds / ideal
    met["all READY"] = seconds <= READY_AIM * ideal
    f["build: cache_svc CPU seconds (build workers included)"] = cache_cpu
    f["build: emulators CPU seconds"] = emu_cpu
    per_server = (built - baseline) / len(SERVERS)
    f["memory: cache_svc baseline resident MB (before enabling)"] = baseline / MB
    f["memory: cache_svc resident MB, three caches READY"] = built / MB
    f["memory: above baseline MB per server"] = per_server / MB
    f["memory: memory_bytes reported MB per server"] = (
        sum(s.memory_bytes for s in statuses.values()) / len(SERVERS) / MB
    )
    met["memory per server"] = per_server <= MEMORY_PER_TARGET_MB * MB
    return ideals


def _listing_seconds(status: Any) -> float:
    return float(sum(c.seconds for c in status.last_build_costs if c.step == "listing"))


async def _alone(
    emu: HouseholdEmulators, cache: Any, cache_pid: int, ideal: float, result: Result
) -> None:
    """For comparison, on the machine as loaded now: ``cabin`` built again in full, alone."""
    f = result.figures
    before = (await _statuses(cache))["cabin"].generation
    await _reaped(cache_pid, 10)
    cpu = {"cache": proc_cpu_seconds(cache_pid), "emu": proc_cpu_seconds(emu.child.process.pid)}
    began = time.perf_counter()
    await cache.BuildCache(
        pb.BuildCacheRequest(server="cabin", mode=pb.BUILD_MODE_FULL), timeout=10
    )
    while True:
        status = (await _statuses(cache))["cabin"]
        if status.generation > before and status.state == pb.CACHE_STATE_READY:
            break
        if status.state == pb.CACHE_STATE_FAILED or time.perf_counter() - began > 900:
            raise RuntimeError(f"cabin's rebuild did not finish: {status.last_error}")
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - began
    await _reaped(cache_pid, 10)
    f["alone: cabin rebuilt in full, seconds to READY"] = seconds
    f["alone: of them listing"] = _listing_seconds(status)
    f["alone: x single-target ideal"] = seconds / ideal
    f["alone: cache_svc CPU seconds (build worker included)"] = (
        proc_cpu_seconds(cache_pid) - cpu["cache"]
    )
    f["alone: emulators CPU seconds"] = proc_cpu_seconds(emu.child.process.pid) - cpu["emu"]
    result.chart["cabin alone, rebuilt"] = seconds


async def _sync_part(
    emu: HouseholdEmulators,
    sync: Any,
    tracks: list[spb.InlineTrack],
    result: Result,
    http: httpx.AsyncClient,
) -> None:
    f, met = result.figures, result.met
    urls = [emu.servers[name][1] for name in SERVERS] + [emu.plex_tv_url]
    cold, cold_seconds = await _sync(sync, tracks)
    f["cold sync: requests"] = sum(sum(c.values()) for c in _by_class(cold).values())
    f["cold sync: seconds"] = cold_seconds
    for url in urls:
        await _counts(http, url, reset=True)
    warm, warm_seconds = await _sync(sync, tracks)
    counted = {url: sum((await _counts(http, url)).values()) for url in urls}
    by_class = _by_class(warm)
    totals = {where: sum(c.values()) for where, c in by_class.items()}
    for server, user in DESTINATIONS:
        f[f"warm sync {_label(server, user)}: requests"] = totals[server, user]
    for name in SERVERS:
        f[f"warm sync {name}, its destinations: requests"] = sum(
            n for (server, _), n in totals.items() if server == name
        )
    total = sum(totals.values())
    aim = PER_DESTINATION * len(DESTINATIONS) + PER_SERVER * len(SERVERS)
    f["warm sync: requests in all (the report's)"] = total
    f["warm sync: requests the emulators counted, plex.tv's included"] = sum(counted.values())
    f["warm sync: of them plex.tv's"] = counted[emu.plex_tv_url]
    f["warm sync: seconds"] = warm_seconds
    f["warm sync: matched per destination"] = ", ".join(
        f"{_label(t.destination.server, t.destination.user)} {t.matched}/{PLAYLIST}"
        for t in warm.targets
    )
    f["warm sync: items written"] = sum(t.items_added + t.items_removed for t in warm.targets)
    met["warm sync requests"] = total <= aim
    result.aims["warm sync requests"] = (
        f"<= {PER_DESTINATION} per destination + {PER_SERVER} per server = {aim} in all "
        f"({len(DESTINATIONS)} destinations, {len(SERVERS)} servers)"
    )
    for (server, user), counts in by_class.items():
        spent = ", ".join(f"{c} {n}" for c, n in counts.items() if n)
        result.notes.append(f"warm sync at {_label(server, user)}: {spent or 'no request'}")


async def _measure(log_dir: Path, result: Result) -> None:
    data = {"CMDARR_DATA_DIR": str(log_dir / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    spec = household_spec(TRACKS, SEED)
    catalogs = await asyncio.to_thread(_catalogs, spec)
    tracks = _playlist(catalogs, spec.plex[1].copied_tracks)
    async with (
        household(log_dir, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS) as emu,
        service("config_svc", log_dir, env=data) as config_proc,
    ):
        up = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", log_dir, env=up) as cache_proc:
            env = {**up, "CMDARR_CACHE_ADDR": cache_proc.address}
            async with (
                service("sync_svc", log_dir, env=env) as sync_proc,
                httpx.AsyncClient(timeout=30) as http,
            ):
                config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
                cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
                sync = sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address))
                await _statuses(cache)  # serving and answering before the baseline
                # What enabling does not decide, written first: where the servers are.
                values = {
                    "PLEX_URL": emu.servers["plex"][1],
                    "PLEX_TOKEN": DEFAULT_PLEX_TOKEN,
                    "JELLYFIN_URL": emu.servers["jellyfin"][1],
                    "JELLYFIN_TOKEN": DEFAULT_JELLYFIN_TOKEN,
                    "PLEX_TV_URL": emu.plex_tv_url,
                    "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                }
                await config.UpdateSettings(
                    cpb.UpdateSettingsRequest(
                        changes=[cpb.SettingChange(key=k, value=v) for k, v in values.items()]
                    ),
                    timeout=10,
                )
                pid = cache_proc.process.pid
                ideals = await _build_part(emu, config, cache, pid, catalogs, result, http)
                await _sync_part(emu, sync, tracks, result, http)
                await _alone(emu, cache, pid, ideals["cabin"], result)


async def run() -> Result:
    result = Result(
        "household: plex, cabin (Plex) and jellyfin, 100,000 tracks each, 300 ms per request"
    )
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        await _measure(Path(tmp), result)
    result.figures["machine load average (1 min) before / after"] = (
        f"{load:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    result.chart_unit = "seconds from enabling to READY"
    result.aims = {
        "all READY": f"all three READY within {READY_AIM}x the single-target ideal",
        "memory per server": (
            f"<= {MEMORY_PER_TARGET_MB} MB resident per 100k-track server above the baseline"
        ),
        **result.aims,
    }
    result.notes[:0] = [
        "the emulators rendered every listing page once before the clock (at no latency, "
        "read by cmdarr's client: _warm), so their first rendering is not on this "
        "machine's CPU during the builds; the emulators' CPU seconds show what remained",
        "enabled at once: UpdateSettings (PLEX_CLIENT_ENABLED, JELLYFIN_CLIENT_ENABLED) and "
        "CreateServer(cabin, client_enabled) sent together, two revisions; the URLs, tokens "
        "and PLEX_TV_URL were written before the clock started",
        "single-target ideal: bench_cache's ideal for the largest of the three, "
        "(1 library listing + pages / 4 concurrent) x 300 ms; 'alone' rows: cabin built "
        "again in full (BuildCache) once the syncs are done, on the machine as loaded then",
        "a warm sync's requests: each destination's, as its report counts them (plex.tv's in "
        "'other'); a server's own requests are counted at its destination without a user, "
        "else its first",
    ]
    return result
