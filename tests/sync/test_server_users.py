"""ListServerUsers against a household of emulators (two Plex servers and plex.tv, a
Jellyfin server) through a real config_svc and sync_svc: who can receive playlists on each
server, what each sees, the requests it costs, and no token in any answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc

from common.wire.channels import open_channel
from emulators.household import default_household
from emulators.server import Household, running_household
from sync_svc.app import start as start_sync
from sync_svc.loader import load_source
from tests.support.command_line import cmdarr
from tests.support.config_service import running_config
from tests.support.inprocess_stack import env
from tests.support.rpc import TIMEOUT, assert_invalid, expect_error
from tests.sync.test_server_check import buf_curl

OWNER, HOME, SHARED = (
    pb.SERVER_USER_KIND_OWNER,
    pb.SERVER_USER_KIND_HOME,
    pb.SERVER_USER_KIND_SHARED,
)


@asynccontextmanager
async def household_stack(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Household, sync_pb2_grpc.SyncServiceAsyncStub, dict[str, str]]]:
    async with (
        running_household(default_household(tracks=200)) as home,
        running_config(database_url, tmp_path) as config_app,
    ):
        config_address = f"127.0.0.1:{config_app.server.port}"
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_address))
        plex, cabin, jellyfin = home.plex["plex"], home.plex["cabin"], home.jellyfin["jellyfin"]
        changes = {
            "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token, "PLEX_TV_URL": home.tv.url,
            "JELLYFIN_URL": jellyfin.url, "JELLYFIN_TOKEN": jellyfin.token,
        }  # fmt: skip
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
            ),
            timeout=TIMEOUT,
        )
        server = cpb.Server(
            name="cabin", kind=cpb.SERVER_KIND_PLEX, url=cabin.url, token=cabin.token
        )
        await config.CreateServer(cpb.CreateServerRequest(server=server), timeout=TIMEOUT)
        sync_app = await start_sync(
            env("sync", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}"),
            config_address=config_address,
            cache_address=None,
            load_playlist=load_source,
        )
        sync_address = f"127.0.0.1:{sync_app.server.port}"
        try:
            yield (
                home,
                sync_pb2_grpc.SyncServiceStub(open_channel(sync_address)),
                {"config": config_address, "sync": sync_address},
            )
        finally:
            await sync_app.stop(0.2)


def shown(reply: pb.ListServerUsersResponse) -> list[tuple[str, int, bool, list[str], bool]]:
    return [(u.name, u.kind, u.all_libraries, list(u.libraries), u.protected) for u in reply.users]


async def test_who_can_receive_playlists_on_each_server(database_url: str, tmp_path: Path) -> None:
    async with household_stack(database_url, tmp_path) as (home, sync, addresses):
        for emulator in (*home.plex.values(), *home.jellyfin.values()):
            emulator.knobs.reset_counts()
        home.tv.knobs.reset_counts()

        plex = await sync.ListServerUsers(pb.ListServerUsersRequest(server="plex"), timeout=TIMEOUT)
        assert shown(plex) == [
            ("owner", OWNER, True, [], False),
            ("alice", HOME, False, ["Music", "Lossless", "Audiobooks"], False),
            ("bob", SHARED, False, ["Music"], False),
            ("kid", HOME, False, ["Music"], True),
        ]
        assert [u.id for u in plex.users] == ["1", "101", "102", "103"]
        assert sum(home.tv.knobs.counts.values()) == 3, "the owner, the users, the shares"
        assert sum(home.plex["plex"].knobs.counts.values()) == 1, "the server's identity"

        cabin = await sync.ListServerUsers(
            pb.ListServerUsersRequest(server="cabin"), timeout=TIMEOUT
        )
        assert [u.name for u in cabin.users] == ["owner", "alice"]

        jellyfin = await sync.ListServerUsers(
            pb.ListServerUsersRequest(server="jellyfin"), timeout=TIMEOUT
        )
        by_name = {u.name: u for u in jellyfin.users}
        assert by_name["carol"].kind == pb.SERVER_USER_KIND_USER
        assert (by_name["carol"].all_libraries, list(by_name["carol"].libraries)) == (
            False,
            ["Music"],
        )
        assert by_name["dave"].all_libraries
        assert any(u.kind == pb.SERVER_USER_KIND_ADMINISTRATOR for u in jellyfin.users)
        counts = home.jellyfin["jellyfin"].knobs.counts
        # /Users; the token's views, which name the libraries, with the version and user
        # every library listing of the client asks for.
        assert sum(counts.values()) == 4, counts

        tokens = [e.token for e in (*home.plex.values(), *home.jellyfin.values())]
        assert not any(t in str(r) for t in tokens for r in (plex, cabin, jellyfin))

        missing = await expect_error(
            sync.ListServerUsers(pb.ListServerUsersRequest(server="attic"), timeout=TIMEOUT),
            grpc.StatusCode.NOT_FOUND,
        )
        assert "no server named 'attic'" in (missing.details() or "")
        empty = await expect_error(
            sync.ListServerUsers(pb.ListServerUsersRequest(), timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(empty, "server")

        url = f"http://{addresses['sync']}/cmdarr.sync.v1.SyncService/ListServerUsers"
        called = await asyncio.to_thread(buf_curl, '{"server": "cabin"}', url)
        assert called.returncode == 0, called.stderr
        assert [u["name"] for u in json.loads(called.stdout)["users"]] == ["owner", "alice"]

        listed = await cmdarr("server", "users", "plex", addresses=addresses)
        assert listed.code == 0, listed.err
        kid = next(line for line in listed.out.splitlines() if "kid" in line)
        for cell in ("103", "Plex Home", "Music", "PIN"):
            assert cell in kid, cell
        assert "owner (the token's account)" in listed.out
