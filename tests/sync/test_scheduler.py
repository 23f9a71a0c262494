"""Stored commands run on their cron schedules."""

from __future__ import annotations

from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from common.wire.channels import open_channel
from sync_svc.app import start as start_sync
from sync_svc.scheduler import due
from tests.support.clocks import SteppedClock
from tests.support.config_service import running_config
from tests.support.inprocess_stack import env, no_sources
from tests.support.rpc import STOP_GRACE, TIMEOUT
from tests.support.waiting import eventually

BASE = 1_800_000_000.0  # a fixed instant (2027-01-15 08:00 UTC)


@pytest.mark.parametrize(
    ("schedule", "last", "now", "expected"),
    [
        ("*/5 * * * *", BASE, BASE + 299, False),
        ("*/5 * * * *", BASE, BASE + 300, True),
        ("0 3 * * *", BASE, BASE + 3600, False),
        ("0 3 * * *", BASE, BASE + 20 * 3600, True),
        ("", BASE, BASE + 10**6, False),
        ("* * * * *", BASE + 60, BASE, False),
    ],
)
def test_due(schedule: str, last: float, now: float, expected: bool) -> None:
    assert due(schedule, last, now) is expected


async def test_a_scheduled_command_runs_once_per_fire_time(
    database_url: str, tmp_path: Path
) -> None:
    clock = SteppedClock()
    async with running_config(database_url, tmp_path) as config_app:
        address = f"127.0.0.1:{config_app.server.port}"
        config = config_pb2_grpc.ConfigServiceStub(open_channel(address))
        command = cpb.Command(
            name="every-five",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref="/nowhere.m3u"),
            targets=[tpb.TARGET_PLEX],
            schedule="*/5 * * * *",
            enabled=True,
        )
        await config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        app = await start_sync(
            env("sync", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}"),
            config_address=address,
            cache_address=None,
            load_playlist=no_sources,  # type: ignore[arg-type]
            schedule_every=0.05,
            clock=clock,
        )
        sync = sync_pb2_grpc.SyncServiceStub(open_channel(f"127.0.0.1:{app.server.port}"))

        async def runs() -> list[pb.SyncSummary]:
            return list((await sync.ListSyncs(pb.ListSyncsRequest(), timeout=TIMEOUT)).syncs)

        try:
            await clock.read_again(2)  # a whole tick has looked at the schedule
            assert await runs() == []
            clock.advance(301)
            await eventually(runs, within=TIMEOUT, what="the scheduled run")
            await clock.read_again(2)  # and a whole tick after it, at the same time
            syncs = await runs()
            assert [s.command_name for s in syncs] == ["every-five"], "once per fire time"
        finally:
            await app.stop(STOP_GRACE)
