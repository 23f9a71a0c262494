"""sync_svc killed (SIGKILL) in the middle of a run: on restart the run shows as
interrupted, and a rerun converges to the right playlist without a duplicate."""

from __future__ import annotations

from pathlib import Path

import httpx
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import emulators
from common.wire.channels import open_channel
from tests.support.emulated_catalog import SEED, TOKEN, TRACKS, write_jspf
from tests.support.processes import service
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually


async def searches_seen(plex_url: str, at_least: int) -> bool:
    """Whether the emulated Plex has received ``at_least`` search requests."""
    async with httpx.AsyncClient(base_url=plex_url) as http:
        counts = (await http.get("/__admin/counts")).json()
    return int(counts.get("search", 0)) >= at_least


async def test_a_killed_run_is_interrupted_and_a_rerun_converges(tmp_path: Path) -> None:
    playlist = tmp_path / "slow.jspf"
    write_jspf(playlist, 60)
    data = {"CMDARR_DATA_DIR": str(tmp_path / "data")}
    async with (
        emulators(tmp_path, tracks=TRACKS, seed=SEED, latency_ms=200) as emu,
        service("config_svc", tmp_path, env=data) as config_proc,
    ):
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        # No cache: the run searches live, slowly enough to be killed in the middle.
        changes = {
            "PLEX_URL": emu.plex_url, "PLEX_TOKEN": TOKEN, "LIBRARY_CACHE_PLEX_ENABLED": "false",
            "PLEX_CLIENT_ENABLED": "true", "TARGET_MAX_CONCURRENCY": "1",
        }  # fmt: skip
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
            ),
            timeout=TIMEOUT,
        )
        command = cpb.Command(
            name="slow",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(playlist)),
            targets=[tpb.TARGET_PLEX],
            enabled=True,
        )
        await config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        env = {
            **data,
            "CMDARR_CONFIG_ADDR": config_proc.address,
            "CMDARR_CACHE_ADDR": "127.0.0.1:9",
        }
        async with service("sync_svc", tmp_path, env=env) as first:
            sync = sync_pb2_grpc.SyncServiceStub(open_channel(first.address))
            run_id = (
                await sync.RunSync(pb.RunSyncRequest(command_name="slow"), timeout=TIMEOUT)
            ).run_id
            async for message in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=60):
                if "Searching" in message.progress.message:
                    break
            await eventually(
                lambda: searches_seen(emu.plex_url, at_least=3), within=60, what="a few searches"
            )
            await first.kill()
        async with service("sync_svc", tmp_path, env=env) as second:
            sync = sync_pb2_grpc.SyncServiceStub(open_channel(second.address))
            report = (
                await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
            ).report
            assert report.progress.state == pb.SYNC_STATE_INTERRUPTED
            assert "interrupted" in report.error
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key="TARGET_MAX_CONCURRENCY", value="8")]
                ),
                timeout=TIMEOUT,
            )
            rerun = (
                await sync.RunSync(pb.RunSyncRequest(command_name="slow"), timeout=TIMEOUT)
            ).run_id
            async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=rerun), timeout=120):
                pass
            done = (
                await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=rerun), timeout=TIMEOUT)
            ).report
            assert done.progress.state == pb.SYNC_STATE_SUCCEEDED, done.error
            assert done.targets[0].matched >= 55  # live search finds a little less than the cache
        async with httpx.AsyncClient(base_url=emu.plex_url) as http:
            playlists = (
                await http.get(
                    "/playlists", headers={"X-Plex-Token": TOKEN, "Accept": "application/json"}
                )
            ).json()
        titles = [p["title"] for p in playlists["MediaContainer"].get("Metadata", [])]
        assert titles.count("slow") == 1, "no duplicate playlist"
