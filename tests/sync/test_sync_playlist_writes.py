"""Playlist writes through the whole stack, on emulators that answer as the real servers do:
a Jellyfin API key, repeated tracks, and playlists of the managed title that are not ours
(sources in docs/TARGETS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from emulators.jellyfin import JPlaylist
from emulators.plex import Playlist
from tests.support.cache_service import settle
from tests.support.inprocess_stack import JELLYFIN, PLEX, Stack, configure, playlist, stack
from tests.support.rpc import TIMEOUT


async def run(
    s: Stack, tracks: list[pb.InlineTrack], targets: list[tpb.Target.ValueType], title: str
) -> pb.SyncReport:
    spec = pb.SyncSpec(playlist_title=title, tracks=tracks, targets=targets)
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    return (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report


async def ready(s: Stack, **extra: str) -> None:
    """Both targets enabled (``extra`` may replace the Jellyfin token), caches built."""
    await configure(
        s,
        **{
            "PLEX_URL": s.plex.url,
            "PLEX_TOKEN": s.plex.token,
            "JELLYFIN_URL": s.jellyfin.url,
            "JELLYFIN_TOKEN": s.jellyfin.token,
            "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
            **extra,
            "PLEX_CLIENT_ENABLED": "true",
            "JELLYFIN_CLIENT_ENABLED": "true",
        },
    )
    for kind in (PLEX, JELLYFIN):
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)


def matched_ids(report: pb.SyncReport, target: int) -> list[str]:
    outcomes = sorted((t for t in report.tracks if t.target == target), key=lambda t: t.position)
    return [t.result.match.item_id for t in outcomes if t.result.HasField("match")]


async def test_a_jellyfin_api_key_updates_an_existing_playlist(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await ready(
            s,
            JELLYFIN_TOKEN=s.jellyfin.api_key,
            JELLYFIN_USER_ID=s.jellyfin.jellyfin.state.user_id,
        )
        tracks = playlist(12)
        first = await run(s, tracks[:10], [JELLYFIN], "Keyed")
        assert first.progress.state == pb.SYNC_STATE_SUCCEEDED, first.error
        # Drop two, reorder, add two: remove and append, as an API key may.
        changed = [tracks[9], *tracks[2:8], tracks[0], tracks[10], tracks[11]]
        second = await run(s, changed, [JELLYFIN], "Keyed")
        assert second.progress.state == pb.SYNC_STATE_SUCCEEDED, second.error
        (result,) = second.targets
        assert result.error == ""
        held = s.jellyfin.jellyfin.state.playlists[result.playlist_id]
        assert [item for _, item in held.entries] == matched_ids(second, JELLYFIN)
        # One DELETE of the entries that do not fit, one add, and the description (its
        # "Synced by cmdarr on <date>" line moves with the tracks), which an API key sets.
        assert result.writes == 3, "a DELETE, an add and the description"
        assert result.requests.playlist_write == 3
        assert result.warnings == []
        third = await run(s, changed, [JELLYFIN], "Keyed")
        assert [t.writes for t in third.targets] == [0]


@pytest.mark.parametrize("plex_drops_repeats", [True, False])
async def test_repeated_tracks_settle_and_are_reported(
    database_url: str, tmp_path: Path, plex_drops_repeats: bool
) -> None:
    async with stack(database_url, tmp_path) as s:
        s.plex.knobs.plex_drops_repeats = plex_drops_repeats
        await ready(s)
        base = playlist(4)
        tracks = [base[0], base[1], base[0], base[2], base[3], base[1]]
        first = await run(s, tracks, [PLEX, JELLYFIN], "Twice")
        assert first.progress.state == pb.SYNC_STATE_SUCCEEDED, first.error
        # A different source with the same repeats, then the same again: each settles.
        second = await run(s, [*tracks, base[0]], [PLEX, JELLYFIN], "Twice")
        assert second.progress.state == pb.SYNC_STATE_SUCCEEDED, second.error
        third = await run(s, [*tracks, base[0]], [PLEX, JELLYFIN], "Twice")
        assert [t.writes for t in second.targets] == [0, 0], "the repeats changed nothing"
        assert [t.writes for t in third.targets] == [0, 0]
        for report in (first, second, third):
            for target in report.targets:
                assert target.error == ""
        plex, jellyfin = second.targets
        for target, kind in ((plex, PLEX), (jellyfin, JELLYFIN)):
            ids = matched_ids(second, kind)
            assert [(r.item_id, list(r.positions)) for r in target.repeats] == [
                (ids[0], [0, 2, 6]),
                (ids[1], [1, 5]),
            ]
        held_plex = [k for _, k in s.plex.plex.state.playlists[plex.playlist_id].entries]
        held_jellyfin = [
            i for _, i in s.jellyfin.jellyfin.state.playlists[jellyfin.playlist_id].entries
        ]
        assert held_plex == list(dict.fromkeys(matched_ids(second, PLEX)))
        assert held_jellyfin == list(dict.fromkeys(matched_ids(second, JELLYFIN)))


async def test_playlists_of_the_title_that_are_not_ours_are_left_alone(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await ready(s)
        tracks = playlist(5)
        plex_state, jellyfin_state = s.plex.plex.state, s.jellyfin.jellyfin.state
        some_key = next(iter(plex_state.index))
        smart = Playlist("9001", "Mine", entries=[(1, some_key)], smart=True)
        plex_state.playlists[smart.rating_key] = smart
        some_id = next(iter(jellyfin_state.index))
        theirs = JPlaylist("f" * 32, "Mine", "a" * 32, public=True, entries=[(some_id, some_id)])
        jellyfin_state.playlists[theirs.playlist_id] = theirs

        report = await run(s, tracks, [PLEX, JELLYFIN], "Mine")
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        plex, jellyfin = report.targets
        assert plex.playlist_id != smart.rating_key
        assert jellyfin.playlist_id != theirs.playlist_id
        assert smart.entries == [(1, some_key)]
        assert not smart.summary
        assert theirs.entries == [(some_id, some_id)]
        assert theirs.name == "Mine"
        assert len(plex_state.playlists[plex.playlist_id].entries) == 5
        assert len(jellyfin_state.playlists[jellyfin.playlist_id].entries) == 5
        again = await run(s, tracks, [PLEX, JELLYFIN], "Mine")
        assert [t.playlist_id for t in again.targets] == [plex.playlist_id, jellyfin.playlist_id]
        assert [t.writes for t in again.targets] == [0, 0]
