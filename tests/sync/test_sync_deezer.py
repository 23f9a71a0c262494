"""A stored command reading a Deezer playlist, end to end on loopback: the Deezer emulator at
DEEZER_API_URL, config_svc, cache_svc, sync_svc and an emulated Plex. A playlist Deezer
does not have fails the run naming source.ref, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from emulators.deezer import DeezerPlaylist, DeezerState, deezer_track, from_catalog, running_deezer
from tests.support.cache_service import settle
from tests.support.inprocess_stack import MUSIC, PLEX, Stack, configure, stack
from tests.support.rpc import TIMEOUT

PLAYLIST = "908622995"


async def run_command(s: Stack, name: str, ref: str) -> pb.SyncReport:
    command = cpb.Command(
        name=name,
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_DEEZER_PLAYLIST, ref=ref),
        targets=[PLEX],
    )
    await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(command_name=name), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    request = pb.GetSyncReportRequest(run_id=run_id)
    return (await s.sync.GetSyncReport(request, timeout=TIMEOUT)).report


async def test_a_deezer_playlist_syncs_and_a_missing_one_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    tracks = [*from_catalog(MUSIC[:120]), deezer_track(9_000_001, "Nowhere Song", "Zed Quill")]
    state = DeezerState(playlists={PLAYLIST: DeezerPlaylist("Bain moussant", tracks)})
    async with running_deezer(state) as (deezer_url, _), stack(database_url, tmp_path) as s:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            DEEZER_API_URL=deezer_url, PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)

        report = await run_command(s, "bath", f"https://www.deezer.com/fr/playlist/{PLAYLIST}")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        [target] = report.targets
        assert (target.matched, target.unmatched) == (120, 1)
        assert state.requests == [
            f"/playlist/{PLAYLIST}",
            f"/playlist/{PLAYLIST}/tracks?index=0&limit=100",
            f"/playlist/{PLAYLIST}/tracks?index=100&limit=100",
        ]
        written = {k: list(p.entries) for k, p in s.plex.plex.state.playlists.items()}
        assert [len(entries) for entries in written.values()] == [120]
        plex_writes = s.plex.knobs.counts["playlist_write"]

        missing = await run_command(s, "gone", "123456789")
        assert missing.progress.state == pb.SYNC_STATE_FAILED
        assert missing.error == (
            "Deezer playlist 123456789 does not exist: check source.ref "
            "(Deezer: DataException 800: no data)"
        )
        assert list(missing.targets) == []
        assert s.plex.knobs.counts["playlist_write"] == plex_writes
        assert {k: list(p.entries) for k, p in s.plex.plex.state.playlists.items()} == written
