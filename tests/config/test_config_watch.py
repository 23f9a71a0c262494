"""WatchConfig: snapshot, replay, live tail, progress, compaction, resume across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypeAlias

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from common.wire.channels import open_channel
from config_svc.app import ConfigApp
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, error_reason, next_message
from tests.support.waiting import eventually

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"


async def write(config: Stub, n: int) -> int:
    change = pb.SettingChange(key="LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", value=str(n))
    response = await config.UpdateSettings(
        pb.UpdateSettingsRequest(changes=[change]), timeout=TIMEOUT
    )
    return response.revision


def watch(
    config: Stub, after: int, interval_ms: int = 200
) -> grpc.aio.UnaryStreamCall[pb.WatchConfigRequest, pb.WatchConfigResponse]:
    return config.WatchConfig(
        pb.WatchConfigRequest(after_revision=after, progress_interval_ms=interval_ms), timeout=30
    )


async def event_revisions(
    config: Stub, after: int, until: int, tailing: asyncio.Event | None = None
) -> list[int]:
    """The revisions of the events seen after ``after`` up to ``until``; ``tailing`` is set
    at the first progress message, which comes once the watch has caught up and tails live."""
    seen: list[int] = []
    async for message in watch(config, after):
        if message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS and tailing is not None:
            tailing.set()
        if message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            seen.append(message.revision)
            if message.revision >= until:
                break
    return seen


async def test_snapshot_then_live_changes(config: Stub) -> None:
    stream = watch(config, 0)
    first = await next_message(stream)
    assert first.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
    settings = {s.key: s for s in first.snapshot.settings}
    assert settings["PLEX_CLIENT_ENABLED"].value == "false"
    assert [c.name for c in first.snapshot.commands] == ["library_cache_builder"]

    response = await config.UpdateSettings(
        pb.UpdateSettingsRequest(
            changes=[pb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true")]
        ),
        timeout=TIMEOUT,
    )
    message = await next_message(stream)
    assert message.kind == pb.WATCH_RESPONSE_KIND_EVENTS
    assert message.revision == response.revision == first.revision + 1
    changed = {
        e.setting.key: e.setting for e in message.events if e.type == pb.EVENT_TYPE_SETTING_CHANGED
    }
    assert changed["PLEX_CLIENT_ENABLED"].value == "true"
    assert changed["LIBRARY_CACHE_PLEX_ENABLED"].source == pb.SETTING_SOURCE_AUTO
    commands = [e.command for e in message.events if e.type == pb.EVENT_TYPE_COMMAND_PUT]
    assert [(c.name, c.enabled) for c in commands] == [("library_cache_builder", True)]
    stream.cancel()


async def test_replay_from_a_revision_then_tail(config: Stub) -> None:
    revisions = [await write(config, n) for n in range(1, 8)]
    replay = watch(config, revisions[2])
    got = [(await next_message(replay)).revision for _ in range(4)]
    assert got == revisions[3:]
    later = await write(config, 99)
    assert (await next_message(replay)).revision == later
    replay.cancel()


async def test_progress_messages_while_idle(config: Stub) -> None:
    current = await write(config, 5)
    stream = watch(config, current, interval_ms=100)
    message = await next_message(stream)
    assert message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS
    assert message.revision == current
    stream.cancel()


async def test_deleted_commands_are_events(config: Stub) -> None:
    command = pb.Command(
        name="gone",
        kind=pb.COMMAND_KIND_PLAYLIST_SYNC,
        source=pb.PlaylistSource(kind=pb.SOURCE_KIND_FILE, ref="/x.m3u"),
        targets=[tpb.TARGET_PLEX],
    )
    created = await config.CreateCommand(pb.CreateCommandRequest(command=command), timeout=TIMEOUT)
    stream = watch(config, created.revision)
    await config.DeleteCommand(pb.DeleteCommandRequest(name="gone"), timeout=TIMEOUT)
    message = await next_message(stream)
    assert [(e.type, e.command.name) for e in message.events] == [
        (pb.EVENT_TYPE_COMMAND_DELETED, "gone")
    ]
    stream.cancel()


async def test_many_watchers_see_every_revision_in_order(config: Stub) -> None:
    start = await write(config, 0)
    tailing = [asyncio.Event() for _ in range(5)]
    watchers = [
        asyncio.create_task(event_revisions(config, start, start + 20, live)) for live in tailing
    ]
    await eventually(
        lambda: all(live.is_set() for live in tailing), within=TIMEOUT, what="watchers tailing"
    )
    await asyncio.gather(*(write(config, n) for n in range(1, 21)))
    for seen in await asyncio.gather(*watchers):
        assert seen == list(range(start + 1, start + 21))


async def test_compacted_revisions_force_a_new_snapshot(database_url: str, tmp_path: Path) -> None:
    async with running_config(database_url, tmp_path, retention=5) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        last = 0
        for n in range(1, 21):
            last = await write(config, n)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await next_message(watch(config, 1))
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_reason(caught.value) == "REVISION_COMPACTED"
        # Recent revisions are still there; a snapshot always works.
        assert await event_revisions(config, last - 3, last) == [last - 2, last - 1, last]
        snapshot = await next_message(watch(config, 0))
        assert snapshot.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
        assert snapshot.revision == last
        assert 1 <= snapshot.compact_revision <= last - 5
        await channel.close(None)


async def _restart_scenario(database_url: str, tmp_path: Path) -> None:
    received: list[int] = []
    caught_up = asyncio.Event()
    target = [0]

    async def follow(app: ConfigApp, after: int) -> None:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            async for message in watch(config_pb2_grpc.ConfigServiceStub(channel), after):
                if message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
                    received.append(message.revision)
                    if target[0] and message.revision >= target[0]:
                        caught_up.set()
                elif message.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT:
                    received.clear()
        except grpc.aio.AioRpcError:
            pass  # the server went away mid-stream
        finally:
            await channel.close(None)

    async with running_config(database_url, tmp_path) as first:
        channel = open_channel(f"127.0.0.1:{first.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        start = await write(config, 0)
        follower = asyncio.create_task(follow(first, start))
        for n in range(1, 16):
            await write(config, n)
        await channel.close(None)
    # The first server is gone, mid-stream; the follower saw some prefix.
    await asyncio.wait_for(follower, 10)
    assert received == list(range(start + 1, start + 1 + len(received)))

    async with running_config(database_url, tmp_path) as second:
        channel = open_channel(f"127.0.0.1:{second.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        resume_from = received[-1] if received else start
        follower = asyncio.create_task(follow(second, resume_from))
        last = 0
        for n in range(16, 31):
            last = await write(config, n)
        target[0] = last
        if received and received[-1] >= last:
            caught_up.set()
        await asyncio.wait_for(caught_up.wait(), 30)
        follower.cancel()
        await channel.close(None)
    assert received == list(range(start + 1, last + 1)), "no gap and no duplicate"


async def test_resume_after_a_server_restart_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    await asyncio.wait_for(_restart_scenario(database_url, tmp_path), 60)


async def test_negative_revision_is_invalid(config: Stub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await next_message(watch(config, -1))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
