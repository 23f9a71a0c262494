"""Preview and send a run's wanted albums to the emulated Lidarr, over the whole stack
in-process: what the preview lists and that it changes nothing, what a send adds and
monitors (never a discography), the cap, a second send adding nothing, picking albums,
and the hand-offs recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from emulators.lidarr_catalog import HARBOUR, MARROW, QUILL, TINFOIL
from emulators.server import Emulator, running_lidarr
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
from tests.support.lidarr_world import album, lidarr_settings, run_to_end, wanted
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error

KEY = "handoff-key-31c9"
S = pb  # the enum values read better as S.LIDARR_ALBUM_STATE_*
# The albums the sends at once pick between them.
PICKED = {"Night Orchard", "Paper Comets", "Glasshouse Weather", "Ferrous"}


async def run(
    s: Stack,
    tracks: list[pb.InlineTrack],
    targets: tuple[tpb.Target.ValueType, ...] = (PLEX,),
) -> str:
    spec = pb.SyncSpec(playlist_title="Wanted", tracks=tracks, targets=list(targets))
    return (await run_to_end(s.sync, pb.RunSyncRequest(spec=spec))).run_id


def playlist_wanting() -> list[pb.InlineTrack]:
    """Three tracks the libraries have, then (positions 3-12) tracks only Lidarr knows."""
    return [
        *playlist(3),
        *wanted("Salt Hymns", 0, 1),  # 3, 4: Marrow Lanterns, not in Lidarr
        *wanted("Ferrous", 0, rgid=True),  # 5: the same artist, by release group
        *wanted("Paper Comets", 1),  # 6: Lidarr has it, unmonitored
        *wanted("Night Orchard", 0),  # 7: Odalys Quillfeather
        *wanted("Glasshouse Weather", 1),  # 8
        *wanted("Breakwater Hours", 2),  # 9: Harbour Vesper
        pb.InlineTrack(title="Tin Halo", artists=[TINFOIL.name], album="Greatest Hits"),  # 10
        pb.InlineTrack(title="Gone Song", artists=["Nobody Known"], album="No Such Album"),  # 11
        *wanted("Lowland Static", 0, named=False),  # 12: no album named
    ]


def by_title(albums: list[pb.LidarrAlbum]) -> dict[str, pb.LidarrAlbum]:
    return {a.title: a for a in albums}


def monitored(lidarr: Emulator, artist: str) -> dict[str, bool]:
    return {
        a["title"]: a["monitored"]
        for a in lidarr.lidarr.ids()["albums"]
        if a["artist"] == artist and a["title"] != "Greatest Hits"
    }


async def test_preview_changes_nothing_and_send_hands_over_the_cap(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY, LIDARR_QUALITY_PROFILE="Lossless"))
        run_id = await run(s, playlist_wanting())
        before = lidarr.lidarr.ids()

        preview = await s.sync.PreviewLidarr(
            pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT
        )
        assert lidarr.lidarr.ids() == before, "a preview changes nothing"
        assert lidarr.knobs.counts["write"] == lidarr.knobs.counts["command"] == 0
        assert lidarr.knobs.counts["lookup"] == 8, "one lookup per album"
        albums = by_title(list(preview.albums))
        assert preview.albums[0].title == "Salt Hymns", "most tracks first"
        assert albums["Salt Hymns"].state == S.LIDARR_ALBUM_STATE_ADD_WITH_ARTIST
        assert [t.position for t in albums["Salt Hymns"].tracks] == [3, 4]
        assert albums["Ferrous"].id == album("Ferrous").mbid
        assert albums["Paper Comets"].state == S.LIDARR_ALBUM_STATE_MONITOR
        assert albums["Paper Comets"].in_lidarr
        assert albums["Greatest Hits"].state == S.LIDARR_ALBUM_STATE_AMBIGUOUS
        assert len(albums["Greatest Hits"].candidates) == 2
        assert albums["No Such Album"].state == S.LIDARR_ALBUM_STATE_NOT_FOUND
        assert albums["Breakwater Hours"].state == S.LIDARR_ALBUM_STATE_DEFERRED, "the sixth"
        assert [t.position for t in preview.without_album] == [12]
        assert (preview.enabled, preview.max_albums, preview.error) == (True, 5, "")

        sent = await s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        assert (sent.sent, sent.error) == (5, "")
        assert lidarr.knobs.counts["lookup"] == 8 + 5, "a send asks only of what it may send"
        states = {a.title: a.state for a in sent.albums}
        assert states["Salt Hymns"] == states["Ferrous"] == S.LIDARR_ALBUM_STATE_ADDED
        assert states["Paper Comets"] == S.LIDARR_ALBUM_STATE_MONITORED
        assert states["Breakwater Hours"] == S.LIDARR_ALBUM_STATE_DEFERRED
        assert monitored(lidarr, MARROW.name) == {
            "Salt Hymns": True,
            "Lowland Static": False,
            "Ferrous": True,
        }, "only the wanted albums of a new artist are monitored"
        assert monitored(lidarr, QUILL.name) == {"Night Orchard": True, "Glasshouse Weather": True}
        assert HARBOUR.name not in {a["name"] for a in lidarr.lidarr.ids()["artists"]}
        artists = {a["name"]: a for a in lidarr.lidarr.ids()["artists"]}
        assert (artists[MARROW.name]["monitored"], artists[MARROW.name]["monitorNewItems"]) == (
            False,
            "none",
        )
        assert artists[MARROW.name]["qualityProfileId"] == 2, "LIDARR_QUALITY_PROFILE"
        assert monitored(lidarr, TINFOIL.name)["Paper Comets"] is True
        (search,) = lidarr.lidarr.state.commands
        assert search.name == "AlbumSearch"
        handed = (S.LIDARR_ALBUM_STATE_ADDED, S.LIDARR_ALBUM_STATE_MONITORED)
        ids = [a.lidarr_album_id for a in sent.albums if a.state in handed]
        assert sorted(search.album_ids) == sorted(ids)
        assert sent.search_command_id == search.id

        writes = lidarr.knobs.counts["write"]
        again = await s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        assert again.sent == 0, "a second send adds nothing"
        assert lidarr.knobs.counts["write"] == writes
        assert lidarr.knobs.counts["lookup"] == 13, "and, the cap used up, asks nothing"
        assert len(lidarr.lidarr.state.commands) == 1
        assert {a.title: a.state for a in again.albums}["Salt Hymns"] == S.LIDARR_ALBUM_STATE_SENT
        assert by_title(list(again.albums))["Salt Hymns"].HasField("sent_at")
        assert by_title(list(again.albums))["Breakwater Hours"].state == (
            S.LIDARR_ALBUM_STATE_DEFERRED
        ), "the cap is the run's, earlier sends counted"
        shown = await s.sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        assert by_title(list(shown.albums))["Paper Comets"].message == "monitored", "recorded"


async def test_sending_some_albums_and_bad_requests(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        queued = await expect_error(
            s.sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id="no-such-run"), timeout=TIMEOUT),
            grpc.StatusCode.NOT_FOUND,
        )
        assert error_reason(queued) == "RUN_NOT_FOUND"
        nameless = await expect_error(
            s.sync.SendToLidarr(pb.SendToLidarrRequest(), timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(nameless, "run_id")
        run_id = await run(s, playlist_wanting(), targets=(PLEX, JELLYFIN))
        off = await expect_error(
            s.sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert error_reason(off) == "LIDARR_OFF"
        await configure(s, **lidarr_settings(lidarr.url, KEY, LIDARR_ENABLED="false"))
        disabled = await expect_error(
            s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "LIDARR_ENABLED is off" in (disabled.details() or "")
        await configure(s, LIDARR_ENABLED="true", LIDARR_MAX_ALBUMS_PER_RUN="6")
        unknown = await expect_error(
            s.sync.SendToLidarr(
                pb.SendToLidarrRequest(run_id=run_id, albums=["Paper Comets", "Abbey Road"]),
                timeout=TIMEOUT,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(unknown, "albums[1]")
        assert lidarr.knobs.counts["write"] == 0, "a bad request sends nothing"

        # An ambiguous album is sent by the id of one of its candidates.
        later = album("Greatest Hits", "2011 compilation").mbid
        picked = [album("Night Orchard").mbid, "the tinfoil saints - paper comets", later]
        sent = await s.sync.SendToLidarr(
            pb.SendToLidarrRequest(run_id=run_id, albums=picked), timeout=TIMEOUT
        )
        assert sent.sent == 3
        states = by_title(list(sent.albums))
        assert states["Greatest Hits"].state == S.LIDARR_ALBUM_STATE_MONITORED
        assert states["Greatest Hits"].id == later
        held = {a["foreignAlbumId"]: a["monitored"] for a in lidarr.lidarr.ids()["albums"]}
        assert held[later] is True
        assert held[album("Greatest Hits", "1999 compilation").mbid] is True, "as it was"
        assert states["Salt Hymns"].state == S.LIDARR_ALBUM_STATE_ADD_WITH_ARTIST, "not picked"
        assert states["Breakwater Hours"].state == S.LIDARR_ALBUM_STATE_DEFERRED, (
            "three of six sent: the fourth album not picked is past the cap"
        )
        assert monitored(lidarr, QUILL.name) == {"Night Orchard": True, "Glasshouse Weather": False}
        rest = await s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        assert rest.sent == 3, "six a run: three sent before"
        glasshouse = by_title(list(rest.albums))["Glasshouse Weather"]
        assert glasshouse.state == S.LIDARR_ALBUM_STATE_MONITORED, "its artist came in before"


async def test_sends_at_once_take_turns_and_hand_over_no_more_than_the_cap(
    database_url: str, tmp_path: Path
) -> None:
    """Two sends of one run at once (the send after a run and a click on Send, or two
    clicks) picking different albums: the second waits for the first and counts what it
    handed over, so the run's cap holds across both."""
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY, LIDARR_MAX_ALBUMS_PER_RUN="3"))
        run_id = await run(s, playlist_wanting())
        first = [album("Night Orchard").mbid, "the tinfoil saints - paper comets"]
        second = [album("Glasshouse Weather").mbid, album("Ferrous").mbid]
        sends = await asyncio.gather(
            *(
                s.sync.SendToLidarr(
                    pb.SendToLidarrRequest(run_id=run_id, albums=names), timeout=TIMEOUT
                )
                for names in (first, second)
            )
        )
        assert sorted(sent.sent for sent in sends) == [1, 2], "three a run, both sends counted"
        handed = [
            a["title"]
            for a in lidarr.lidarr.ids()["albums"]
            if a["monitored"] and a["title"] in PICKED
        ]
        assert len(handed) == 3, handed
        searched = [i for command in lidarr.lidarr.state.commands for i in command.album_ids]
        assert len(searched) == 3, "one search per send, for what each handed over"
        after = await s.sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        states = by_title(list(after.albums))
        assert sum(a.state == S.LIDARR_ALBUM_STATE_SENT for a in states.values()) == 3


