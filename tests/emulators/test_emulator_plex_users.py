"""The Plex emulator scopes by token as the real server does for users given it through
plex.tv (docs/TARGETS.md, Users and households): a user sees the sections shared with them
and their own playlists only; the owner's token sees everything and the owner's playlists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators.plex import Viewer
from emulators.server import Emulator

pytestmark = pytest.mark.timeout(60)

BOB_TOKEN = "bob-token-for-this-server"
JSON = {"Accept": "application/json"}


@pytest.fixture
async def bob(plex: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A friend shared only section 1 ("Music")."""
    plex.plex.state.grant(BOB_TOKEN, Viewer("2002", "bob", frozenset({1})))
    headers = {"X-Plex-Token": BOB_TOKEN, **JSON}
    async with httpx.AsyncClient(base_url=plex.url, headers=headers) as http:
        yield http


def metadata(response: httpx.Response) -> list[dict[str, Any]]:
    return list(response.json()["MediaContainer"].get("Metadata", []))


def section_key(plex: Emulator, number: int) -> str:
    """A track's rating key in section ``number``."""
    return next(k for k, (s, _) in plex.plex.state.index.items() if s.number == number)


async def test_a_user_sees_the_shared_sections_only(
    plex: Emulator, plex_http: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    owners = await plex_http.get("/library/sections", headers=JSON)
    bobs = await bob.get("/library/sections")
    assert [d["title"] for d in owners.json()["MediaContainer"]["Directory"]] == [
        "Music",
        "Lossless",
        "Audiobooks",
    ]
    assert [d["title"] for d in bobs.json()["MediaContainer"]["Directory"]] == ["Music"]
    assert (await bob.get("/library/sections/1/all", params={"type": 10})).status_code == 200
    assert (await bob.get("/library/sections/2/all", params={"type": 10})).status_code == 404
    everything = metadata(await bob.get("/library/all", params={"type": 10}))
    assert {t["librarySectionID"] for t in everything} == {1}
    hidden = section_key(plex, 2)
    assert (await bob.get(f"/library/metadata/{hidden}")).status_code == 404
    assert (await plex_http.get(f"/library/metadata/{hidden}")).status_code == 200
    # The library root is the owner's alone (plexapi falls back to /library/sections/).
    assert (await bob.get("/library")).status_code == 403
    assert (await plex_http.get("/library")).status_code == 200
    fallback = await bob.get("/library/sections/")
    assert fallback.status_code == 200
    assert len(fallback.json()["MediaContainer"]["Directory"]) == 1


async def test_playlists_are_each_users_own(
    plex: Emulator, plex_http: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    machine = plex.plex.state.machine_id
    uri = f"server://{machine}/com.plexapp.plugins.library/library/metadata/{section_key(plex, 1)}"
    made = await bob.post("/playlists", params={"type": "audio", "title": "Bob's", "uri": uri})
    bobs_id = metadata(made)[0]["ratingKey"]
    owners = await plex_http.post(
        "/playlists", params={"type": "audio", "title": "Owner's", "uri": uri}, headers=JSON
    )
    owners_id = metadata(owners)[0]["ratingKey"]
    assert [p["title"] for p in metadata(await bob.get("/playlists"))] == ["Bob's"]
    listed = await plex_http.get("/playlists", headers=JSON)
    assert [p["title"] for p in metadata(listed)] == ["Owner's"]
    # Neither reaches the other's: not listed, not readable, not writable.
    assert (await plex_http.get(f"/playlists/{bobs_id}/items")).status_code == 404
    assert (await bob.get(f"/playlists/{owners_id}/items")).status_code == 404
    assert (await bob.delete(f"/playlists/{owners_id}")).status_code == 404
    assert (await bob.put(f"/playlists/{owners_id}/items", params={"uri": uri})).status_code == 404
    admin = (await plex_http.get("/__admin/playlists")).json()["playlists"]
    assert {(p["title"], p["owner"], p["owner_name"]) for p in admin} == {
        ("Bob's", "2002", "bob"),
        ("Owner's", "1", "owner"),
    }


async def test_an_item_of_an_unshared_section_is_not_added_and_is_counted(
    plex: Emulator, bob: httpx.AsyncClient
) -> None:
    machine = plex.plex.state.machine_id
    keys = f"{section_key(plex, 1)},{section_key(plex, 2)}"
    uri = f"server://{machine}/com.plexapp.plugins.library/library/metadata/{keys}"
    made = await bob.post("/playlists", params={"type": "audio", "title": "Mixed", "uri": uri})
    playlist = metadata(made)[0]
    assert playlist["leafCount"] == 1
    assert plex.knobs.side_effects == {"items_outside_user_libraries": 1}
    added = await bob.put(f"/playlists/{playlist['ratingKey']}/items", params={"uri": uri})
    body = added.json()["MediaContainer"]
    assert (body["leafCountAdded"], body["leafCountRequested"]) == (1, 2)
    assert plex.knobs.side_effects == {"items_outside_user_libraries": 2}


async def test_only_known_tokens_are_let_in(plex: Emulator) -> None:
    async with httpx.AsyncClient(base_url=plex.url) as http:
        stranger = await http.get("/library/sections", headers={"X-Plex-Token": "nobody"})
        by_query = await http.get("/library/sections", params={"X-Plex-Token": plex.token})
    assert stranger.status_code == 401
    assert by_query.status_code == 200
