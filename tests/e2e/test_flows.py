"""The seed's two flows on the whole stack, each service its own process: the ideal flow
and the warning flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as gpb
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import Emulators, emulators
from common.wire.channels import open_channel
from tests.support.emulated_catalog import SEED, TOKEN, TRACKS, write_jspf
from tests.support.ports import free_port
from tests.support.processes import service
from tests.support.rpc import TIMEOUT, next_message
from tests.support.wording import PERFORMANCE_WARNING


@dataclass
class Stack:
    emu: Emulators
    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub
    sync: sync_pb2_grpc.SyncServiceAsyncStub
    gateway: gateway_pb2_grpc.GatewayServiceAsyncStub
    logs: list[Path]


@asynccontextmanager
async def whole_stack(tmp_path: Path, database_url: str = "") -> AsyncIterator[Stack]:
    """Every service its own process. With a PostgreSQL ``database_url`` all four share that
    database (their tables and migration histories are apart); else each has SQLite."""
    data = {"CMDARR_DATA_DIR": str(tmp_path / "data")}
    if database_url.startswith("postgresql"):
        data["CMDARR_DATABASE_URL"] = database_url
    async with (
        emulators(tmp_path, tracks=TRACKS, seed=SEED, latency_ms=30) as emu,
        service("config_svc", tmp_path, env=data) as config_proc,
    ):
        up = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", tmp_path, env=up) as cache_proc:
            up["CMDARR_CACHE_ADDR"] = cache_proc.address
            async with service("sync_svc", tmp_path, env=up) as sync_proc:
                up["CMDARR_SYNC_ADDR"] = sync_proc.address
                up["CMDARR_GATEWAY_HTTP_ADDR"] = f"127.0.0.1:{free_port()}"
                async with service("gateway", tmp_path, env=up) as gateway_proc:
                    yield Stack(
                        emu,
                        config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address)),
                        cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address)),
                        sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address)),
                        gateway_pb2_grpc.GatewayServiceStub(open_channel(gateway_proc.address)),
                        [p.log_path for p in (config_proc, cache_proc, sync_proc, gateway_proc)],
                    )


async def follow_build(s: Stack) -> list[cache_pb.CacheStatus]:
    """Cache statuses from the watch stream until the Plex cache is ready."""
    seen = []
    call = s.cache.WatchCacheStatus(
        cache_pb.WatchCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=120
    )
    async for message in call:
        seen.append(message.status)
        if message.status.state == cache_pb.CACHE_STATE_READY:
            break
        assert message.status.state != cache_pb.CACHE_STATE_FAILED, message.status.last_error
    call.cancel()
    return seen


async def run_command(s: Stack, name: str) -> pb.SyncReport:
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(command_name=name), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    return (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report


def sync_command(path: Path) -> cpb.Command:
    return cpb.Command(
        name="daily",
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
        targets=[tpb.TARGET_PLEX],
        enabled=True,
    )


async def test_the_ideal_flow(database_url: str, tmp_path: Path) -> None:
    playlist = tmp_path / "daily.jspf"
    write_jspf(playlist, 238)
    async with whole_stack(tmp_path, database_url) as s:
        watch = s.cache.WatchCacheStatus(
            cache_pb.WatchCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=120
        )
        assert (await next_message(watch)).status.state == cache_pb.CACHE_STATE_DISABLED
        watch.cancel()
        enabled = await s.config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[
                    cpb.SettingChange(key="PLEX_URL", value=s.emu.plex_url),
                    cpb.SettingChange(key="PLEX_TOKEN", value=TOKEN),
                    cpb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true"),
                ]
            ),
            timeout=TIMEOUT,
        )
        assert any(
            "Library cache will be enabled automatically" in n.message
            for n in enabled.notifications
        )
        statuses = await follow_build(s)
        building = [x for x in statuses if x.state == cache_pb.CACHE_STATE_BUILDING]
        assert building, "build progress was shown"
        assert any(x.progress.tracks_total for x in building), "build progress was shown"
        assert statuses[-1].track_count == TRACKS
        created = await s.config.CreateCommand(
            cpb.CreateCommandRequest(command=sync_command(playlist)), timeout=TIMEOUT
        )
        assert list(created.warnings) == []
        report = await run_command(s, "daily")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        plex = report.targets[0]
        assert plex.matched == 238
        assert plex.requests.search == 0
        requests = plex.requests
        assert (
            requests.library_listing
            + requests.track_page
            + requests.playlist_read
            + requests.playlist_write
            + requests.other
            <= 5
        )
        status = (await s.gateway.GetStatus(gpb.GetStatusRequest(), timeout=TIMEOUT)).status
        assert status.recent_syncs[0].matched == 238
        assert list(status.warnings) == []
        logs = "\n".join(path.read_text() for path in s.logs)
        assert '"msg": "rpc"' in logs
        assert '"msg": "build ready"' in logs
        assert TOKEN not in logs, "no token in any service's log"
        assert TOKEN.encode() not in status.SerializeToString()


async def test_the_warning_flow(database_url: str, tmp_path: Path) -> None:
    playlist = tmp_path / "daily.jspf"
    write_jspf(playlist, 100)
    async with whole_stack(tmp_path, database_url) as s:
        await s.config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[
                    cpb.SettingChange(key="PLEX_URL", value=s.emu.plex_url),
                    cpb.SettingChange(key="PLEX_TOKEN", value=TOKEN),
                    cpb.SettingChange(key="LIBRARY_CACHE_PLEX_ENABLED", value="false"),
                    cpb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true"),
                ]
            ),
            timeout=TIMEOUT,
        )
        created = await s.config.CreateCommand(
            cpb.CreateCommandRequest(command=sync_command(playlist)), timeout=TIMEOUT
        )
        assert [w.message for w in created.warnings] == [PERFORMANCE_WARNING]
        (warning,) = (
            await s.gateway.ListWarnings(gpb.ListWarningsRequest(), timeout=TIMEOUT)
        ).warnings
        assert warning.fix.label == "Enable library cache"
        await s.gateway.ApplyAction(gpb.ApplyActionRequest(fix=warning.fix), timeout=TIMEOUT)
        statuses = await follow_build(s)
        assert statuses[-1].state == cache_pb.CACHE_STATE_READY
        report = await run_command(s, "daily")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        plex = report.targets[0]
        assert plex.matched == 100, "the sync ran on the cache"
        assert plex.requests.search == 0, "the sync ran on the cache"
        assert (
            list(
                (await s.gateway.ListWarnings(gpb.ListWarningsRequest(), timeout=TIMEOUT)).warnings
            )
            == []
        )
