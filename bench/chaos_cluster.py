"""python -m bench.chaos_cluster (make chaos-cluster): replicas killed under the demo's load.

Two replicas of every service run as processes on one PostgreSQL database (a fresh one,
created on the server CMDARR_DATABASE_URL names and dropped afterwards), with emulated Plex
and Jellyfin. Once both caches are built, the emulators' counts are reset and the chaos
starts: config changes, syncs of three playlists to both targets, 20 MatchTracks clients
and config watchers, all through channels balanced over the replicas, while a killer
SIGKILLs a random replica at least KILLS times, restarting each. Then it checks and prints:

- every watcher received every revision, in order, none twice;
- runs executed exactly once: the emulators' playlist writes equal the sum of the writes
  the runs reported;
- no duplicate build: the emulators served no track page after the caches were built;
- MatchTracks success during the kills (aim >= 99.9%);
- every playlist exactly right at the end.

Bounded in kills and to LIMIT_SECONDS of chaos.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import grpc
import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as spb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.chaos import PLAYLISTS, SEED, TOKENS, TRACKS, workload_setup, write_playlists
from bench.cluster import NAMES, NO_DATABASE, Cluster
from bench.postgres import fresh_postgres_database
from bench.processes import Emulators, emulators
from cmdarr_client.service_config import CACHE_SERVICE, CONFIG_SERVICE, SYNC_SERVICE
from common.domain import Target
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from common.wire.channels import open_channel
from emulators.library import generate

KILLS = 30
LIMIT_SECONDS = 600
MATCH_CLIENTS = 20
WATCHERS = 4
MATCH_BATCH = 50
AIM_MATCH_SUCCESS = 0.999
T = TypeVar("T")


async def retry(call: Callable[[], Awaitable[T]], attempts: int = 120) -> T:
    """A call that may meet every replica of a service restarting: try again a while."""
    for attempt in range(attempts):
        try:
            return await call()
        except grpc.aio.AioRpcError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


@dataclass
class Tally:
    kills: int = 0
    config_writes: int = 0
    runs_started: int = 0
    match_ok: int = 0
    match_failed: int = 0
    match_errors: dict[str, int] = field(default_factory=dict)
    watched: list[list[int]] = field(default_factory=list)


class Clients:
    def __init__(self, cluster: Cluster) -> None:
        env = cluster.env
        self._channels = [
            open_channel(env["CMDARR_CONFIG_ADDR"], service=CONFIG_SERVICE),
            open_channel(env["CMDARR_CACHE_ADDR"], service=CACHE_SERVICE),
            open_channel(env["CMDARR_SYNC_ADDR"], service=SYNC_SERVICE),
        ]
        self.config = config_pb2_grpc.ConfigServiceStub(self._channels[0])
        self.cache = cache_pb2_grpc.CacheServiceStub(self._channels[1])
        self.sync = sync_pb2_grpc.SyncServiceStub(self._channels[2])

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close(None)


async def setup(clients: Clients, emu: Emulators, playlists: list[Path]) -> None:
    settings, commands = workload_setup(emu.plex_url, emu.jellyfin_url, playlists)
    await retry(lambda: clients.config.UpdateSettings(settings, timeout=10))
    for request in commands:
        await retry(
            lambda r=request: clients.config.CreateCommand(r, timeout=10)  # type: ignore[misc]
        )


async def caches_ready(clients: Clients, limit: float = 300.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(grpc.aio.AioRpcError):
            reply = await clients.cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=10)
            if all(s.state == cache_pb.CACHE_STATE_READY for s in reply.statuses):
                return
        await asyncio.sleep(0.5)
    raise TimeoutError("the caches were not READY in time")


async def emulator_counts(emu: Emulators, reset: bool = False) -> dict[str, int]:
    totals: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for url in (emu.plex_url, emu.jellyfin_url):
            if reset:
                await http.post(f"{url}/__admin/counts/reset")
                continue
            for key, value in (await http.get(f"{url}/__admin/counts")).json().items():
                totals[key] = totals.get(key, 0) + int(value)
    return totals


async def watch(clients: Clients, after: int, stop: asyncio.Event, seen: list[int]) -> None:
    """Follow the config from ``after``, resuming from the last revision received whenever
    the stream breaks (a replica died): the log replays what was missed."""
    position = after
    while not stop.is_set():
        call = clients.config.WatchConfig(
            cpb.WatchConfigRequest(after_revision=position, progress_interval_ms=500),
            timeout=LIMIT_SECONDS + 120,
        )
        try:
            async for message in call:
                if message.kind == cpb.WATCH_RESPONSE_KIND_EVENTS:
                    seen.append(message.revision)
                    position = message.revision
                if stop.is_set():
                    break
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.2)
        finally:
            call.cancel()


async def match_client(clients: Clients, queries: list[cache_pb.TrackQuery], stop: asyncio.Event,
                       tally: Tally) -> None:  # fmt: skip
    request = cache_pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=queries)
    while not stop.is_set():
        try:
            await clients.cache.MatchTracks(request, timeout=30)
            tally.match_ok += 1
        except grpc.aio.AioRpcError as error:
            tally.match_failed += 1
            name = error.code().name
            tally.match_errors[name] = tally.match_errors.get(name, 0) + 1
        await asyncio.sleep(0.05)


async def workload(clients: Clients, stop: asyncio.Event, tally: Tally) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        with contextlib.suppress(grpc.aio.AioRpcError):
            change = cpb.SettingChange(key="LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", value=str(1000 + n))
            await clients.config.UpdateSettings(
                cpb.UpdateSettingsRequest(changes=[change]), timeout=5
            )
            tally.config_writes += 1
        if n % 3 == 0:
            with contextlib.suppress(grpc.aio.AioRpcError):
                await clients.sync.RunSync(
                    spb.RunSyncRequest(command_name=f"chaos-{(n // 3) % PLAYLISTS}"), timeout=5
                )
                tally.runs_started += 1
        await asyncio.sleep(0.3)


async def killer(cluster: Cluster, stop: asyncio.Event, tally: Tally, began: float) -> None:
    rand = random.Random(SEED)
    while tally.kills < KILLS and time.monotonic() - began < LIMIT_SECONDS:
        await asyncio.sleep(rand.uniform(0.5, 2.0))
        name, index = rand.choice(NAMES), rand.randrange(cluster.replicas)
        await cluster.kill(name, index)
        await asyncio.sleep(rand.uniform(0.0, 0.5))
        await cluster.start(name, index)
        tally.kills += 1
        print(f"  kill {tally.kills}: {name} replica {index} killed and restarted", flush=True)
    stop.set()


def in_order(seen: list[int], first: int, last: int) -> bool:
    return seen == list(range(first + 1, last + 1))


async def drained(clients: Clients, limit: float = 300.0) -> None:
    """Wait until no run is queued or running: the runs the chaos started have ended."""
    active = (spb.SYNC_STATE_QUEUED, spb.SYNC_STATE_RUNNING)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(grpc.aio.AioRpcError):
            listed = await clients.sync.ListSyncs(spb.ListSyncsRequest(limit=500), timeout=10)
            if not any(s.progress.state in active for s in listed.syncs):
                return
        await asyncio.sleep(0.5)
    raise TimeoutError("runs were still queued or running")


async def final_runs(clients: Clients) -> list[spb.SyncReport]:
    reports = []
    for n in range(PLAYLISTS):
        run_id = (
            await retry(
                lambda n=n: clients.sync.RunSync(  # type: ignore[misc]
                    spb.RunSyncRequest(command_name=f"chaos-{n}"), timeout=10
                )
            )
        ).run_id
        async for _ in clients.sync.WatchSync(spb.WatchSyncRequest(run_id=run_id), timeout=300):
            pass
        report = await clients.sync.GetSyncReport(
            spb.GetSyncReportRequest(run_id=run_id), timeout=10
        )
        reports.append(report.report)
    return reports


async def playlists_right(emu: Emulators, reports: list[spb.SyncReport]) -> list[str]:
    wrong: list[str] = []
    settings = ClientSettings(requests_per_second=1000.0, concurrency=4, timeout_seconds=30.0)
    for target in Target:
        url = emu.plex_url if target is Target.PLEX else emu.jellyfin_url
        connection = connect(target.kind, url=url, token=TOKENS[target], settings=settings)
        try:
            existing = await connection.client.playlists()
            code = tpb.TARGET_PLEX if target is Target.PLEX else tpb.TARGET_JELLYFIN
            for report in reports:
                titled = [p for p in existing if p.title == report.command_name]
                if len(titled) != 1:
                    wrong.append(f"{target.label}: {len(titled)} playlists {report.command_name}")
                    continue
                entries = await connection.client.playlist_items(titled[0].playlist_id)
                expected = [
                    t.result.match.item_id
                    for t in report.tracks
                    if t.target == code and t.result.HasField("match")
                ]
                held = [e.item_id for e in entries]
                if held != expected:
                    wrong.append(
                        f"{target.label}: {report.command_name} holds {len(held)} items, "
                        f"{len(set(held) & set(expected))} of the {len(expected)} reported"
                    )
        finally:
            await connection.close()
    return wrong


async def reported_writes(clients: Clients) -> tuple[int, dict[int, int]]:
    listed = (await clients.sync.ListSyncs(spb.ListSyncsRequest(limit=500), timeout=10)).syncs
    writes = 0
    states: dict[int, int] = {}
    for summary in listed:
        states[summary.progress.state] = states.get(summary.progress.state, 0) + 1
        report = await retry(
            lambda s=summary: clients.sync.GetSyncReport(  # type: ignore[misc]
                spb.GetSyncReportRequest(run_id=s.run_id), timeout=10
            )
        )
        writes += sum(t.writes for t in report.report.targets)
    return writes, states


async def chaos(cluster: Cluster, emu: Emulators, playlists: list[Path]) -> int:
    clients = Clients(cluster)
    tally = Tally()
    try:
        await setup(clients, emu, playlists)
        await caches_ready(clients)
        await emulator_counts(emu, reset=True)
        start = (await clients.config.GetSettings(cpb.GetSettingsRequest(), timeout=10)).revision
        catalog = generate(seed=SEED, tracks=TRACKS)
        music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
        queries = [
            cache_pb.TrackQuery(ref=str(i), title=t.title, artists=[t.album_artist])
            for i, t in enumerate(music[:MATCH_BATCH])
        ]
        stop = asyncio.Event()
        tally.watched = [[] for _ in range(WATCHERS)]
        began = time.monotonic()
        print(f"chaos: {KILLS} kills of random replicas; {MATCH_CLIENTS} MatchTracks clients")
        tasks = [
            *(asyncio.create_task(watch(clients, start, stop, seen)) for seen in tally.watched),
            *(
                asyncio.create_task(match_client(clients, queries, stop, tally))
                for _ in range(MATCH_CLIENTS)
            ),
            asyncio.create_task(workload(clients, stop, tally)),
        ]
        await killer(cluster, stop, tally, began)
        chaos_seconds = time.monotonic() - began
        await asyncio.gather(*tasks[WATCHERS:])  # load ends with the kills
        await caches_ready(clients)
        await drained(clients)
        reports = await final_runs(clients)
        last = (await clients.config.GetSettings(cpb.GetSettingsRequest(), timeout=10)).revision

        async def watchers_caught_up() -> bool:
            return all(seen[-1:] == [last] for seen in tally.watched)

        for _ in range(120):
            if await watchers_caught_up():
                break
            await asyncio.sleep(0.5)
        for task in tasks[:WATCHERS]:
            task.cancel()
        await asyncio.gather(*tasks[:WATCHERS], return_exceptions=True)

        counts = await emulator_counts(emu)
        writes, states = await reported_writes(clients)
        wrong = await playlists_right(emu, reports)
    finally:
        await clients.close()

    lost_watchers = sum(1 for seen in tally.watched if not in_order(seen, start, last))
    calls = tally.match_ok + tally.match_failed
    success = tally.match_ok / calls if calls else 0.0
    duplicate_builds = counts.get("track_page", 0)
    failures: list[str] = []
    if lost_watchers:
        failures.append(f"{lost_watchers} watchers missed, repeated or reordered a revision")
    if counts.get("playlist_write", 0) != writes:
        failures.append(
            f"playlist writes: the emulators saw {counts.get('playlist_write', 0)}, "
            f"the runs reported {writes}"
        )
    if duplicate_builds:
        failures.append(f"{duplicate_builds} track pages served after the caches were built")
    if success < AIM_MATCH_SUCCESS:
        failures.append(f"MatchTracks success {success:.4%} under {AIM_MATCH_SUCCESS:.1%}")
    failures.extend(wrong)

    def state(code: int) -> int:
        return states.get(code, 0)

    print(f"kills survived:                 {tally.kills} in {chaos_seconds:.0f} s")
    print(f"config writes:                  {tally.config_writes}")
    print(f"revisions watched:              {start + 1}..{last} by {WATCHERS} watchers")
    print(f"watchers with every revision:   {WATCHERS - lost_watchers}/{WATCHERS}")
    print(f"runs started during the chaos:  {tally.runs_started} (+{PLAYLISTS} at the end)")
    print(
        f"runs recorded:                  {sum(states.values())} "
        f"(succeeded {state(spb.SYNC_STATE_SUCCEEDED)}, "
        f"interrupted {state(spb.SYNC_STATE_INTERRUPTED)}, failed {state(spb.SYNC_STATE_FAILED)}, "
        f"left queued or running {state(spb.SYNC_STATE_QUEUED) + state(spb.SYNC_STATE_RUNNING)})"
    )
    print(
        f"playlist writes:                emulators {counts.get('playlist_write', 0)}, "
        f"reported by runs {writes}"
    )
    print(f"track pages after the build:    {duplicate_builds} (duplicate builds: 0 expected)")
    print(
        f"MatchTracks during the kills:   {tally.match_ok:,}/{calls:,} ok ({success:.4%}); "
        f"errors {tally.match_errors or 'none'}"
    )
    print(f"playlists right at the end:     {2 * PLAYLISTS - len(wrong)}/{2 * PLAYLISTS}")
    print(f"problems:                       {len(failures)}")
    for line in failures:
        print(f"  - {line}")
    return 0 if not failures else 1


async def main() -> int:
    import os

    server_url = os.environ.get("CMDARR_DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        print(NO_DATABASE.replace("make cluster", "make chaos-cluster"), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        async with (
            fresh_postgres_database(server_url, prefix="cmdarr_chaos") as database_url,
            emulators(logs, tracks=TRACKS, seed=SEED, latency_ms=5) as emu,
        ):
            cluster = Cluster(
                logs, {"CMDARR_DATABASE_URL": database_url, "CMDARR_LOG_LEVEL": "WARNING"}
            )
            try:
                await cluster.start_all()
                return await chaos(cluster, emu, write_playlists(logs))
            finally:
                await cluster.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
