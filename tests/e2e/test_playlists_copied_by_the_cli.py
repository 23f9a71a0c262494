"""Issue 24's closing check, through the CLI against the emulators: a Deezer playlist syncs
into Plex and Jellyfin and a Plex playlist into Jellyfin, each with its source's cover and
description on the servers it reaches; a warm rerun sends no playlist write and no image;
in append mode, a track a user added by hand survives the next sync.

(The parts on their own, with their failure cases: tests/sync/test_sync_deezer.py,
test_sync_server_source.py, test_sync_looks.py, test_sync_append.py.)"""

from __future__ import annotations

from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb

from common.domain import ServerKind
from common.targets import ClientSettings, JellyfinClient
from common.targets.connect import connect
from emulators.deezer import DeezerPlaylist, from_catalog, running_deezer
from emulators.plex_nodes import rating_key
from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import JELLYFIN, MUSIC, PLEX, Stack, enable_targets, stack
from tests.support.source_fakes import running_fakes

DEEZER_ID = "908622995"
DEEZER_PICTURE = b"\x89PNG\r\n\x1a\n" + b"deezer" * 20
PLEX_POSTER = b"\xff\xd8\xff" + b"plex poster" * 20


async def run(s: Stack, name: str) -> None:
    done = await cmdarr("--json", "sync", "run", name, "--watch", addresses=s.addresses)
    assert done.code == 0, done.err + done.out
    assert done.json()["progress"]["state"] == "SYNC_STATE_SUCCEEDED"


async def make_plex_playlist(s: Stack) -> None:
    """A user's Plex playlist with a poster and a description."""
    plex = connect(ServerKind.PLEX, url=s.plex.url, token=s.plex.token, settings=ClientSettings())
    try:
        made = await plex.client.create_playlist(
            "Road Trip", [rating_key(t) for t in MUSIC[100:130]]
        )
        await plex.client.update_playlist(made.playlist_id, summary="Songs for the A1")
        await plex.client.upload_cover(made.playlist_id, PLEX_POSTER, "image/jpeg")
    finally:
        await plex.close()


def playlists(s: Stack) -> dict[tuple[int, str], tuple[str, bytes, list[str]]]:
    """Every playlist cmdarr wrote: (server, title) -> description, picture, items."""
    found: dict[tuple[int, str], tuple[str, bytes, list[str]]] = {}
    for p in s.plex.plex.state.playlists.values():
        if p.title != "Road Trip":
            found[PLEX, p.title] = (p.summary, p.poster, [item for _, item in p.entries])
    for j in s.jellyfin.jellyfin.state.playlists.values():
        found[JELLYFIN, j.name] = (j.overview, j.image, [item for _, item in j.entries])
    return found


async def test_deezer_and_plex_playlists_copied_with_their_looks(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        stack(database_url, tmp_path) as s,
        running_fakes() as (images, _http),
        running_deezer() as (deezer_url, deezer),
    ):
        images.files["deezer.png"] = (DEEZER_PICTURE, "image/png")
        deezer.playlists[DEEZER_ID] = DeezerPlaylist(
            "Bain moussant",
            from_catalog(MUSIC[:40]),
            description="Pour le bain",
            picture=f"{images.base_url}/files/deezer.png",
        )
        await enable_targets(s, DEEZER_API_URL=deezer_url)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        await make_plex_playlist(s)
        for argv in (
            ["bath", "--source-kind", "deezer", "--source",
             f"https://www.deezer.com/fr/playlist/{DEEZER_ID}", "--target", "plex",
             "--target", "jellyfin", "--mode", "append"],
            ["road", "--source-kind", "server", "--source", "plex:plex/Road Trip",
             "--target", "jellyfin"],
        ):  # fmt: skip
            made = await cmdarr("--json", "sync", "create", *argv, "--no", addresses=s.addresses)
            assert made.code == 0, made.err
        await run(s, "bath")
        await run(s, "road")

        written = playlists(s)
        assert sorted(written) == [(PLEX, "bath"), (JELLYFIN, "bath"), (JELLYFIN, "road")]
        for where in ((PLEX, "bath"), (JELLYFIN, "bath")):
            description, picture, items = written[where]
            assert description.startswith("Pour le bain\n\nSynced by cmdarr from Deezer on ")
            assert picture == DEEZER_PICTURE
            assert len(items) == 40
        description, picture, items = written[JELLYFIN, "road"]
        assert description.startswith("Songs for the A1\n\nSynced by cmdarr from Plex server plex")
        assert picture == PLEX_POSTER
        assert items == [s.jellyfin.jellyfin.state.item_id(t) for t in MUSIC[100:130]]

        # Warm: nothing changed, so neither server sees a playlist write or an image.
        s.plex.knobs.reset_counts()
        s.jellyfin.knobs.reset_counts()
        await run(s, "bath")
        await run(s, "road")
        assert s.plex.knobs.counts["playlist_write"] == 0
        assert s.jellyfin.knobs.counts["playlist_write"] == 0
        assert playlists(s) == written

        # Append mode: a track added by hand in Jellyfin survives the next sync.
        bath = next(p for p in s.jellyfin.jellyfin.state.playlists.values() if p.name == "bath")
        extra = s.jellyfin.jellyfin.state.item_id(MUSIC[500])
        async with httpx.AsyncClient(base_url=s.jellyfin.url) as http:
            client = JellyfinClient(http, token=s.jellyfin.token, settings=ClientSettings())
            await client.add_to_playlist(bath.playlist_id, [extra])
        await run(s, "bath")
        assert [item for _, item in bath.entries] == [*written[JELLYFIN, "bath"][2], extra]
