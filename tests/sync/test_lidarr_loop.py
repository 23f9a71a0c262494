"""The loop closes: a command that opts in (LIDARR_AUTO_SEND_COMMANDS) sends its wanted
albums after its run; once the emulated Plex gains the delivered tracks and its cache
refreshes, the next run adds them and its report says they came through Lidarr; the run
after says it no more."""

from __future__ import annotations

import json
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from emulators.server import Emulator, running_lidarr
from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import PLEX, Stack, configure, enable_targets, playlist, stack
from tests.support.lidarr_world import album, jspf_track, lidarr_settings, run_to_end
from tests.support.rpc import TIMEOUT

KEY = "loop-key-7d02"


async def test_an_opted_in_command_sends_after_its_run_and_the_loop_closes(
    database_url: str, tmp_path: Path
) -> None:
    salt, ferrous = album("Salt Hymns"), album("Ferrous")
    jspf = {
        "playlist": {
            "title": "Wanted",
            "track": [
                *(
                    {"title": t.title, "creator": t.artists[0], "duration": t.duration_ms}
                    for t in playlist(2)
                ),
                jspf_track(salt, 0, rgid=True),
                jspf_track(salt, 2, rgid=True),
                jspf_track(ferrous, 1, rgid=False),
            ],
        }
    }
    path = tmp_path / "wanted.jspf"
    path.write_text(json.dumps(jspf))
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY, LIDARR_AUTO_SEND_COMMANDS="wanted"))
        command = cpb.Command(
            name="wanted",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
            targets=[PLEX],
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)

        first = await run_command(s, "wanted")
        assert first.progress.state == pb.SYNC_STATE_SUCCEEDED, first.error
        assert first.targets[0].unmatched == 3
        assert first.lidarr_note == "Lidarr: 2 albums sent"
        assert [c.name for c in lidarr.lidarr.state.commands] == ["AlbumSearch"]

        delivered = lidarr.lidarr.mutate({"deliver": True})["delivered"]
        assert sorted(d["title"] for d in delivered) == ["Ferrous", "Salt Hymns"]
        imported = [
            {**track, "artist": d["artist"], "album": d["title"]}
            for d in delivered
            for track in d["tracks"]
        ]
        # The stack's catalogue is shared by the tests of this process: the tracks go
        # again at the end.
        added = s.plex.plex.mutate({"import": imported})["added"]
        try:
            await closes_the_loop(s, lidarr, first)
        finally:
            s.plex.plex.mutate({"delete": added})


async def closes_the_loop(s: Stack, lidarr: Emulator, first: pb.SyncReport) -> None:
    built = await s.cache.BuildCache(
        cache_pb.BuildCacheRequest(target=PLEX, mode=cache_pb.BUILD_MODE_INCREMENTAL),
        timeout=TIMEOUT,
    )
    await settle(
        s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, generation=built.status.generation + 1
    )

    second = await run_command(s, "wanted")
    assert second.targets[0].unmatched == 0, "the next run adds what came through Lidarr"
    assert second.targets[0].items_added == 3
    arrived = {(a.position, a.album, a.sent_by_run_id) for a in second.lidarr_arrivals}
    assert arrived == {
        (2, "Marrow Lanterns - Salt Hymns", first.run_id),
        (3, "Marrow Lanterns - Salt Hymns", first.run_id),
        (4, "Marrow Lanterns - Ferrous", first.run_id),
    }
    assert second.lidarr_note == "Lidarr: 0 albums sent"
    assert len(lidarr.lidarr.state.commands) == 1, "nothing more was sent"
    shown = await cmdarr("sync", "report", second.run_id, addresses=s.addresses)
    assert "Track 3 (Marrow Lanterns - Brine Choir): now found; was sent to Lidarr on " in (
        shown.out
    )
    third = await run_command(s, "wanted")
    assert list(third.lidarr_arrivals) == [], "only the first run to find it says so"


async def run_command(s: Stack, name: str) -> pb.SyncReport:
    return await run_to_end(s.sync, pb.RunSyncRequest(command_name=name))
