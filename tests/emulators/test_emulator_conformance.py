"""The real public client libraries, plexapi and jellyfin-apiclient-python, driven against
the emulators: if they work here, the emulators speak the servers' language. Both libraries
are synchronous, so they run in a worker thread while the emulator serves on the loop."""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import pytest
import requests
from jellyfin_apiclient_python import JellyfinClient as ApiClient
from plexapi.exceptions import BadRequest
from plexapi.server import PlexServer

from emulators.household import default_household
from emulators.server import Emulator, Household, running_household

pytestmark = pytest.mark.timeout(90)


def plexapi_session(plex: Emulator) -> dict[str, Any]:
    server = PlexServer(plex.url, plex.token, timeout=10)
    sections = server.library.sections()
    music = server.library.section("Music")
    tracks = music.searchTracks()
    found = music.searchTracks(title="Bohemian")
    exact = music.searchTracks(filters={"title==": "Bohemian Rhapsody"})
    chosen = tracks[:3]
    playlist = server.createPlaylist("Conformance", items=chosen)
    playlist.addItems(tracks[3:5])
    items = playlist.reload().items()
    hub = server.search("Halo", mediatype="track")
    playlists = server.playlists(playlistType="audio")
    playlist.removeItems([items[0]])
    after = playlist.reload().items()
    playlist.delete()
    return {
        "machine": server.machineIdentifier,
        "sections": [(s.title, s.type) for s in sections],
        "tracks": len(tracks),
        "found": sorted(t.title for t in found),
        "exact": sorted(t.title for t in exact),
        "first": (tracks[0].title, tracks[0].grandparentTitle, tracks[0].ratingKey),
        "playlist_title": playlist.title,
        "items": [i.ratingKey for i in items],
        "chosen": [t.ratingKey for t in tracks[:5]],
        "hub": sorted(t.title for t in hub),
        "playlists": [p.title for p in playlists],
        "after": [i.ratingKey for i in after],
    }


async def test_plexapi_connects_lists_searches_and_writes_playlists(plex: Emulator) -> None:
    result = await asyncio.to_thread(plexapi_session, plex)
    assert result["machine"] == plex.plex.state.machine_id
    assert result["sections"] == [
        ("Music", "artist"),
        ("Lossless", "artist"),
        ("Audiobooks", "artist"),
    ]
    assert result["tracks"] == 300
    assert result["found"] == [
        "Bohemian Rhapsody",
        "Bohemian Rhapsody",
        "Bohemian Rhapsody (Live at Wembley)",
        "Bohemian Rhapsody (Remix)",
        "Bohemian Rhapsody - Remastered 2011",
    ]
    assert result["exact"] == ["Bohemian Rhapsody", "Bohemian Rhapsody"]
    assert result["first"] == ("Ace of Spades", "Motörhead", 100001)
    assert result["items"] == result["chosen"]
    assert result["playlists"] == ["Conformance"]
    assert result["after"] == result["chosen"][1:]
    assert set(result["hub"]) == {"Halo"}
    counts = plex.knobs.counts
    assert counts["playlist_write"] >= 4
    assert counts["search"] >= 2


def jellyfin_session(jellyfin: Emulator) -> dict[str, Any]:
    client = ApiClient()
    client.config.app("cmdarr-tests", "0.1.0", "conformance", "conformance-device")
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(jellyfin.url)
    login = client.auth.login(jellyfin.url, "emulator", "emulator")
    api = client.jellyfin
    api.get_system_info()  # /System/Configuration, for legacy reasons
    info = api.get_system_info_new()
    views = api.get_views()["Items"]
    music = next(v for v in views if v["Name"] == "Music")
    tracks = api.get_user_items(
        parent_id=music["Id"],
        include_item_types="Audio",
        recursive=True,
        start_index=0,
        limit=50,
        fields="ProviderIds,DateCreated",
        sort_by="SortName,Id",
    )
    found = api.search_media_items(term="Rhapsody", media="Audio", parent_id=music["Id"])
    ids = [t["Id"] for t in tracks["Items"][:3]]
    created = api.new_playlist("Conformance", item_ids=ids, media_type="Audio")
    api.add_playlist_items(created["Id"], [t["Id"] for t in tracks["Items"][3:5]])
    entries = api.get_playlist_items(created["Id"])["Items"]
    api.remove_playlist_items(created["Id"], [entries[0]["PlaylistItemId"]])
    after = api.get_playlist_items(created["Id"])["Items"]
    playlists = api.get_playlists()["Items"]
    return {
        "login": bool(login),
        "server": info["Id"],
        "views": [(v["Name"], v.get("CollectionType")) for v in views],
        "total": tracks["TotalRecordCount"],
        "page": len(tracks["Items"]),
        "provider_ids": sum("ProviderIds" in t for t in tracks["Items"]),
        "found": sorted(t["Name"] for t in found["Items"]),
        "entries": [e["Id"] for e in entries],
        "expected": [t["Id"] for t in tracks["Items"][:5]],
        "after": [e["Id"] for e in after],
        "playlists": [p["Name"] for p in playlists],
    }


async def test_jellyfin_apiclient_connects_lists_searches_and_writes_playlists(
    jellyfin: Emulator,
) -> None:
    result = await asyncio.to_thread(jellyfin_session, jellyfin)
    assert result["login"]
    assert result["server"] == jellyfin.jellyfin.state.server_id
    assert [name for name, _ in result["views"]] == ["Music", "Lossless", "Audiobooks"]
    assert (result["total"], result["page"], result["provider_ids"]) == (300, 50, 50)
    assert len(result["found"]) == 5
    assert all("Rhapsody" in n for n in result["found"])
    assert result["entries"] == result["expected"]
    assert result["after"] == result["expected"][1:]
    assert result["playlists"] == ["Conformance"]
    counts = jellyfin.knobs.counts
    assert counts["playlist_write"] == 3
    assert counts["search"] == 1


