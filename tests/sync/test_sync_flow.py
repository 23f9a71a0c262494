"""sync_svc end to end on loopback: emulated Plex and Jellyfin, config_svc, cache_svc and
sync_svc with real HTTP and gRPC between them."""

from __future__ import annotations

import json
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from emulators.knobs import Fault
from tests.support.cache_service import settle
from tests.support.inprocess_stack import (
    JELLYFIN,
    PLEX,
    Stack,
    configure,
    enable_targets,
    playlist,
    stack,
)
from tests.support.rpc import TIMEOUT


async def run(
    s: Stack, tracks: list[pb.InlineTrack], *, dry_run: bool = False, title: str = "Daily Mix"
) -> pb.SyncReport:
    spec = pb.SyncSpec(playlist_title=title, tracks=tracks, targets=[PLEX, JELLYFIN])
    run_id = (
        await s.sync.RunSync(pb.RunSyncRequest(spec=spec, dry_run=dry_run), timeout=TIMEOUT)
    ).run_id
    states = [
        m.progress.state
        async for m in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120)
    ]
    assert states[-1] in (pb.SYNC_STATE_SUCCEEDED, pb.SYNC_STATE_FAILED)
    return (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report


def total(requests: pb.RequestCounts) -> int:
    return sum(
        getattr(requests, f)
        for f in (
            "library_listing",
            "track_page",
            "search",
            "playlist_read",
            "playlist_write",
            "other",
        )
    )


async def test_warm_cache_sync_costs_a_handful_of_requests_and_a_rerun_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        tracks = playlist(500, absent=20)
        first = await run(s, tracks)
        assert first.progress.state == pb.SYNC_STATE_SUCCEEDED, first.error
        for target in first.targets:
            assert (target.matched, target.unmatched) == (480, 20), target
            # At most: a read, Plex's identity, the create and two adds (a Plex URL carries
            # about 210 ids: common/targets/plex_uri.py) and the summary.
            assert total(target.requests) <= 6, target.requests
            assert target.requests.search == 0, target.requests
            assert target.playlist_id
            assert target.items_added == 480
        plex_playlist = s.plex.plex.state.playlists[first.targets[0].playlist_id]
        assert len(plex_playlist.entries) == 480
        misses = [t for t in first.tracks if t.source == pb.MATCH_SOURCE_UNMATCHED]
        assert len(misses) == 40
        assert all(t.result.authoritative is False or t.result.reason for t in misses)

        second = await run(s, tracks)
        for target in second.targets:
            assert target.writes == 0
            assert target.playlist_id == first.targets[target.target - 1].playlist_id
        assert len(s.plex.plex.state.playlists) == 1, "never a duplicate"

        changed = await run(s, tracks[:400] + tracks[450:])
        for target in changed.targets:
            # Plex: one clear and 430 ids in three adds, against 50 single removals; and the
            # description, whose "Synced by cmdarr on <date>" line moves with the tracks.
            assert target.writes <= 5, "clearing and re-adding beats 50 single removals"
        kept = [key for _, key in s.plex.plex.state.playlists[first.targets[0].playlist_id].entries]
        assert len(kept) == 430


async def test_dry_run_writes_nothing(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=JELLYFIN, limit=60)
        report = await run(s, playlist(50), dry_run=True)
        assert report.dry_run
        assert all(t.writes == 0 and t.items_added == 50 for t in report.targets)
        assert s.plex.plex.state.playlists == {}


async def test_without_the_cache_the_live_fallback_is_bounded(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(
            s, LIBRARY_CACHE_PLEX_ENABLED="false", LIBRARY_CACHE_JELLYFIN_ENABLED="false"
        )
        report = await run(s, playlist(40, absent=4))
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        for target in report.targets:
            assert target.requests.search <= 2 * 40 * 2, "at most 2 per track per library"
            assert target.matched == 36
            assert any("live" in w for w in target.warnings)
        assert {t.source for t in report.tracks} == {
            pb.MATCH_SOURCE_LIVE,
            pb.MATCH_SOURCE_UNMATCHED,
        }


async def test_live_search_cap_is_respected(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(
            s,
            LIBRARY_CACHE_PLEX_ENABLED="false",
            LIBRARY_CACHE_JELLYFIN_ENABLED="false",
            LIVE_SEARCH_MAX_REQUESTS_PER_SYNC="10",
        )
        report = await run(s, playlist(30))
        for target in report.targets:
            assert target.requests.search <= 10
            assert any("LIVE_SEARCH_MAX_REQUESTS_PER_SYNC" in w for w in target.warnings)


async def test_an_unreachable_cache_never_fails_a_sync(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path, cache_up=False) as s:
        await enable_targets(s)
        report = await run(s, playlist(20))
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        for target in report.targets:
            assert target.matched == 20
            assert any("could not be reached" in w for w in target.warnings)


async def test_a_failed_write_leaves_the_playlist_as_it_was_and_a_rerun_converges(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=JELLYFIN, limit=60)
        tracks = playlist(300)
        first = await run(s, tracks[:100])
        plex_id = first.targets[0].playlist_id
        before = [key for _, key in s.plex.plex.state.playlists[plex_id].entries]
        s.plex.knobs.faults.append(
            Fault(kind="status", status=500, count=1, endpoint="playlist_write")
        )
        failed = await run(s, tracks)
        assert failed.progress.state == pb.SYNC_STATE_FAILED
        assert failed.targets[0].error
        after = [key for _, key in s.plex.plex.state.playlists[plex_id].entries]
        assert after == before, "left as it was"
        s.plex.knobs.faults.clear()
        again = await run(s, tracks)
        assert again.progress.state == pb.SYNC_STATE_SUCCEEDED
        assert len(s.plex.plex.state.playlists[plex_id].entries) == 300
        assert len(s.plex.plex.state.playlists) == 1


async def test_a_500_track_jspf_command_syncs_both_targets_warm(
    database_url: str, tmp_path: Path
) -> None:
    tracks = playlist(500, absent=10)
    jspf = {
        "playlist": {
            "title": "Weekly Jams",
            "track": [
                {"title": t.title, "creator": t.artists[0], "duration": t.duration_ms}
                for t in tracks
            ],
        }
    }
    path = tmp_path / "weekly.jspf"
    path.write_text(json.dumps(jspf))
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        command = cpb.Command(
            name="weekly-jams",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
            targets=[PLEX, JELLYFIN],
        )
        created = await s.config.CreateCommand(
            cpb.CreateCommandRequest(command=command), timeout=TIMEOUT
        )
        assert list(created.warnings) == []

        async def run_command() -> pb.SyncReport:
            run_id = (
                await s.sync.RunSync(pb.RunSyncRequest(command_name="weekly-jams"), timeout=TIMEOUT)
            ).run_id
            async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
                pass
            request = pb.GetSyncReportRequest(run_id=run_id)
            return (await s.sync.GetSyncReport(request, timeout=TIMEOUT)).report

        first = await run_command()
        assert first.progress.state == pb.SYNC_STATE_SUCCEEDED, first.error
        assert first.command_name == "weekly-jams"
        for target in first.targets:
            assert target.matched == 490
            assert total(target.requests) <= 6  # as above: 490 ids in three Plex writes
        second = await run_command()
        assert all(t.writes == 0 for t in second.targets), "a second run writes nothing"
        listed = (await s.sync.ListSyncs(pb.ListSyncsRequest(limit=5), timeout=TIMEOUT)).syncs
        assert [x.run_id for x in listed] == [second.run_id, first.run_id]


async def test_a_bad_source_file_fails_the_run_naming_the_line(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "broken.m3u"
    path.write_text("#EXTM3U\n#EXTINF:abc,Artist - Title\nsong.mp3\n")
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        spec = pb.SyncSpec(
            playlist_title="Broken",
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
            targets=[PLEX],
        )
        run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
        async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=60):
            pass
        report = (
            await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
        ).report
        assert report.progress.state == pb.SYNC_STATE_FAILED
        assert "line 2" in report.error


async def test_a_sync_waits_for_a_build_in_progress_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        s.plex.knobs.latency_ms = 700  # a build of a few seconds
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_BUILDING, limit=30)
        spec = pb.SyncSpec(playlist_title="Waiting", tracks=playlist(30), targets=[PLEX])
        run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
        messages = [
            m.progress.message
            async for m in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120)
        ]
        assert any(m.startswith("Waiting for the Plex library cache") for m in messages), messages
        report = (
            await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
        ).report
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED
        assert report.targets[0].matched == 30
        assert report.targets[0].requests.search == 0
