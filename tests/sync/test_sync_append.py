"""Append mode and hand edits through the whole stack, on emulators that answer as the real
servers do: a track a user adds by hand survives an append sync, nothing is removed or
moved, a warm rerun writes nothing, and a playlist renamed by hand is found by its id and
keeps its name until the spec's title changes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask

from common.targets import ClientSettings, JellyfinClient, PlexClient
from tests.support.cache_service import settle
from tests.support.inprocess_stack import JELLYFIN, MUSIC, PLEX, Stack, enable_targets, stack
from tests.support.inprocess_stack import playlist as inline_tracks
from tests.support.rpc import TIMEOUT


def write_source(path: Path, tracks: list[pb.InlineTrack]) -> None:
    """The command's source: a JSPF file of ``tracks``."""
    entries = [{"title": t.title, "creator": t.artists[0]} for t in tracks]
    path.write_text(json.dumps({"playlist": {"title": "Keepers", "track": entries}}))


async def create_command(s: Stack, source: Path) -> None:
    command = cpb.Command(
        name="keepers",
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(source)),
        targets=[PLEX, JELLYFIN],
        enabled=True,
        playlist_title="Keepers",
        mode=tpb.SYNC_MODE_APPEND,
    )
    await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)


async def run(s: Stack) -> pb.SyncReport:
    request = pb.RunSyncRequest(command_name="keepers")
    run_id = (await s.sync.RunSync(request, timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    report = (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report
    assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
    return report


def matched(report: pb.SyncReport, target: int) -> list[str]:
    outcomes = sorted((t for t in report.tracks if t.target == target), key=lambda t: t.position)
    return [t.result.match.item_id for t in outcomes if t.result.HasField("match")]


def held(s: Stack, target: int, playlist_id: str) -> tuple[str, list[str]]:
    """A playlist's title and items, as the emulated server holds them."""
    if target == PLEX:
        plex = s.plex.plex.state.playlists[playlist_id]
        return plex.title, [item for _, item in plex.entries]
    jellyfin = s.jellyfin.jellyfin.state.playlists[playlist_id]
    return jellyfin.name, [item for _, item in jellyfin.entries]


async def by_hand(s: Stack, target: int, playlist_id: str, title: str) -> str:
    """What a user does in the server's own app: add a track the source never had to the
    end of the playlist, and rename it. Returns the item added."""
    emulator = s.plex if target == PLEX else s.jellyfin
    async with httpx.AsyncClient(base_url=emulator.url) as http:
        settings = ClientSettings(requests_per_second=0)
        client: PlexClient | JellyfinClient = (
            PlexClient(http, token=emulator.token, settings=settings)
            if target == PLEX
            else JellyfinClient(http, token=emulator.token, settings=settings)
        )
        library = (await client.music_libraries()).chosen[0]
        (found, *_) = await client.search(library, MUSIC[200].title)
        await client.add_to_playlist(playlist_id, [found.item_id])
        await client.update_playlist(playlist_id, title=title)
        return found.item_id


async def test_a_track_added_by_hand_survives_an_append_sync(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        tracks = inline_tracks(8)
        source = tmp_path / "keepers.jspf"
        write_source(source, tracks[:5])
        await create_command(s, source)
        first = await run(s)
        ids = {r.target: r.playlist_id for r in first.targets}
        mine = {t: await by_hand(s, t, ids[t], "My keepers") for t in (PLEX, JELLYFIN)}

        # The source drops its first track and gains two: append adds the two, at the end.
        write_source(source, tracks[1:7])
        second = await run(s)
        for result in second.targets:
            target = result.target
            assert result.playlist_id == ids[target], "found by its id, though renamed"
            assert (result.items_added, result.items_removed, result.error) == (2, 0, "")
            before = matched(first, target)
            title, items = held(s, target, ids[target])
            assert items == [*before, mine[target], *matched(second, target)[-2:]]
            assert title == "My keepers", "the spec's title did not change: the user's stays"

        # Warm: nothing is missing, nothing is written, on either server.
        third = await run(s)
        assert [(r.writes, r.requests.playlist_write) for r in third.targets] == [(0, 0), (0, 0)]

        # The spec's title changes: it is set, on the playlist found by its id.
        renamed = cpb.Command(name="keepers", playlist_title="Keepers, renamed")
        await s.config.UpdateCommand(
            cpb.UpdateCommandRequest(
                command=renamed, update_mask=FieldMask(paths=["playlist_title"])
            ),
            timeout=TIMEOUT,
        )
        fourth = await run(s)
        for result in fourth.targets:
            assert result.playlist_id == ids[result.target]
            assert result.writes == 1, "the rename alone"
            assert held(s, result.target, ids[result.target])[0] == "Keepers, renamed"
        assert len(s.plex.plex.state.playlists) == 1, "never duplicated"
        assert len(s.jellyfin.jellyfin.state.playlists) == 1

        # Renamed by hand again, the spec's title unchanged: the user's title stays.
        await by_hand(s, PLEX, ids[PLEX], "Mine again")
        fifth = await run(s)
        assert held(s, PLEX, ids[PLEX])[0] == "Mine again"
        assert [r.writes for r in fifth.targets] == [0, 0]
