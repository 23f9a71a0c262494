"""Playlist writes as the real servers take them: Jellyfin API keys, entries that share an
id, repeats, playlists that are not ours, and Plex's metadata-style edits (sources in
docs/TARGETS.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from common.targets import EndpointClass, JellyfinClient, TargetRejected
from emulators.jellyfin import JPlaylist
from emulators.plex import Playlist
from tests.support.target_clients import RecordingSleep, Target, fast_settings, target


async def some_ids(tgt: Target, count: int) -> list[str]:
    library = (await tgt.client.music_libraries()).chosen[0]
    return [t.item_id for t in (await tgt.client.list_tracks(library))[:count]]


@asynccontextmanager
async def with_api_key() -> AsyncIterator[tuple[Target, JellyfinClient]]:
    """The Jellyfin emulator, and a client on it whose token is an API key (no user in it),
    with the user named as JELLYFIN_USER_ID names it."""
    async with target("jellyfin") as tgt:
        client = JellyfinClient(
            tgt.http,
            token=tgt.emulator.api_key,
            user_id=tgt.emulator.jellyfin.state.user_id,
            settings=fast_settings(),
            sleep=RecordingSleep(),
        )
        yield tgt, client


def test_jellyfin_keeps_repeats_from_12_on() -> None:
    from common.targets.jellyfin_version import keeps_repeats, parse_version

    assert not keeps_repeats(parse_version("10.9.11"))
    assert not keeps_repeats(parse_version("10.11.11"))
    assert keeps_repeats(parse_version("12.0.0"))
    assert not keeps_repeats(parse_version(""))
    assert not keeps_repeats(parse_version("unstable"))


async def test_jellyfin_api_key_rewrites_and_renames_an_existing_playlist() -> None:
    async with with_api_key() as (tgt, client):
        ids = await some_ids(tgt, 6)
        created = await client.create_playlist("Keyed", ids[:4])
        tgt.reset_counts()
        client.counter.reset()
        await client.replace_playlist(created.playlist_id, [ids[5], ids[0], ids[4]])
        entries = await client.playlist_items(created.playlist_id)
        assert [e.item_id for e in entries] == [ids[5], ids[0], ids[4]]
        # Read the entries, remove them in one DELETE, add in one POST; then the check.
        assert client.counter.get(EndpointClass.PLAYLIST_WRITE) == 2
        assert client.counter.get(EndpointClass.PLAYLIST_READ) == 2
        assert tgt.server_counts()["playlist_write"] == 2

        client.counter.reset()
        await client.update_playlist(created.playlist_id, title="Renamed")
        assert [p.title for p in await client.playlists()] == ["Renamed"]
        # The playlist update is refused (400), then the item is read and written back.
        assert client.counter.get(EndpointClass.PLAYLIST_WRITE) == 2
        assert client.counter.get(EndpointClass.PLAYLIST_READ) == 2


async def test_jellyfin_user_token_renames_in_one_request() -> None:
    async with target("jellyfin") as tgt:
        created = await tgt.client.create_playlist("Old", await some_ids(tgt, 2))
        tgt.reset_counts()
        await tgt.client.update_playlist(created.playlist_id, title="New")
        assert [p.title for p in await tgt.client.playlists()] == ["New"]
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 1


async def test_jellyfin_refuses_the_update_and_the_move_to_an_api_key() -> None:
    """What the emulator answers as the server does (PlaylistsController.UpdatePlaylist and
    MoveItem take the user from the token alone)."""
    async with with_api_key() as (tgt, client):
        created = await client.create_playlist("Keyed", await some_ids(tgt, 3))
        path = f"/Playlists/{created.playlist_id}"
        headers = {"Authorization": f'MediaBrowser Token="{tgt.emulator.api_key}"'}
        update = await tgt.http.post(path, json={"Name": "x"}, headers=headers)
        assert (update.status_code, update.text) == (400, "Error processing request.")
        entries = await client.playlist_items(created.playlist_id)
        with pytest.raises(TargetRejected):
            await client.move_entry(created.playlist_id, entries[2].entry_id, 0, entries)


async def test_jellyfin_drops_an_item_already_in_the_playlist() -> None:
    async with target("jellyfin") as tgt:
        ids = await some_ids(tgt, 3)
        created = await tgt.client.create_playlist("Twice", [ids[0], ids[1], ids[0]])
        await tgt.client.add_to_playlist(created.playlist_id, [ids[1], ids[2], ids[2]])
        entries = await tgt.client.playlist_items(created.playlist_id)
        assert [e.item_id for e in entries] == ids
        assert not await tgt.client.keeps_repeats()  # the emulator is 10.11


@pytest.mark.parametrize("api_key", [False, True])
async def test_jellyfin_another_users_public_playlist_is_not_writable(api_key: bool) -> None:
    async with with_api_key() as (tgt, keyed):
        client = keyed if api_key else tgt.client
        ids = await some_ids(tgt, 2)
        ours = await client.create_playlist("Mine", ids)
        state = tgt.emulator.jellyfin.state
        theirs = JPlaylist("f" * 32, "Mine", "a" * 32, public=True, entries=[(ids[0], ids[0])])
        state.playlists[theirs.playlist_id] = theirs
        listed = {p.playlist_id: p for p in await client.playlists()}
        assert set(listed) == {ours.playlist_id, theirs.playlist_id}, "both are visible"
        client.counter.reset()
        assert await client.writable(listed[ours.playlist_id])
        assert not await client.writable(listed[theirs.playlist_id])
        # A user token asks the owner-only route once; an API key is refused there (400)
        # and asks with an empty add, which adds nothing.
        assert client.counter.get(EndpointClass.PLAYLIST_READ) == 2
        assert client.counter.get(EndpointClass.PLAYLIST_WRITE) == (2 if api_key else 0)
        assert theirs.entries == [(ids[0], ids[0])]
        assert len(state.playlists[ours.playlist_id].entries) == 2


@pytest.mark.parametrize("kind", ["plex-xml", "plex-json"])
async def test_plex_edits_title_and_summary_as_metadata(kind: str) -> None:
    async with target(kind) as tgt:
        created = await tgt.client.create_playlist("Old", await some_ids(tgt, 2), "About")
        listed = await tgt.client.playlists()
        assert [(p.title, p.summary) for p in listed] == [("Old", "About")]
        await tgt.client.update_playlist(created.playlist_id, title="New", summary="Changed")
        listed = await tgt.client.playlists()
        assert [(p.title, p.summary) for p in listed] == [("New", "Changed")]


@pytest.mark.parametrize("kind", ["plex-xml", "plex-json"])
async def test_plex_smart_playlists_are_listed_as_smart_and_not_writable(kind: str) -> None:
    async with target(kind) as tgt:
        ids = await some_ids(tgt, 2)
        state = tgt.emulator.plex.state
        smart = Playlist("9001", "Rules", entries=[(1, ids[0])], smart=True)
        state.playlists[smart.rating_key] = smart
        regular = await tgt.client.create_playlist("Plain", ids)
        listed = {p.playlist_id: p for p in await tgt.client.playlists()}
        assert listed[smart.rating_key].smart
        assert not listed[regular.playlist_id].smart
        assert not await tgt.client.writable(listed[smart.rating_key])
        assert await tgt.client.writable(listed[regular.playlist_id])


async def test_plex_repeats_dropped_by_the_server_are_not_a_partial_write() -> None:
    async with target("plex-xml") as tgt:
        tgt.emulator.knobs.plex_drops_repeats = True
        ids = await some_ids(tgt, 3)
        created = await tgt.client.create_playlist("Twice", ids[:2])
        await tgt.client.add_to_playlist(created.playlist_id, [ids[2], ids[2]])
        entries = await tgt.client.playlist_items(created.playlist_id)
        assert [e.item_id for e in entries] == ids
        assert not await tgt.client.keeps_repeats()


async def test_jellyfin_api_key_without_a_user_is_refused_on_playlists() -> None:
    async with target("jellyfin") as tgt:
        keyed = JellyfinClient(
            tgt.http, token=tgt.emulator.api_key, settings=fast_settings(), sleep=RecordingSleep()
        )
        with pytest.raises(TargetRejected):
            await keyed.user_id()  # /Users/Me: 400 for a token without a user
