"""cmdarr sync create --mode and --no-sync-note against a real config_svc: append is
stored, mirror is the default, anything else is a usage error that writes nothing; the
description's note is on unless turned off."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from common.wire.channels import open_channel
from config_svc.app import ConfigApp
from tests.support.command_line import cmdarr
from tests.support.rpc import TIMEOUT

SOURCE = ["--source-kind", "file", "--source", "/music/family.jspf", "--target", "plex"]


def at(app: ConfigApp) -> dict[str, str]:
    return {"config": f"127.0.0.1:{app.server.port}"}


async def test_sync_create_takes_a_mode(config_app: ConfigApp) -> None:
    made = await cmdarr(
        "--json", "sync", "create", "keepers", *SOURCE, "--mode", "append", "--no",
        addresses=at(config_app),
    )  # fmt: skip
    assert made.code == 0, made.err
    assert made.json()["command"]["mode"] == "SYNC_MODE_APPEND"
    assert made.json()["command"]["sync_note"] is True, "the note is on unless turned off"

    plain = await cmdarr(
        "--json", "sync", "create", "plain", *SOURCE, "--no", addresses=at(config_app)
    )
    assert plain.code == 0, plain.err
    assert plain.json()["command"]["mode"] == "SYNC_MODE_MIRROR"

    quiet = await cmdarr(
        "--json", "sync", "create", "quiet", *SOURCE, "--no-sync-note", "--no",
        addresses=at(config_app),
    )  # fmt: skip
    assert quiet.code == 0, quiet.err
    assert quiet.json()["command"]["sync_note"] is False

    odd = await cmdarr(
        "sync", "create", "odd", *SOURCE, "--mode", "shuffle", addresses=at(config_app)
    )
    assert odd.code == 2, "argparse refuses the choice (its message goes to the terminal)"
    channel = open_channel(at(config_app)["config"])
    try:
        listed = await config_pb2_grpc.ConfigServiceStub(channel).ListCommands(
            pb.ListCommandsRequest(), timeout=TIMEOUT
        )
    finally:
        await channel.close(None)
    assert sorted(c.name for c in listed.commands) == [
        "keepers",
        "library_cache_builder",
        "plain",
        "quiet",
    ]
