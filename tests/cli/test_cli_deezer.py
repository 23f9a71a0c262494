"""cmdarr sync create --source-kind deezer against a real config_svc: a playlist link is
stored as given, and a short link is a usage error naming the field, with nothing stored."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from config_svc.app import ConfigApp
from tests.support.command_line import cmdarr
from tests.support.rpc import TIMEOUT

LINK = "https://www.deezer.com/fr/playlist/908622995"


async def test_sync_create_reads_a_deezer_playlist(
    config_app: ConfigApp, config: config_pb2_grpc.ConfigServiceAsyncStub
) -> None:
    addresses = {"config": f"127.0.0.1:{config_app.server.port}"}
    made = await cmdarr(
        "--json", "sync", "create", "bath", "--source-kind", "deezer", "--source", LINK,
        "--target", "plex", "--no", addresses=addresses,
    )  # fmt: skip
    assert made.code == 0, made.err
    assert made.json()["command"]["source"] == {"kind": "SOURCE_KIND_DEEZER_PLAYLIST", "ref": LINK}

    short = await cmdarr(
        "sync", "create", "short", "--source-kind", "deezer", "--source",
        "https://deezer.page.link/WSqyMRBenWbw6GJ19", "--target", "plex", "--no",
        addresses=addresses,
    )  # fmt: skip
    assert short.code == 2
    assert "command.source.ref" in short.err
    assert "paste the full https://www.deezer.com/playlist/<id> link" in short.err
    listed = await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT)
    assert [c.name for c in listed.commands if c.name != "library_cache_builder"] == ["bath"]