async def test_a_send_whose_caller_stops_waiting_still_ends_and_is_recorded(
    database_url: str, tmp_path: Path
) -> None:
    """A send runs to its end once begun, even when its caller gives up (a deadline, a
    client gone): what it handed to Lidarr is recorded, so the cap counts it and a later
    send hands over nothing twice."""
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY))
        run_id = await run(s, playlist_wanting())
        lidarr.knobs.latency_ms = 200.0  # a send of five albums: about twenty requests
        await expect_error(
            s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=1.0),
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
        assert not lidarr.lidarr.state.commands, "the caller left before the search"
        lidarr.knobs.latency_ms = 0.0  # the rest of the send, and the previews, at once
        recorded: list[int] = []
        deadline = asyncio.get_running_loop().time() + 30
        while recorded.count(S.LIDARR_ALBUM_STATE_SENT) < 5:
            assert asyncio.get_running_loop().time() < deadline, f"not recorded: {recorded}"
            await asyncio.sleep(0.1)
            preview = await s.sync.PreviewLidarr(
                pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT
            )
            recorded = [a.state for a in preview.albums]
        (search,) = lidarr.lidarr.state.commands
        assert len(search.album_ids) == 5, "the search for what it handed over"
        again = await s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT)
        assert again.sent == 0, "the cap is used up by the send nobody waited for"


async def test_a_release_group_id_that_is_no_uuid_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        bad = pb.InlineTrack(title="Brine Choir", artists=[MARROW.name], release_group_mbid="x1")
        spec = pb.SyncSpec(playlist_title="Bad", tracks=[bad], targets=[PLEX])
        refused = await expect_error(
            s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(refused, "spec.tracks[0].release_group_mbid")
