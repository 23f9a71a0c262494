"""One sync to several destinations of a household of emulators (two Plex servers and
plex.tv, a Jellyfin server): one matching pass per server, one playlist per destination,
each its user's own and holding only what they may see; a rerun writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from common.wire.channels import open_channel
from emulators.household import default_household
from emulators.library import Track
from emulators.server import Emulator, Household, running_household
from sync_svc.app import start as start_sync
from sync_svc.loader import load_source
from tests.support.config_service import running_config
from tests.support.inprocess_stack import env
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually


@asynccontextmanager
async def household_sync(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Household, sync_pb2_grpc.SyncServiceAsyncStub]]:
    """config_svc and sync_svc (no cache_svc: every server is searched live) in front of
    the household, its servers configured: the built-in plex and jellyfin, and cabin."""
    async with (
        running_household(default_household(tracks=300)) as home,
        running_config(database_url, tmp_path) as config_app,
    ):
        address = f"127.0.0.1:{config_app.server.port}"
        config = config_pb2_grpc.ConfigServiceStub(open_channel(address))
        plex, cabin, jellyfin = home.plex["plex"], home.plex["cabin"], home.jellyfin["jellyfin"]
        changes = {
            "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token, "PLEX_CLIENT_ENABLED": "true",
            "PLEX_TV_URL": home.tv.url, "JELLYFIN_URL": jellyfin.url,
            "JELLYFIN_TOKEN": jellyfin.token, "JELLYFIN_CLIENT_ENABLED": "true",
            "TARGET_MAX_REQUESTS_PER_SECOND": "1000", "AUTO_ENABLE_LIBRARY_CACHE": "false",
        }  # fmt: skip
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
            ),
            timeout=TIMEOUT,
        )
        server = cpb.Server(
            name="cabin", kind=cpb.SERVER_KIND_PLEX, url=cabin.url, token=cabin.token,
            client_enabled=True, library_cache_enabled=False,
        )  # fmt: skip
        await config.CreateServer(cpb.CreateServerRequest(server=server), timeout=TIMEOUT)
        app = await start_sync(
            env("sync", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}"),
            config_address=address,
            cache_address=None,
            load_playlist=load_source,
        )
        try:
            yield home, sync_pb2_grpc.SyncServiceStub(open_channel(f"127.0.0.1:{app.server.port}"))
        finally:
            await app.stop(0.2)


def section(emulator: Emulator, title: str) -> list[Track]:
    catalog = emulator.app.state.catalog
    return next(s.tracks for s in catalog.sections if s.title == title)


def inline(tracks: list[Track]) -> list[pb.InlineTrack]:
    return [
        pb.InlineTrack(
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            album=t.album,
            duration_ms=t.duration_ms,
        )
        for t in tracks
    ]


async def run(sync: sync_pb2_grpc.SyncServiceAsyncStub, spec: pb.SyncSpec) -> pb.SyncReport:
    started = await sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)
    request = pb.GetSyncReportRequest(run_id=started.run_id)

    async def finished() -> bool:
        report = (await sync.GetSyncReport(request, timeout=TIMEOUT)).report
        return report.progress.state not in (pb.SYNC_STATE_QUEUED, pb.SYNC_STATE_RUNNING)

    await eventually(finished, within=120, what="the run to finish")
    return (await sync.GetSyncReport(request, timeout=TIMEOUT)).report


async def playlists(emulator: Emulator) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=emulator.url) as http:
        found: list[dict[str, Any]] = (await http.get("/__admin/playlists")).json()["playlists"]
    return found


def to(server: str, user: str = "") -> tpb.Destination:
    return tpb.Destination(server=server, user=user)


async def test_one_sync_writes_each_users_own_playlist(database_url: str, tmp_path: Path) -> None:
    async with household_sync(database_url, tmp_path) as (home, sync):
        plex, jellyfin = home.plex["plex"], home.jellyfin["jellyfin"]
        music, lossless = section(plex, "Music")[40:46], section(plex, "Lossless")[30:36]
        j_music = section(jellyfin, "Music")[40:44]
        j_other = section(jellyfin, "Lossless")[30:34]
        spec = pb.SyncSpec(
            playlist_title="Household Mix",
            tracks=inline(music + lossless + j_music + j_other),
            targets=[tpb.TARGET_PLEX],
            destinations=[to("plex", "alice"), to("plex", "Bob"), to("cabin"),
                          to("jellyfin", "carol")],
        )  # fmt: skip
        report = await run(sync, spec)
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        by = {(t.destination.server, t.destination.user): t for t in report.targets}
        assert list(by) == [
            ("plex", ""), ("plex", "alice"), ("plex", "Bob"), ("cabin", ""), ("jellyfin", "carol"),
        ]  # fmt: skip
        assert by[("plex", "")].target == tpb.TARGET_PLEX
        assert by[("plex", "alice")].target == tpb.TARGET_UNSPECIFIED
        assert by[("plex", "")].matched >= 12
        assert by[("plex", "alice")].matched == by[("plex", "")].matched
        assert by[("plex", "Bob")].matched == by[("plex", "")].matched - 6
        assert by[("jellyfin", "carol")].matched >= 4

        bob = [t for t in report.tracks if t.destination.user == "Bob"]
        withheld = [t for t in bob if t.result.reason == "not in bob's libraries"]
        assert {t.position for t in withheld} >= set(range(6, 12)), "Lossless is not bob's"
        assert all(not t.result.HasField("match") for t in withheld)
        assert all(t.result.best_candidate.library == "Lossless" for t in withheld)
        carol = [t for t in report.tracks if t.destination.user == "carol"]
        assert {t.position for t in carol if t.result.reason == "not in carol's libraries"} >= {
            16,
            17,
            18,
            19,
        }

        on_plex = {p["owner_name"]: p for p in await playlists(plex)}
        assert set(on_plex) == {"owner", "alice", "bob"}
        assert len(on_plex["bob"]["items"]) == by[("plex", "Bob")].matched
        assert len(on_plex["alice"]["items"]) == by[("plex", "alice")].matched
        on_cabin = await playlists(home.plex["cabin"])
        assert [p["owner_name"] for p in on_cabin] == ["owner"]
        on_jellyfin = await playlists(jellyfin)
        assert [(p["owner_name"], p["public"]) for p in on_jellyfin] == [("carol", False)]
        assert on_jellyfin[0]["outside_owner_libraries"] == []
        for emulator in (plex, home.plex["cabin"], jellyfin):
            assert emulator.knobs.counts.get("items_outside_user_libraries", 0) == 0

        again = await run(sync, spec)
        assert again.progress.state == pb.SYNC_STATE_SUCCEEDED, again.error
        assert [t.writes for t in again.targets] == [0, 0, 0, 0, 0]
        assert [t.playlist_id for t in again.targets] == [t.playlist_id for t in report.targets]
