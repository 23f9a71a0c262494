"""The Jellyfin emulator's users behave as jellyfin/jellyfin v10.11.11's (docs/TARGETS.md,
Users and households): library access by policy, who may name whom, and who owns and sees
a playlist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators.server import Emulator
from tests.support.emulator_http import JF_AUTH

pytestmark = pytest.mark.timeout(60)

CAROL_TOKEN = "carol-session"
DAVE_TOKEN = "dave-session"


@pytest.fixture
async def people(jellyfin: Emulator) -> dict[str, str]:
    """carol sees "Music" only, dave every library; neither is an administrator."""
    state = jellyfin.jellyfin.state
    carol = state.add_user("carol", "pw-carol", libraries=["Music"], token=CAROL_TOKEN)
    dave = state.add_user("dave", "pw-dave", token=DAVE_TOKEN)
    return {"carol": carol.user_id, "dave": dave.user_id}


def client(emulator: Emulator, token: str) -> httpx.AsyncClient:
    headers = {"Authorization": JF_AUTH.format(token)}
    return httpx.AsyncClient(base_url=emulator.url, headers=headers)


@pytest.fixture
async def carol(jellyfin: Emulator, people: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """carol's session (``people`` gave her the token)."""
    assert "carol" in people
    async with client(jellyfin, CAROL_TOKEN) as http:
        yield http


