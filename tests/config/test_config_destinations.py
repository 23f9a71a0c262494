"""Where a command writes: destinations (a server, and a user on it) beside the targets,
over a real config_svc. Targets are the built-in servers' destinations; every bad
destination is named and changes nothing; a server in use cannot be deleted; the stored
commands of the previous schema keep writing where they did."""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

import grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import text

from common.database.engine import Database
from common.wire.channels import open_channel
from tests.config.test_config_commands import create, revision_of, sync_command
from tests.config.test_config_servers import _to, delete, den, named_snapshot
from tests.config.test_config_servers import create as create_server
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"


def to(server: str, user: str = "") -> tpb.Destination:
    return tpb.Destination(server=server, user=user)


def writing(name: str, *targets: int, destinations: list[tpb.Destination]) -> pb.Command:
    """A playlist_sync command with exactly these targets and destinations."""
    return sync_command(name, targets=list(targets), destinations=destinations)


def pairs(command: pb.Command) -> list[tuple[str, str]]:
    return [(d.server, d.user) for d in command.destinations]


async def update(config: Stub, command: pb.Command, *paths: str) -> pb.UpdateCommandResponse:
    request = pb.UpdateCommandRequest(command=command, update_mask=FieldMask(paths=list(paths)))
    return await config.UpdateCommand(request, timeout=TIMEOUT)


async def test_targets_and_destinations_are_one_list(config: Stub) -> None:
    await create_server(config, den())
    made = await create(
        config,
        writing("family", tpb.TARGET_PLEX, destinations=[to("plex", " alice "), to("den")]),
    )
    assert pairs(made.command) == [("plex", ""), ("plex", "alice"), ("den", "")]
    assert list(made.command.targets) == [tpb.TARGET_PLEX], "targets: built-in, no user"

    got = await config.GetCommand(pb.GetCommandRequest(name="family"), timeout=TIMEOUT)
    assert pairs(got.command) == pairs(made.command)

    # Either path replaces the whole list with what targets and destinations give together.
    changed = await update(
        config,
        writing("family", tpb.TARGET_JELLYFIN, destinations=[to("den", "bob")]),
        "destinations",
    )
    assert pairs(changed.command) == [("jellyfin", ""), ("den", "bob")]
    assert list(changed.command.targets) == [tpb.TARGET_JELLYFIN]
    only_targets = await update(config, sync_command("family", tpb.TARGET_PLEX), "targets")
    assert pairs(only_targets.command) == [("plex", "")]


async def test_bad_destinations_are_named_and_change_nothing(config: Stub) -> None:
    await create_server(config, den())
    before = await revision_of(config)
    cases = {
        "command.destinations[0].server": [to("cabin")],  # no such server
        "command.destinations[1].server": [to("den"), to("Not A Name")],
        "command.destinations[0].user": [to("den", "x" * 129)],
        "command.destinations": [to("plex", "alice"), to("plex", "Alice ")],
    }
    for field, destinations in cases.items():
        error = await expect_error(
            create(config, writing("bad", destinations=destinations)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(error, field)
    twice = await expect_error(
        create(config, writing("bad", tpb.TARGET_PLEX, destinations=[to("plex")])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(twice, "command.destinations")
    assert "plex is listed more than once" in (twice.details() or "")
    none = await expect_error(
        create(config, pb.Command(name="bad", kind=pb.COMMAND_KIND_PLAYLIST_SYNC,
                                  source=pb.PlaylistSource(kind=pb.SOURCE_KIND_FILE, ref="/a"))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )  # fmt: skip
    assert_invalid(none, "command.targets")
    control = await expect_error(
        create(config, writing("bad", destinations=[to("den", "bo\nb")])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(control, "command.destinations[0].user")
    await create(config, sync_command("good"))
    moved = await expect_error(
        update(config, writing("good", destinations=[to("cabin")]), "destinations"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(moved, "command.destinations[0].server")
    assert await revision_of(config) == before + 1, "only the good command was written"


async def test_a_server_in_use_cannot_be_deleted(config: Stub) -> None:
    await create_server(config, den())
    await create(config, writing("weekly", destinations=[to("den", "carol")]))
    await create(config, writing("daily", destinations=[to("den")]))
    before = await revision_of(config)
    refused = await expect_error(delete(config, "den"), grpc.StatusCode.FAILED_PRECONDITION)
    assert error_reason(refused) == "SERVER_IN_USE"
    assert "'daily', 'weekly'" in (refused.details() or "")
    assert await revision_of(config) == before
    for name in ("weekly", "daily"):
        await update(config, sync_command(name, tpb.TARGET_PLEX), "targets")
    await delete(config, "den")


async def test_the_watch_and_a_restart_keep_the_destinations(
    database_url: str, tmp_path: Path
) -> None:
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            await create_server(config, den())
            await create(config, writing("family", destinations=[to("den", "dana")]))
        finally:
            await channel.close(None)
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            snapshot = await named_snapshot(config)
            family = next(c for c in snapshot.snapshot.commands if c.name == "family")
            assert pairs(family) == [("den", "dana")]
        finally:
            await channel.close(None)


async def test_the_previous_schemas_commands_keep_their_targets(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_to, "0003")
            await connection.execute(
                text(
                    "INSERT INTO config_commands (name, kind, source_kind, source_ref, targets, "
                    "schedule, enabled, enabled_origin, playlist_title, create_revision, "
                    "mod_revision) VALUES ('both', 'playlist_sync', 'file', '/m/both.jspf', "
                    "'plex,jellyfin', '', true, 'user', 'Both', 1, 1)"
                )
            )
            await connection.commit()
    finally:
        await database.close()

    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            got = await config.GetCommand(pb.GetCommandRequest(name="both"), timeout=TIMEOUT)
            assert pairs(got.command) == [("plex", ""), ("jellyfin", "")]
            assert list(got.command.targets) == [tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN]
        finally:
            await channel.close(None)

    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_to, "0003", True)
            row = (
                await connection.execute(
                    text("SELECT targets FROM config_commands WHERE name = 'both'")
                )
            ).one()
            assert row.targets == "plex,jellyfin"
            await connection.commit()
    finally:
        await database.close()
