"""A household of emulators: several servers with distinct libraries, an emulated plex.tv
that lists the Plex owner's Home users and friends and hands out their tokens, and
Jellyfin users, each seeing their own libraries (docs/TARGETS.md, Users and households)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from emulators.household import (
    HouseholdSpec,
    JellyfinServerSpec,
    PlexPerson,
    PlexServerSpec,
    default_household,
)
from emulators.server import Household, jellyfin_token, running_household
from tests.support.emulator_http import JF_AUTH

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def home() -> AsyncIterator[Household]:
    async with running_household(default_household(tracks=300)) as household:
        yield household


async def tv_get(home: Household, path: str, token: str = "") -> httpx.Response:
    headers = {"X-Plex-Token": token or home.tv.token}
    async with httpx.AsyncClient(base_url=home.tv.url, headers=headers) as http:
        return await http.get(path)


def xml(response: httpx.Response) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    return ElementTree.fromstring(response.content)


async def test_servers_are_distinct_and_the_cabin_holds_a_copy_of_part_of_plex(
    home: Household,
) -> None:
    assert sorted(home.plex) == ["cabin", "plex"]
    assert sorted(home.jellyfin) == ["jellyfin"]
    urls = [url for _, _, url in home.servers()]
    assert len(set(urls)) == len(urls) == 4
    plex, cabin = home.plex["plex"].plex.state, home.plex["cabin"].plex.state
    assert plex.machine_id != cabin.machine_id
    assert (plex.name, cabin.name) == ("plex", "cabin")
    copied = plex.catalog.sections[0].tracks[:100]
    cabin_music = cabin.catalog.sections[0].tracks
    assert [(t.title, t.album_artist, t.mbid) for t in cabin_music[:100]] == [
        (t.title, t.album_artist, t.mbid) for t in copied
    ]
    # The same recordings under other keys, none of them clashing with the cabin's own.
    assert {t.seq for t in cabin_music[:100]}.isdisjoint({t.seq for t in copied})
    keys = [t.seq for t in cabin.catalog.all_tracks()]
    assert len(keys) == len(set(keys))
    assert len(cabin.catalog.all_tracks()) < len(plex.catalog.all_tracks())
    jellyfin = home.jellyfin["jellyfin"].jellyfin.state
    # Distinct seeds: only the fixed hard cases (emulators/library.py) are common.
    songs = {(t.title, t.album) for t in jellyfin.catalog.all_tracks()}
    common = songs & {(t.title, t.album) for t in plex.catalog.all_tracks()}
    assert 0 < len(common) < len(songs) // 4
    async with httpx.AsyncClient() as http:
        names = {
            name: (await http.get(f"{url}/", headers={"X-Plex-Token": home.tv.token}))
            for kind, name, url in home.servers()
            if kind == "plex"
        }
    assert all(name in response.text for name, response in names.items())


async def test_plex_tv_lists_home_users_and_friends_with_their_servers(home: Household) -> None:
    users = {u.get("title", ""): u for u in xml(await tv_get(home, "/api/users/"))}
    assert sorted(users) == ["alice", "bob", "kid"]
    assert [users[n].get("home") for n in ("alice", "bob", "kid")] == ["1", "0", "1"]
    assert (users["kid"].get("username"), users["kid"].get("protected")) == ("", "1")
    servers = {n: sorted(s.get("name") or "" for s in u) for n, u in users.items()}
    assert servers == {"alice": ["cabin", "plex"], "bob": ["plex"], "kid": ["plex"]}
    assert home.tv.knobs.counts["users"] == 1


async def test_shared_servers_carry_each_users_token_and_sections(home: Household) -> None:
    plex = home.plex["plex"]
    machine = plex.plex.state.machine_id
    shared = xml(await tv_get(home, f"/api/servers/{machine}/shared_servers"))
    by_user = {s.get("username", ""): s for s in shared}
    assert sorted(by_user) == ["alice", "bob", "kid"]
    assert by_user["bob"].get("accessToken") == home.plex_token("plex", "bob")
    sections = {
        name: sorted(x.get("title") or "" for x in s if x.get("shared") == "1")
        for name, s in by_user.items()
    }
    assert sections == {
        "alice": ["Audiobooks", "Lossless", "Music"],
        "bob": ["Music"],
        "kid": ["Music"],
    }
    cabin = home.plex["cabin"].plex.state.machine_id
    on_cabin = xml(await tv_get(home, f"/api/servers/{cabin}/shared_servers"))
    assert [s.get("username") for s in on_cabin] == ["alice"]
    # Only the owner learns the tokens.
    alice = next(a for a in home.tv.plex_tv.state.accounts.values() if a.title == "alice")
    refused = await tv_get(home, f"/api/servers/{machine}/shared_servers", token=alice.token)
    assert refused.status_code == 401
    assert home.tv.knobs.counts["shared_servers"] == 3
    # A user's token is taken by their server and scoped there.
    headers = {
        "X-Plex-Token": by_user["bob"].get("accessToken") or "",
        "Accept": "application/json",
    }
    async with httpx.AsyncClient(base_url=plex.url, headers=headers) as http:
        listed = (await http.get("/library/sections")).json()["MediaContainer"]["Directory"]
    assert [d["title"] for d in listed] == ["Music"]


async def test_switching_to_a_protected_home_user_needs_the_pin(home: Household) -> None:
    accounts = {a.title: a for a in home.tv.plex_tv.state.accounts.values()}
    owner = {"X-Plex-Token": home.tv.token}
    async with httpx.AsyncClient(base_url=home.tv.url, headers=owner) as http:
        kid = accounts["kid"]
        refused = await http.post(f"/api/home/users/{kid.account_id}/switch")
        wrong = await http.post(f"/api/home/users/{kid.account_id}/switch", params={"pin": "0"})
        right = await http.post(f"/api/home/users/{kid.account_id}/switch", params={"pin": "1234"})
        v2 = await http.post(f"/api/v2/home/users/{kid.uuid}/switch", params={"pin": "1234"})
        friend = await http.post(f"/api/home/users/{accounts['bob'].account_id}/switch")
    assert refused.status_code == wrong.status_code == 403
    assert refused.json()["errors"][0]["code"] == 1041
    assert xml(right).get("authenticationToken") == kid.token
    assert xml(v2).get("authToken") == kid.token
    assert friend.status_code == 404  # a friend is no Home user
    resources = xml(await tv_get(home, "/api/v2/resources", token=kid.token))
    assert [(r.get("name"), r.get("owned")) for r in resources] == [("plex", "0")]
    assert resources[0].get("accessToken") == home.plex_token("plex", "kid")
    assert home.tv.knobs.counts["switch"] == 5


async def test_jellyfin_users_see_their_own_libraries(home: Household) -> None:
    jellyfin = home.jellyfin["jellyfin"]
    carol = home.jellyfin_user("jellyfin", "carol")
    headers = {"Authorization": JF_AUTH.format(jellyfin_token("jellyfin", "carol"))}
    async with httpx.AsyncClient(base_url=jellyfin.url, headers=headers) as http:
        views = (await http.get("/UserViews")).json()["Items"]
        me = (await http.get("/Users/Me")).json()
        admin = (await http.get("/__admin/users")).json()
    assert [v["Name"] for v in views] == ["Music"]
    assert me["Id"] == carol.user_id
    libraries: dict[str, Any] = {u["name"]: u["libraries"] for u in admin["users"]}
    assert libraries["carol"] == ["Music"]
    assert libraries["dave"] == ["Music", "Lossless", "Audiobooks"]


def test_a_household_refuses_what_it_cannot_serve() -> None:
    plex = (PlexServerSpec("plex", seed=1),)
    with pytest.raises(ValueError, match="eve: no server named nowhere"):
        HouseholdSpec(plex=plex, plex_people=(PlexPerson(9, "eve", servers=(("nowhere", None),)),))
    with pytest.raises(ValueError, match="server names must be unique"):
        HouseholdSpec(plex=plex, jellyfin=(JellyfinServerSpec("plex", seed=2),))
    with pytest.raises(ValueError, match="copy_of names no other Plex server"):
        HouseholdSpec(plex=(PlexServerSpec("cabin", seed=2, copy_of="cabin"),))
