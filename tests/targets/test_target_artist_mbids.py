"""Artist MBIDs from the targets: Jellyfin's MusicBrainzArtist and MusicBrainzAlbumArtist
provider ids (served by the emulator for the catalogue's extra part, read over loopback
HTTP), Plex Guid entries of the form mbid://artist/<uuid>, and on into the index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from common.matching import Query, TrackIndex, match_track
from common.targets import TargetClient, TargetLibrary
from common.targets.jellyfin_parse import artist_mbids_of
from common.targets.plex_parse import artist_mbids_from_guids
from emulators.catalog_extra import EXTRA_ALBUMS, artist_mbid
from emulators.library import generate
from tests.support.target_clients import (
    RecordingSleep,
    client_for,
    emulator_for,
    fast_settings,
)

pytestmark = pytest.mark.timeout(60)
A = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
B = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"


def test_jellyfin_artist_and_album_artist_ids() -> None:
    ids = {"MusicBrainzArtist": A.upper(), "MusicBrainzAlbumArtist": f"{B}/{A}"}
    assert artist_mbids_of({"ProviderIds": ids}) == (A, B)
    assert artist_mbids_of({"ProviderIds": {"MusicBrainzArtist": "not-an-id"}}) == ()
    assert artist_mbids_of({"ProviderIds": None}) == ()
    assert artist_mbids_of({}) == ()


def test_plex_artist_guids_are_not_recording_ids() -> None:
    guids = (f"mbid://{B}", f"mbid://artist/{A}", "plex://artist/5d07bbfc", "mbid://artist/x")
    assert artist_mbids_from_guids(guids) == (A,)
    assert artist_mbids_from_guids((f"mbid://recording/{B}",)) == ()


@asynccontextmanager
async def _jellyfin_with_extra() -> AsyncIterator[tuple[TargetClient, TargetLibrary]]:
    """A Jellyfin client on an emulated library with the catalogue's tagged extra part."""
    catalog = generate(seed=1, tracks=300, music_libraries=1, audiobooks=0, extra=True)
    async with (
        emulator_for("jellyfin", catalog=catalog) as emulator,
        httpx.AsyncClient(base_url=emulator.url) as http,
    ):
        client = client_for("jellyfin", emulator, http, fast_settings(), RecordingSleep())
        yield client, (await client.music_libraries()).chosen[0]


async def test_jellyfin_listing_carries_artist_mbids_into_matching() -> None:
    async with _jellyfin_with_extra() as (client, library):
        tracks = await client.list_tracks(library)
    stronger = next(t for t in tracks if t.title == "Stronger")
    assert stronger.artist_mbids == (artist_mbid("Kanye West"),)
    extra = sum(len(songs) for _, _, _, songs in EXTRA_ALBUMS)
    assert sum(1 for t in tracks if t.artist_mbids) == extra  # the generated part has none
    index = TrackIndex(t.indexed(library.title) for t in tracks)
    found = match_track(index, Query("Stronger", ("Ye",), artist_mbids=(artist_mbid("Ye"),)), 0.85)
    assert found.track is not None
    assert found.track.item_id == stronger.item_id
    assert match_track(index, Query("Stronger", ("Ye",)), 0.85).track is None


async def test_a_live_search_hit_carries_artist_mbids_into_matching_too() -> None:
    """The live fallback matches its search hits with the index's rules: the hits' artist
    MBIDs go along, as a listing's do."""
    async with _jellyfin_with_extra() as (client, library):
        hits = await client.search(library, "Stronger")
    indexed = [hit.indexed(library.title) for hit in hits]
    assert [t.artist_mbids for t in indexed if t.title == "Stronger"] == [
        (artist_mbid("Kanye West"),)
    ]
    assert all(t.library == library.title for t in indexed)
    found = match_track(
        TrackIndex(indexed), Query("Stronger", ("Ye",), artist_mbids=(artist_mbid("Ye"),)), 0.85
    )
    assert found.track is not None
    assert found.track.title == "Stronger"