class PlexTvSession(requests.Session):
    """plexapi names https://plex.tv in its code: its requests go to the emulated plex.tv
    instead, the one change made to it (the product reads plex.tv's URL from a setting)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith("https://plex.tv"):
            text = self.base + text.removeprefix("https://plex.tv")
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, text, *args, **kwargs)


def plexapi_household_session(home: Household) -> dict[str, Any]:
    session = PlexTvSession(home.tv.url)
    plex = home.plex["plex"]
    server = PlexServer(plex.url, plex.token, session=session, timeout=10)
    account = server.myPlexAccount()
    users = {u.title: u for u in account.users()}
    # A friend, as plexapi's switchUser does it: the token from shared_servers.
    bob = server.switchUser("bob")
    bob_tracks = bob.library.section("Music").searchTracks(maxresults=3)
    bob.createPlaylist("Bob's mix", items=bob_tracks)
    # A protected Home user, as switchHomeUser does it: the PIN, then the resources.
    try:
        account.switchHomeUser("kid")
        refused = ""
    except BadRequest as exc:
        refused = str(exc)
    kid_account = account.switchHomeUser("kid", pin="1234")
    kid = kid_account.resource("plex").connect(timeout=10)
    return {
        "owner": account.title,
        "users": sorted((t, u.home, sorted(s.name for s in u.servers)) for t, u in users.items()),
        "bob_token": users["bob"].get_token(server.machineIdentifier),
        "bob_sections": [s.title for s in bob.library.sections()],
        "bob_playlists": [p.title for p in bob.playlists()],
        "owner_playlists": [p.title for p in server.playlists()],
        "refused": refused,
        "kid": kid_account.title,
        "kid_sections": [s.title for s in kid.library.sections()],
        "kid_token": kid._token,
    }


async def test_plexapi_lists_switches_and_writes_as_users_through_the_emulated_plex_tv() -> None:
    async with running_household(default_household(tracks=300)) as home:
        result = await asyncio.to_thread(plexapi_household_session, home)
        assert result["owner"] == "owner"
        assert result["users"] == [
            ("alice", True, ["cabin", "plex"]),
            ("bob", False, ["plex"]),
            ("kid", True, ["plex"]),
        ]
        assert result["bob_token"] == home.plex_token("plex", "bob")
        assert result["bob_sections"] == ["Music"]
        assert result["bob_playlists"] == ["Bob's mix"]
        assert result["owner_playlists"] == []
        assert "(403)" in result["refused"]
        assert "1041" in result["refused"]
        assert result["kid"] == "kid"
        assert result["kid_sections"] == ["Music"]
        assert result["kid_token"] == home.plex_token("plex", "kid")
        owners = {p["owner_name"] for p in home.plex["plex"].plex.playlists_by_user()["playlists"]}
        assert owners == {"bob"}
        assert home.plex["plex"].knobs.side_effects == {}
        # Every plex.tv request plexapi sent was served: two account loads (the owner's,
        # then kid's), four user listings (one per look-up by name), two token look-ups,
        # two switches (refused, then with the PIN) and kid's resources.
        assert home.tv.knobs.counts == {
            "account": 2,
            "users": 4,
            "shared_servers": 2,
            "switch": 2,
            "resources": 1,
            "other": 0,
        }


def jellyfin_user_session(url: str, name: str) -> dict[str, Any]:
    client = ApiClient()
    client.config.app("cmdarr-tests", "0.1.0", "conformance", "conformance-device")
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(url)
    client.auth.login(url, name, name)
    api = client.jellyfin
    return {
        "me": api.get_user()["Name"],
        "users": sorted(u["Name"] for u in api.get_users()),
        "views": [v["Name"] for v in api.get_views()["Items"]],
        "playlist": api.new_playlist("Mine", media_type="Audio", is_public=False)["Id"],
    }


async def test_jellyfin_apiclient_logs_in_as_a_user_and_sees_their_libraries() -> None:
    async with running_household(default_household(tracks=300)) as home:
        jellyfin = home.jellyfin["jellyfin"]
        result = await asyncio.to_thread(jellyfin_user_session, jellyfin.url, "carol")
        assert result["me"] == "carol"
        assert result["users"] == ["carol", "dave", "emulator"]
        assert result["views"] == ["Music"]
        playlist = jellyfin.jellyfin.state.playlists[result["playlist"]]
        carol = home.jellyfin_user("jellyfin", "carol")
        assert (playlist.user_id, playlist.public) == (carol.user_id, False)


def plexapi_poster(plex: Emulator, image: bytes) -> dict[str, Any]:
    """python-plexapi uploads a playlist's poster from a file-like object and lists it."""
    server = PlexServer(plex.url, plex.token, timeout=10)
    tracks = server.library.section("Music").searchTracks()[:2]
    playlist = server.createPlaylist("Covered", items=tracks)
    playlist.uploadPoster(filepath=io.BytesIO(image))
    posters = playlist.posters()
    return {
        "rating_keys": [p.ratingKey for p in posters],
        "selected": [p.selected for p in posters],
        "id": str(playlist.ratingKey),
    }


async def test_plexapi_uploads_a_playlist_poster(plex: Emulator) -> None:
    image = b"\x89PNG\r\n\x1a\n" + bytes(40)
    result = await asyncio.to_thread(plexapi_poster, plex, image)
    digest = hashlib.sha1(image, usedforsecurity=False).hexdigest()
    assert result["rating_keys"] == [f"upload://posters/{digest}"]
    assert result["selected"] == [True]
    held = plex.plex.state.playlists[result["id"]]
    assert held.poster == image
