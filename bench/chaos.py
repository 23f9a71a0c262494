"""python -m bench.chaos (make chaos): the demo's workload while services are killed.

Emulated Plex and Jellyfin and the four services run as processes. A workload enables both
targets, keeps changing settings and keeps syncing three playlists to both targets, while
a killer SIGKILLs a random service at random moments and restarts it on the same address,
at least KILLS times. Then everything is checked: every playlist exactly right (no
duplicate playlist, no missing or extra item, right order), no config change lost (cache_svc
applied config_svc's last revision), every cache serving a complete generation, and no run
left queued or running. Bounded in kills and time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as spb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import Child, emulators, service
from common.domain import Target
from common.runtime.probe import free_port
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from common.wire.channels import open_channel
from emulators.library import generate

KILLS = 30
LIMIT_SECONDS = 600
TRACKS = 3000
SEED = 41
PLAYLISTS = 3
NAMES = ("config_svc", "cache_svc", "sync_svc", "gateway")
TOKENS = {Target.PLEX: "emulated-plex-token", Target.JELLYFIN: "emulated-jellyfin-token"}


class Stack:
    """The four services on fixed addresses, each restartable."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.env = env
        self.addresses = {n: f"127.0.0.1:{free_port()}" for n in NAMES}
        self.env.update(
            {f"CMDARR_{n.removesuffix('_svc').upper()}_ADDR": a for n, a in self.addresses.items()}
        )
        self.env["CMDARR_GATEWAY_HTTP_ADDR"] = f"127.0.0.1:{free_port()}"
        self.children: dict[str, Child] = {}
        self._exits: dict[str, AsyncExitStack] = {}

    async def start(self, name: str) -> None:
        stack = AsyncExitStack()
        self.children[name] = await stack.enter_async_context(
            service(name, self.logs, address=self.addresses[name], env=self.env)
        )
        self._exits[name] = stack

    async def kill(self, name: str) -> None:
        await self.children[name].kill()
        await self._exits.pop(name).aclose()

    async def close(self) -> None:
        for name in list(self._exits):
            await self.kill(name)


async def retry(call: Any, attempts: int = 60) -> Any:
    """A call that may meet a service being restarted: try again for a while."""
    for attempt in range(attempts):
        try:
            return await call()
        except Exception:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)
    return None


def write_playlists(folder: Path) -> list[Path]:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    paths = []
    for n in range(PLAYLISTS):
        chosen = music[n::11][:80]
        tracks = [
            {"title": t.title, "creator": (t.credit or t.album_artist).split(" feat. ")[0]}
            for t in chosen
        ]
        path = folder / f"chaos-{n}.jspf"
        path.write_text(json.dumps({"playlist": {"title": f"Chaos {n}", "track": tracks}}))
        paths.append(path)
    return paths


