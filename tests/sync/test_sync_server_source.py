"""A playlist on one configured server as a run's source, end to end on loopback: read from
the emulated Plex with each track's file path, matched into the emulated Jellyfin's cache by
that path (the same files under another root, some retagged so their titles say nothing),
written there with the Plex playlist's poster and description. A server that is not
configured, or of another kind, is refused when the command is stored; a playlist the
server does not have fails the run naming source.ref, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from common.domain import ServerKind
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from emulators.jellyfin import JPlaylist
from emulators.library import Track, remounted
from emulators.plex_nodes import rating_key
from tests.support.cache_service import settle
from tests.support.inprocess_stack import CATALOG, JELLYFIN, PLEX, Stack, enable_targets, stack
from tests.support.rpc import TIMEOUT, assert_invalid, expect_error

POSTER = b"\x89PNG\r\n\x1a\n" + b"road trip poster" * 8
PLEX_LIBRARY = remounted(CATALOG, "/data/music")


def retagged(track: Track) -> str | None:
    """Every third file's tags hold only its number on the Jellyfin side: no title match."""
    return f"Track {track.track_no:02d}" if track.seq % 3 == 0 else None


JELLYFIN_LIBRARY = remounted(CATALOG, "/media/music", retagged)
CHOSEN = [t for s in PLEX_LIBRARY.sections if s.kind == "music" for t in s.tracks][:60:2]


async def make_plex_playlist(s: Stack) -> str:
    """The playlist a user made on Plex, with a poster and a description."""
    plex = connect(ServerKind.PLEX, url=s.plex.url, token=s.plex.token, settings=ClientSettings())
    try:
        made = (
            await plex.client.create_playlist("Road Trip", [rating_key(t) for t in CHOSEN])
        ).playlist_id
        await plex.client.update_playlist(made, summary="Songs for the A1")
        await plex.client.upload_cover(made, POSTER, "image/png")
        return made
    finally:
        await plex.close()


async def run_command(
    s: Stack, name: str, ref: str = "", to: tpb.Target.ValueType = JELLYFIN
) -> pb.SyncReport:
    """Store the command (when ``ref`` is given) and run it."""
    if ref:
        source = cpb.PlaylistSource(kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref=ref)
        command = cpb.Command(
            name=name, kind=cpb.COMMAND_KIND_PLAYLIST_SYNC, source=source, targets=[to]
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(command_name=name), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    request = pb.GetSyncReportRequest(run_id=run_id)
    return (await s.sync.GetSyncReport(request, timeout=TIMEOUT)).report


async def test_a_plex_playlist_is_copied_to_jellyfin_by_path(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(
        database_url, tmp_path, plex_catalog=PLEX_LIBRARY, jellyfin_catalog=JELLYFIN_LIBRARY
    ) as s:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=JELLYFIN, limit=60)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        made = await make_plex_playlist(s)

        report = await run_command(s, "copy", f"plex:plex/id:{made}")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        [target] = report.targets
        assert (target.matched, target.unmatched) == (len(CHOSEN), 0)
        assert {t.result.method for t in report.tracks} == {cache_pb.MATCH_METHOD_PATH}
        assert report.tracks[0].track.path.startswith("/data/music/")
        state = s.jellyfin.jellyfin.state
        [written] = state.playlists.values()
        assert [item for _, item in written.entries] == [state.item_id(t) for t in CHOSEN]
        assert written.name == "copy"
        assert written.image == POSTER
        # The run's summary names its source and the cover it read; sync_svc serves it.
        [summary] = (await s.sync.ListSyncs(pb.ListSyncsRequest(), timeout=TIMEOUT)).syncs
        assert summary.source == cpb.PlaylistSource(
            kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref=f"plex:plex/id:{made}"
        )
        cover = await s.sync.GetCover(pb.GetCoverRequest(key=summary.cover_key), timeout=TIMEOUT)
        assert (cover.content_type, cover.image) == ("image/png", POSTER)
        bad = await expect_error(
            s.sync.GetCover(pb.GetCoverRequest(key="../etc"), timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(bad, "key")
        assert written.overview.startswith(
            "Songs for the A1\n\nSynced by cmdarr from Plex server plex"
        )

        # A warm rerun: nothing changed, nothing is written, no image sent again.
        writes = s.jellyfin.knobs.counts["playlist_write"]
        again = await run_command(s, "copy-again", "plex:plex/Road Trip")
        assert again.progress.state == pb.SYNC_STATE_SUCCEEDED, again.error
        assert s.jellyfin.knobs.counts["playlist_write"] - writes == again.targets[0].writes

        # A playlist the server does not have: the run fails naming the field, no write.
        before = s.jellyfin.knobs.counts["playlist_write"]
        missing = await run_command(s, "gone", "plex:plex/No Such Playlist")
        assert missing.progress.state == pb.SYNC_STATE_FAILED
        assert missing.error == (
            "plex:plex/No Such Playlist: no playlist has this title: check source.ref"
        )
        assert list(missing.targets) == []
        assert s.jellyfin.knobs.counts["playlist_write"] == before


async def test_a_server_source_must_name_a_configured_server_of_its_kind(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        for ref, says in (
            ("plex:attic/Road Trip", "no server named 'attic'"),
            ("jellyfin:plex/Road Trip", "server 'plex' is a plex server, not jellyfin"),
            ("plex:plex", "no '/' before the playlist"),
        ):
            source = cpb.PlaylistSource(kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref=ref)
            command = cpb.Command(
                name="copy", kind=cpb.COMMAND_KIND_PLAYLIST_SYNC, source=source, targets=[JELLYFIN]
            )
            refused = await expect_error(
                s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT),
                grpc.StatusCode.INVALID_ARGUMENT,
            )
            assert_invalid(refused, "command.source.ref")
            assert says in (refused.details() or "")
        listed = await s.config.ListCommands(cpb.ListCommandsRequest(), timeout=TIMEOUT)
        assert [c.name for c in listed.commands if c.name != "library_cache_builder"] == []


async def test_a_users_playlist_is_read_as_that_user(database_url: str, tmp_path: Path) -> None:
    """``jellyfin:carol@jellyfin/...`` reads carol's own playlist (private: the server's
    token sees it only when naming her); a user the server does not have fails the run
    naming source.ref."""
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        state = s.jellyfin.jellyfin.state
        carol = state.add_user("carol", "carol")
        chosen = [t for sec in CATALOG.sections if sec.kind == "music" for t in sec.tracks][:12]
        items = [state.item_id(t) for t in chosen]
        state.playlists["c0ffee"] = JPlaylist(
            "c0ffee", "Carol's Mix", carol.user_id, entries=[(i, i) for i in items]
        )
        source = cpb.PlaylistSource(
            kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref="jellyfin:carol@jellyfin/carol's mix"
        )
        command = cpb.Command(
            name="carol", kind=cpb.COMMAND_KIND_PLAYLIST_SYNC, source=source, targets=[PLEX]
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        report = await run_command(s, "carol")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        assert report.targets[0].matched == 12
        [written] = s.plex.plex.state.playlists.values()
        assert [item for _, item in written.entries] == [rating_key(t) for t in chosen]

        nobody = await run_command(s, "nobody", "jellyfin:zed@jellyfin/Carol's Mix", PLEX)
        assert nobody.progress.state == pb.SYNC_STATE_FAILED
        assert nobody.error.startswith("jellyfin:zed@jellyfin/Carol's Mix: no user 'zed'")
        assert nobody.error.endswith("check source.ref")
