"""The Jellyfin client's reads against an emulator that behaves as the real server does
where the client once assumed otherwise: no save date on items, no Id sort key, an
artist-name filter that writes, and versions without the endpoints the client uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from common.targets import (
    EndpointClass,
    JellyfinClient,
    TargetLibrary,
    TargetUnsupportedVersion,
)
from emulators.knobs import Knobs
from emulators.library import Catalog, generate
from emulators.tracklist import TrackList
from tests.support.target_clients import (
    RecordingSleep,
    Target,
    client_for,
    emulator_for,
    fast_settings,
    target,
)

pytestmark = pytest.mark.timeout(60)


@asynccontextmanager
async def jellyfin(
    catalog: Catalog | None = None, knobs: Knobs | None = None
) -> AsyncIterator[Target]:
    if catalog is None:
        async with target("jellyfin", knobs=knobs) as tgt:
            yield tgt
        return
    async with (
        emulator_for("jellyfin", catalog=catalog, knobs=knobs) as emulator,
        httpx.AsyncClient(base_url=emulator.url) as http,
    ):
        sleep = RecordingSleep()
        client = client_for("jellyfin", emulator, http, fast_settings(), sleep)
        yield Target("jellyfin", emulator, client, http, sleep)


async def first_music(tgt: Target) -> TargetLibrary:
    return (await tgt.client.music_libraries()).chosen[0]


def after_last_save(tgt: Target) -> int:
    catalog: Catalog = tgt.emulator.app.state.catalog
    return max(t.updated_at for t in catalog.all_tracks()) + 1


async def admin(tgt: Target, method: str, path: str, body: object = None) -> dict[str, object]:
    response = await tgt.http.request(method, f"/__admin/{path}", json=body)
    assert response.status_code == 200
    data: dict[str, object] = response.json()
    return data


# -- 1. an edit shows only through the server's minDateLastSaved filter ----------------


async def test_an_incremental_refresh_finds_a_retagged_old_track() -> None:
    async with jellyfin() as tgt:
        library = await first_music(tgt)
        tracks = await tgt.client.list_tracks(library)
        since = after_last_save(tgt)
        old = tracks[7]
        assert old.added_at < since  # added long before: only its save date is new
        await admin(tgt, "POST", "library", {"touch": [old.item_id]})
        tgt.reset_counts()
        changes = await tgt.client.changes_since(library, since, {t.item_id for t in tracks})
        assert [t.item_id for t in changes.changed] == [old.item_id]
        assert changes.deleted_ids == frozenset()
        # One filtered listing and one id sweep page; the version was read with the views.
        assert tgt.server_counts()["track_page"] == 2
        assert tgt.server_counts()["other"] == 0


async def test_before_10_11_a_refresh_lists_everything_instead_of_a_failing_filter() -> None:
    async with jellyfin(knobs=Knobs(jellyfin_version="10.10.7")) as tgt:
        library = await first_music(tgt)
        tracks = await tgt.client.list_tracks(library)
        since = after_last_save(tgt)
        gone = tracks[3].item_id
        await admin(tgt, "POST", "library", {"touch": [tracks[7].item_id], "delete": [gone]})
        tgt.reset_counts()
        changes = await tgt.client.changes_since(library, since, {t.item_id for t in tracks})
        assert {t.item_id for t in changes.changed} == {t.item_id for t in tracks} - {gone}
        assert changes.deleted_ids == frozenset({gone})
        # 299 tracks in pages of 100, and no id sweep: the full listing shows the deletion.
        assert tgt.server_counts()["track_page"] == 3


# -- 2. no sort key the server takes is a total order -----------------------------------


def same_names(seed: int, *, same_album: bool) -> Catalog:
    """One library of 600 tracks all called "Intro", track 1 of disc 1: equal SortName and
    Name everywhere; with ``same_album``, equal album and creation date too."""
    catalog = generate(seed=seed, tracks=600, music_libraries=1, audiobooks=0)
    section = catalog.sections[0]
    section.tracks = TrackList(
        replace(t, title="Intro", track_no=1, disc_no=1, album="Same", added_at=1_600_000_000)
        if same_album
        else replace(t, title="Intro", track_no=1, disc_no=1)
        for t in section.tracks
    )
    return catalog


async def test_a_listing_of_equal_sort_names_holds_every_track_once() -> None:
    async with jellyfin(same_names(5, same_album=False)) as tgt:
        library = await first_music(tgt)
        tgt.reset_counts()
        tracks = await tgt.client.list_tracks(library)
        assert len(tracks) == len({t.item_id for t in tracks}) == 600
        assert {t.item_id for t in tracks} == set(tgt.emulator.app.state.index)
        assert tgt.server_counts()["track_page"] == 6  # the album and date part the ties


async def test_ties_on_every_key_fall_back_to_one_request() -> None:
    async with jellyfin(same_names(6, same_album=True)) as tgt:
        library = await first_music(tgt)
        tgt.reset_counts()
        tracks = await tgt.client.list_tracks(library)
        assert len(tracks) == len({t.item_id for t in tracks}) == 600
        # Six overlapping pages, then the whole listing in one request.
        assert tgt.server_counts()["track_page"] == 7
        tgt.reset_counts()
        assert await tgt.client.track_ids(library) == {t.item_id for t in tracks}


# -- 3. the live search's artist listing writes nothing ---------------------------------


async def test_an_artist_listing_creates_no_artist_on_the_server() -> None:
    async with jellyfin() as tgt:
        library = await first_music(tgt)
        tgt.reset_counts()
        assert await tgt.client.artist_tracks(library, "Nobody Of This Name") == []
        queen = await tgt.client.artist_tracks(library, "queen")
        assert queen
        assert all("Queen" in (t.album_artist, *t.artists) for t in queen)
        state = await admin(tgt, "GET", "state")
        assert state["side_effects"] == {}
        # The unknown name: one artist search; Queen: the search, then the listing.
        assert tgt.client.counter.get(EndpointClass.SEARCH) == 3
        assert tgt.server_counts()["search"] == 3


# -- 4. the oldest supported version -----------------------------------------------------


@pytest.mark.parametrize("version", ["10.8.13", "10.7.7"])
async def test_an_old_server_is_named_when_connecting(version: str) -> None:
    async with jellyfin(knobs=Knobs(jellyfin_version=version)) as tgt:
        assert isinstance(tgt.client, JellyfinClient)
        with pytest.raises(TargetUnsupportedVersion) as caught:
            await tgt.client.music_libraries()
        assert version in str(caught.value)
        assert "10.9.0" in str(caught.value)
        assert (caught.value.version, caught.value.minimum) == (version, "10.9.0")
        with pytest.raises(TargetUnsupportedVersion):
            await tgt.client.identify()


async def test_a_supported_server_is_checked_once_per_client() -> None:
    async with jellyfin(knobs=Knobs(jellyfin_version="10.9.11")) as tgt:
        await tgt.client.music_libraries()
        await tgt.client.music_libraries()
        assert tgt.server_counts()["other"] == 2  # /System/Info/Public and /Users/Me
        assert tgt.server_counts()["library_listing"] == 2
