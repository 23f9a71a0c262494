"""cmdarr sync create --source-kind server against a real config_svc: a playlist on a
configured server is stored as given; one on a server that is not configured is a usage
error naming the field, with nothing stored."""

from __future__ import annotations

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cmdarr_client import server_playlist
from config_svc.app import ConfigApp
from tests.support.command_line import cmdarr
from tests.support.rpc import TIMEOUT


async def test_sync_create_reads_a_server_playlist(
    config_app: ConfigApp, config: config_pb2_grpc.ConfigServiceAsyncStub
) -> None:
    addresses = {"config": f"127.0.0.1:{config_app.server.port}"}
    made = await cmdarr(
        "--json", "sync", "create", "copy", "--source-kind", "server", "--source",
        "plex:plex/Road Trip", "--target", "jellyfin", "--no", addresses=addresses,
    )  # fmt: skip
    assert made.code == 0, made.err
    assert made.json()["command"]["source"] == {
        "kind": "SOURCE_KIND_SERVER_PLAYLIST",
        "ref": "plex:plex/Road Trip",
    }
    # The client library writes the same reference.
    assert server_playlist("plex", "Road Trip", kind="plex") == pb.PlaylistSource(
        kind=pb.SOURCE_KIND_SERVER_PLAYLIST, ref="plex:plex/Road Trip"
    )

    attic = await cmdarr(
        "sync", "create", "attic", "--source-kind", "server", "--source",
        "plex:attic/Road Trip", "--target", "jellyfin", "--no", addresses=addresses,
    )  # fmt: skip
    assert attic.code == 2
    assert "command.source.ref" in attic.err
    assert "no server named 'attic'" in attic.err
    listed = await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT)
    assert [c.name for c in listed.commands if c.name != "library_cache_builder"] == ["copy"]