def workload_setup(
    plex_url: str, jellyfin_url: str, playlists: list[Path]
) -> tuple[cpb.UpdateSettingsRequest, list[cpb.CreateCommandRequest]]:
    """The chaos workload's configuration: both emulated targets enabled, and one
    playlist_sync command ("chaos-<n>") per playlist file, syncing to both."""
    values = {
        "PLEX_URL": plex_url, "PLEX_TOKEN": TOKENS[Target.PLEX],
        "JELLYFIN_URL": jellyfin_url, "JELLYFIN_TOKEN": TOKENS[Target.JELLYFIN],
        "TARGET_MAX_REQUESTS_PER_SECOND": "1000", "SYNC_CACHE_WAIT_MINUTES": "1",
        "PLEX_CLIENT_ENABLED": "true", "JELLYFIN_CLIENT_ENABLED": "true",
    }  # fmt: skip
    settings = cpb.UpdateSettingsRequest(
        changes=[cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    )
    commands = [
        cpb.CreateCommandRequest(
            command=cpb.Command(
                name=f"chaos-{n}",
                kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
                source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
                targets=[tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN],
                enabled=True,
            )
        )
        for n, path in enumerate(playlists)
    ]
    return settings, commands


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        async with emulators(logs, tracks=TRACKS, seed=SEED, latency_ms=5) as emu:
            stack = Stack(
                logs, {"CMDARR_DATA_DIR": str(logs / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
            )
            for name in NAMES:
                await stack.start(name)
            try:
                return await chaos(stack, emu, write_playlists(logs))
            finally:
                await stack.close()


async def chaos(stack: Stack, emu: Any, playlists: list[Path]) -> int:
    config = config_pb2_grpc.ConfigServiceStub(open_channel(stack.addresses["config_svc"]))
    cache = cache_pb2_grpc.CacheServiceStub(open_channel(stack.addresses["cache_svc"]))
    sync = sync_pb2_grpc.SyncServiceStub(open_channel(stack.addresses["sync_svc"]))
    settings, commands = workload_setup(emu.plex_url, emu.jellyfin_url, playlists)
    await retry(lambda: config.UpdateSettings(settings, timeout=10))
    for request in commands:
        await retry(lambda r=request: config.CreateCommand(r, timeout=10))

    rand = random.Random(SEED)
    kills = 0
    started: list[str] = []
    updates = 0
    stop = asyncio.Event()
    began = time.monotonic()

    async def killer() -> None:
        nonlocal kills
        while kills < KILLS and time.monotonic() - began < LIMIT_SECONDS:
            await asyncio.sleep(rand.uniform(0.3, 2.0))
            name = rand.choice(NAMES)
            await stack.kill(name)
            await asyncio.sleep(rand.uniform(0.0, 0.5))
            try:
                await stack.start(name)
            except TimeoutError:
                logs = sorted(stack.logs.glob(f"{name}-*.log"))
                tail = logs[-1].read_text().splitlines()[-5:] if logs else []
                raise RuntimeError(f"{name} did not come back: " + " | ".join(tail)) from None
            kills += 1
            print(f"  kill {kills}: {name} killed and restarted", flush=True)
        stop.set()

    async def workload() -> None:
        nonlocal updates
        n = 0
        while not stop.is_set():
            n += 1
            with contextlib.suppress(Exception):
                change = cpb.SettingChange(
                    key="LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", value=str(1000 + n)
                )
                await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=[change]), timeout=5)
                updates += 1
            with contextlib.suppress(Exception):
                reply = await sync.RunSync(
                    spb.RunSyncRequest(command_name=f"chaos-{n % PLAYLISTS}"), timeout=5
                )
                started.append(reply.run_id)
            await asyncio.sleep(0.2)

    print(
        f"chaos: {KILLS} kills of random services while syncing {PLAYLISTS} playlists "
        "to both targets"
    )
    await asyncio.gather(killer(), workload())

    # Quiet again: wait for the caches, then one more run of each command must converge.
    for code in (tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN):
        while True:
            status = (
                await retry(
                    lambda t=code: cache.GetCacheStatus(
                        cache_pb.GetCacheStatusRequest(target=t), timeout=10
                    )
                )
            ).statuses[0]
            if status.state == cache_pb.CACHE_STATE_READY:
                break
            await asyncio.sleep(0.3)
    final_reports = []
    for n in range(PLAYLISTS):
        run_id = (
            await retry(
                lambda n=n: sync.RunSync(spb.RunSyncRequest(command_name=f"chaos-{n}"), timeout=10)
            )
        ).run_id
        async for _ in sync.WatchSync(spb.WatchSyncRequest(run_id=run_id), timeout=300):
            pass
        final_reports.append(
            (await sync.GetSyncReport(spb.GetSyncReportRequest(run_id=run_id), timeout=10)).report
        )

    lost: list[str] = []
    # 1. Playlists exactly right on both targets.
    for target in Target:
        url = emu.plex_url if target is Target.PLEX else emu.jellyfin_url
        connection = connect(
            target.kind,
            url=url,
            token=TOKENS[target],
            settings=ClientSettings(
                requests_per_second=1000.0, concurrency=4, timeout_seconds=30.0
            ),
        )
        try:
            existing = await connection.client.playlists()
            for report in final_reports:
                title = f"Chaos {report.command_name.rsplit('-', 1)[1]}"
                titled = [p for p in existing if p.title == report.command_name or p.title == title]
                if len(titled) != 1:
                    lost.append(
                        f"{target.label}: {len(titled)} playlists for {report.command_name}"
                    )
                    continue
                items = [
                    e.item_id for e in await connection.client.playlist_items(titled[0].playlist_id)
                ]
                expected = [
                    t.result.match.item_id
                    for t in report.tracks
                    if t.target == (1 if target is Target.PLEX else 2)
                    and t.result.HasField("match")
                ]
                if items != expected:
                    lost.append(
                        f"{target.label}: playlist {report.command_name} holds "
                        f"{len(items)} items, {len(expected)} expected"
                    )
        finally:
            await connection.close()
    # 2. No config change lost.
    current = (
        await config.GetSettings(cpb.GetSettingsRequest(keys=["MAX_PARALLEL_SYNCS"]), timeout=10)
    ).revision
    applied = 0
    for _ in range(60):
        applied = (
            (await cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=10))
            .statuses[0]
            .applied_config_revision
        )
        if applied == current:
            break
        await asyncio.sleep(0.5)
    if applied != current:
        lost.append(f"cache_svc applied revision {applied}, config_svc is at {current}")
    # 3. Complete caches.
    music = sum(
        len(s.tracks) for s in generate(seed=SEED, tracks=TRACKS).sections if s.kind == "music"
    )
    for status in (
        await cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=10)
    ).statuses:
        if status.track_count != music:
            lost.append(f"cache {status.target}: {status.track_count} of {music} tracks")
    # 4. No run left queued or running.
    listed = (await sync.ListSyncs(spb.ListSyncsRequest(limit=500), timeout=10)).syncs
    states = [s.progress.state for s in listed]
    stuck = sum(1 for s in states if s in (spb.SYNC_STATE_QUEUED, spb.SYNC_STATE_RUNNING))
    if stuck:
        lost.append(f"{stuck} runs left queued or running")

    print(f"kills survived:        {kills}")
    print(f"config updates:        {updates}")
    print(f"runs started:          {len(started) + PLAYLISTS}")
    print(f"runs completed:        {states.count(spb.SYNC_STATE_SUCCEEDED)}")
    print(f"runs interrupted:      {states.count(spb.SYNC_STATE_INTERRUPTED)}")
    print(f"runs failed:           {states.count(spb.SYNC_STATE_FAILED)}")
    print(f"config revision:       {current} (cache_svc applied {applied})")
    print(f"lost:                  {len(lost)}")
    for line in lost:
        print(f"  - {line}")
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