@pytest.fixture
async def api_key(jellyfin: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client(jellyfin, jellyfin.api_key) as http:
        yield http


def views(jellyfin: Emulator) -> dict[str, str]:
    state = jellyfin.jellyfin.state
    return {s.title: state.view_id(s) for s in state.catalog.sections}


async def titles_of_views(http: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await http.get("/UserViews", params=params)
    assert response.status_code == 200, response.text
    return [v["Name"] for v in response.json()["Items"]]


async def test_users_are_listed_with_their_library_access(
    jellyfin: Emulator, people: dict[str, str], carol: httpx.AsyncClient
) -> None:
    listed = (await carol.get("/Users")).json()  # any authenticated caller (GetUsers)
    assert [u["Name"] for u in listed] == ["carol", "dave", "emulator"]
    by_name = {u["Name"]: u["Policy"] for u in listed}
    assert by_name["carol"]["EnableAllFolders"] is False
    assert by_name["carol"]["EnabledFolders"] == [views(jellyfin)["Music"]]
    assert by_name["carol"]["IsAdministrator"] is False
    assert by_name["dave"]["EnableAllFolders"] is True
    assert by_name["emulator"]["IsAdministrator"] is True
    me = (await carol.get("/Users/Me")).json()
    assert me["Id"] == people["carol"]
    assert (await carol.get(f"/Users/{people['dave']}")).json()["Name"] == "dave"
    assert (await carol.get("/Users/0000")).status_code == 404


async def test_views_are_the_users_and_naming_another_takes_an_administrator(
    people: dict[str, str], carol: httpx.AsyncClient, api_key: httpx.AsyncClient
) -> None:
    assert await titles_of_views(carol) == ["Music"]
    assert await titles_of_views(api_key, userId=people["carol"]) == ["Music"]
    assert await titles_of_views(api_key, userId=people["dave"]) == [
        "Music",
        "Lossless",
        "Audiobooks",
    ]
    refused = await carol.get("/UserViews", params={"userId": people["dave"]})
    assert refused.status_code == 403
    legacy = await carol.get(f"/Users/{people['carol']}/Views")
    assert [v["Name"] for v in legacy.json()["Items"]] == ["Music"]
    assert (await api_key.get("/UserViews")).status_code == 400  # an API key has no user
    assert (await api_key.get("/UserViews", params={"userId": "f" * 32})).status_code == 404


async def test_items_are_those_of_the_users_libraries(
    jellyfin: Emulator, people: dict[str, str], carol: httpx.AsyncClient, api_key: httpx.AsyncClient
) -> None:
    audio = {"IncludeItemTypes": "Audio", "Recursive": "true"}
    state = jellyfin.jellyfin.state
    music = {state.item_id(t) for t in state.catalog.sections[0].tracks}
    mine = (await carol.get("/Items", params=audio)).json()
    assert {i["Id"] for i in mine["Items"]} == music
    named = (await api_key.get("/Items", params={**audio, "userId": people["carol"]})).json()
    assert {i["Id"] for i in named["Items"]} == music
    everything = (await api_key.get("/Items", params=audio)).json()
    assert everything["TotalRecordCount"] > len(music)
    lossless = views(jellyfin)["Lossless"]
    refused = await carol.get("/Items", params={**audio, "ParentId": lossless})
    assert refused.status_code == 401
    assert refused.text == "carol is not permitted to access Library Lossless."
    # "api keys can always access all folders": the parent restricts the listing instead.
    by_key = await api_key.get(
        "/Items", params={**audio, "ParentId": lossless, "userId": people["carol"]}
    )
    assert by_key.status_code == 200
    assert by_key.json()["TotalRecordCount"] == len(state.catalog.sections[1].tracks)


async def test_playlists_are_owned_public_by_default_and_private_when_asked(
    jellyfin: Emulator, people: dict[str, str], carol: httpx.AsyncClient, api_key: httpx.AsyncClient
) -> None:
    state = jellyfin.jellyfin.state
    track = state.item_id(state.catalog.sections[0].tracks[0])
    default = await carol.post("/Playlists", json={"Name": "Default", "Ids": [track]})
    private = await api_key.post(
        "/Playlists",
        json={"Name": "Private", "Ids": [track], "UserId": people["carol"], "IsPublic": False},
    )
    assert default.status_code == private.status_code == 200
    owned = {p.name: (p.user_id, p.public) for p in state.playlists.values()}
    assert owned == {"Default": (people["carol"], True), "Private": (people["carol"], False)}
    # Naming another owner takes an administrator or an API key.
    refused = await carol.post("/Playlists", json={"Name": "X", "UserId": people["dave"]})
    assert refused.status_code == 403
    async with client(jellyfin, DAVE_TOKEN) as dave:
        seen = await dave.get(
            "/Items", params={"IncludeItemTypes": "Playlist", "Recursive": "true"}
        )
        private_id = private.json()["Id"]
        hidden = await dave.get(f"/Playlists/{private_id}/Items")
    assert [p["Name"] for p in seen.json()["Items"]] == ["Default"]
    assert hidden.status_code == 404
    shared = await api_key.post(
        "/Playlists",
        json={
            "Name": "Shared",
            "UserId": people["carol"],
            "IsPublic": False,
            "Users": [{"UserId": people["dave"], "CanEdit": False}],
        },
    )
    async with client(jellyfin, DAVE_TOKEN) as dave:
        items = await dave.get(f"/Playlists/{shared.json()['Id']}/Items")
    assert items.status_code == 200


async def test_items_of_libraries_the_owner_cannot_see_are_stored_and_counted(
    jellyfin: Emulator, people: dict[str, str], api_key: httpx.AsyncClient
) -> None:
    state = jellyfin.jellyfin.state
    music = state.item_id(state.catalog.sections[0].tracks[0])
    lossless = state.item_id(state.catalog.sections[1].tracks[0])
    made = await api_key.post(
        "/Playlists",
        json={"Name": "Mixed", "Ids": [music, lossless], "UserId": people["carol"]},
    )
    listed = await api_key.get(
        f"/Playlists/{made.json()['Id']}/Items", params={"userId": people["carol"]}
    )
    assert [i["Id"] for i in listed.json()["Items"]] == [music, lossless]
    assert jellyfin.knobs.side_effects == {"items_outside_user_libraries": 1}
    admin = (await api_key.get("/__admin/playlists")).json()["playlists"]
    assert admin[0]["owner_name"] == "carol"
    assert admin[0]["outside_owner_libraries"] == [lossless]


async def test_each_user_logs_in_with_their_own_password(
    jellyfin: Emulator, people: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=jellyfin.url) as http:
        good = await http.post(
            "/Users/AuthenticateByName", json={"Username": "carol", "Pw": "pw-carol"}
        )
        bad = await http.post("/Users/AuthenticateByName", json={"Username": "carol", "Pw": "x"})
    assert good.json()["User"]["Id"] == people["carol"]
    assert bad.status_code == 401
