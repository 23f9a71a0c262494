"""A command's sync mode over a real config_svc: unset is MIRROR, APPEND is kept through a
restart and the change log, UpdateCommand changes it by the mask path "mode", and a value
the service does not know is refused naming the field, changing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

import grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask

from common.wire.channels import open_channel
from tests.config.test_config_commands import create, revision_of, sync_command
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, assert_invalid, expect_error

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
# A value a newer client might send, which this service does not know.
UNKNOWN_MODE = tpb.SyncMode.ValueType(7)


async def get(config: Stub, name: str) -> pb.Command:
    return (await config.GetCommand(pb.GetCommandRequest(name=name), timeout=TIMEOUT)).command


async def update(config: Stub, command: pb.Command, *paths: str) -> pb.UpdateCommandResponse:
    request = pb.UpdateCommandRequest(command=command, update_mask=FieldMask(paths=list(paths)))
    return await config.UpdateCommand(request, timeout=TIMEOUT)


async def test_unset_mode_is_mirror_and_append_is_kept(config: Stub) -> None:
    plain = await create(config, sync_command("plain"))
    assert plain.command.mode == tpb.SYNC_MODE_MIRROR
    made = await create(config, sync_command("keeper", mode=tpb.SYNC_MODE_APPEND))
    assert made.command.mode == tpb.SYNC_MODE_APPEND
    assert (await get(config, "keeper")).mode == tpb.SYNC_MODE_APPEND

    changed = await update(config, pb.Command(name="keeper", mode=tpb.SYNC_MODE_MIRROR), "mode")
    assert changed.command.mode == tpb.SYNC_MODE_MIRROR
    # A mask without "mode" leaves it alone, whatever the message carries.
    kept = await update(
        config, pb.Command(name="keeper", schedule="0 4 * * *", mode=tpb.SYNC_MODE_APPEND),
        "schedule",
    )  # fmt: skip
    assert kept.command.mode == tpb.SYNC_MODE_MIRROR
    assert kept.command.schedule == "0 4 * * *"


async def test_an_unknown_mode_is_refused_naming_the_field(config: Stub) -> None:
    before = await revision_of(config)
    error = await expect_error(
        create(config, sync_command("odd", mode=UNKNOWN_MODE)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert_invalid(error, "command.mode")
    await create(config, sync_command("fine"))
    error = await expect_error(
        update(config, pb.Command(name="fine", mode=UNKNOWN_MODE), "mode"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(error, "command.mode")
    assert await revision_of(config) == before + 1, "only the good create was written"
    assert (await get(config, "fine")).mode == tpb.SYNC_MODE_MIRROR


async def test_mode_survives_a_restart_and_the_change_log(
    database_url: str, tmp_path: Path
) -> None:
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            await create(config, sync_command("plain"))
            before = await revision_of(config)  # > 0: the watch replays the log after it
            await create(config, sync_command("keeper", mode=tpb.SYNC_MODE_APPEND))
        finally:
            await channel.close(None)
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            assert (await get(config, "keeper")).mode == tpb.SYNC_MODE_APPEND
            # The change log replays the command as it was written.
            request = pb.WatchConfigRequest(after_revision=before)
            watch = config.WatchConfig(request, timeout=TIMEOUT)
            async for message in watch:
                assert message.kind == pb.WATCH_RESPONSE_KIND_EVENTS
                assert [e.command.mode for e in message.events] == [tpb.SYNC_MODE_APPEND]
                break
            watch.cancel()
        finally:
            await channel.close(None)
