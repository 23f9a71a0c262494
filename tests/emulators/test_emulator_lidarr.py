"""The emulated Lidarr answers as Lidarr's API v1 does (docs/TARGETS.md "Lidarr"): the
X-Api-Key check, lookups by release-group id and by free text, adding an album with its
artist and the monitoring that follows from addOptions, the validators' 400s, monitoring,
commands, and the injected faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators.lidarr_catalog import HARBOUR, MARROW, TINFOIL, demo_world
from emulators.server import Emulator, running_lidarr

WORLD = demo_world()
SALT_HYMNS = next(a for a in WORLD.albums if a.title == "Salt Hymns")
FERROUS = next(a for a in WORLD.albums if a.title == "Ferrous")
PAPER_COMETS = next(a for a in WORLD.albums if a.title == "Paper Comets")
BREAKWATER = next(a for a in WORLD.albums if a.artist == HARBOUR)


@pytest.fixture
async def lidarr() -> AsyncIterator[Emulator]:
    async with running_lidarr() as emulator:
        yield emulator


@pytest.fixture
async def api(lidarr: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Api-Key": lidarr.token}
    async with httpx.AsyncClient(base_url=lidarr.url, headers=headers) as http:
        yield http


async def lookup(api: httpx.AsyncClient, term: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/album/lookup", params={"term": term})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def new_artist_album(album: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The lookup's album as Lidarr's page posts it, its new artist given profiles, a root
    folder and ``options`` as addOptions."""
    artist = {
        **album["artist"],
        "qualityProfileId": 2,
        "metadataProfileId": 1,
        "rootFolderPath": "/music",
        "monitored": False,
        "monitorNewItems": "none",
        "addOptions": options,
    }
    return {**album, "monitored": True, "artist": artist, "addOptions": {}}


async def test_every_route_needs_the_api_key_and_a_refusal_has_no_body(lidarr: Emulator) -> None:
    async with httpx.AsyncClient(base_url=lidarr.url) as http:
        keyless = await http.get("/api/v1/system/status")
        wrong = await http.get("/api/v1/rootfolder", headers={"X-Api-Key": "nope"})
        by_query = await http.get("/api/v1/system/status", params={"apikey": lidarr.token})
        bearer = await http.get(
            "/api/v1/qualityprofile", headers={"Authorization": f"Bearer {lidarr.token}"}
        )
        upper = await http.get("/api/v1/RootFolder", headers={"X-Api-Key": lidarr.token})
    assert (keyless.status_code, keyless.content) == (401, b"")
    assert (wrong.status_code, wrong.content) == (401, b"")
    assert by_query.json()["appName"] == "Lidarr"
    assert [p["name"] for p in bearer.json()] == ["Any", "Lossless", "Standard"]
    assert upper.json()[0]["path"] == "/music", "routes ignore case"


async def test_lookup_by_release_group_id_and_by_free_text(api: httpx.AsyncClient) -> None:
    (new,) = await lookup(api, f"lidarr:{SALT_HYMNS.mbid}")
    assert (new["id"], new["foreignAlbumId"], new["monitored"]) == (0, SALT_HYMNS.mbid, False)
    assert new["artist"]["id"] == 0
    assert new["artist"]["foreignArtistId"] == MARROW.mbid
    assert new["artist"]["monitorNewItems"] == "all", "a new Artist's default"
    (held,) = await lookup(api, f"mbid:{PAPER_COMETS.mbid}")
    assert held["id"] > 0, "the album Lidarr has"
    assert held["monitored"] is False
    assert held["artist"]["id"] > 0
    assert held["artist"]["path"] == "/music/The Tinfoil Saints"
    assert await lookup(api, "lidarr:not-a-guid") == []
    assert await lookup(api, "lidarr:00000000-0000-0000-0000-000000000000") == []
    (salt,) = await lookup(api, "Marrow Lanterns Salt Hymns")
    assert salt["foreignAlbumId"] == SALT_HYMNS.mbid
    twins = await lookup(api, "The Tinfoil Saints Greatest Hits")
    assert sorted(t["disambiguation"] for t in twins) == ["1999 compilation", "2011 compilation"]
    assert await lookup(api, "Nobody Plays This Album") == []


async def test_an_album_added_with_its_new_artist_monitors_only_the_albums_named(
    api: httpx.AsyncClient, lidarr: Emulator
) -> None:
    (salt,) = await lookup(api, f"lidarr:{SALT_HYMNS.mbid}")
    body = new_artist_album(salt, monitor="none", albumsToMonitor=[SALT_HYMNS.mbid, FERROUS.mbid])
    added = await api.post("/api/v1/album", json=body)
    assert added.status_code == 201, added.text
    assert added.json()["id"] > 0
    assert added.json()["monitored"] is True
    state = lidarr.lidarr.ids()
    marrow = next(a for a in state["artists"] if a["name"] == MARROW.name)
    assert (marrow["monitored"], marrow["monitorNewItems"]) == (False, "none")
    monitored = {a["title"]: a["monitored"] for a in state["albums"] if a["artist"] == MARROW.name}
    assert monitored == {"Salt Hymns": True, "Lowland Static": False, "Ferrous": True}


async def test_monitor_none_without_albums_to_monitor_leaves_even_the_added_album_unmonitored(
    api: httpx.AsyncClient,
) -> None:
    (album,) = await lookup(api, f"lidarr:{BREAKWATER.mbid}")
    added = await api.post("/api/v1/album", json=new_artist_album(album, monitor="none"))
    assert added.status_code == 201
    assert added.json()["monitored"] is False, "AlbumMonitoredService: monitor none"


async def test_validation_failures_are_lidarrs(api: httpx.AsyncClient) -> None:
    (held,) = await lookup(api, f"lidarr:{PAPER_COMETS.mbid}")
    again = await api.post("/api/v1/album", json={**held, "monitored": True})
    assert again.status_code == 400
    assert again.json() == [
        {
            "propertyName": "ForeignAlbumId",
            "errorMessage": "This album has already been added.",
            "attemptedValue": PAPER_COMETS.mbid,
            "severity": "error",
            "errorCode": "AlbumExistsValidator",
        }
    ]
    (salt,) = await lookup(api, f"lidarr:{SALT_HYMNS.mbid}")
    bare = await api.post("/api/v1/album", json={**salt, "monitored": True})
    messages = {f["propertyName"]: f["errorMessage"] for f in bare.json()}
    assert messages == {
        "Artist.QualityProfileId": "'Quality Profile Id' must be greater than '0'.",
        "Artist.MetadataProfileId": "'Metadata Profile Id' must be greater than '0'.",
        "Artist.RootFolderPath": "Invalid Path: ''",
    }
    body = new_artist_album(salt)
    body["artist"] = {**body["artist"], "qualityProfileId": 99, "rootFolderPath": "/nowhere"}
    wrong = await api.post("/api/v1/album", json=body)
    assert {f["propertyName"]: f["errorMessage"] for f in wrong.json()} == {
        "Artist.QualityProfileId": "Quality Profile does not exist",
        "Artist.RootFolderPath": "Root folder '/nowhere' does not exist",
    }
    orphan = await api.post("/api/v1/album", json={"foreignAlbumId": SALT_HYMNS.mbid})
    assert [f["errorMessage"] for f in orphan.json()] == ["'Artist' must not be empty."]
    artist = await api.post("/api/v1/artist", json={**held["artist"]})
    assert "This artist has already been added." in [f["errorMessage"] for f in artist.json()]


async def test_monitoring_and_searching(api: httpx.AsyncClient, lidarr: Emulator) -> None:
    (held,) = await lookup(api, f"lidarr:{PAPER_COMETS.mbid}")
    monitored = await api.put(
        "/api/v1/album/monitor", json={"albumIds": [held["id"]], "monitored": True}
    )
    assert monitored.status_code == 202
    assert monitored.json()[0]["monitored"] is True
    started = await api.post(
        "/api/v1/command", json={"name": "albumsearch", "albumIds": [held["id"]]}
    )
    assert started.status_code == 201
    assert (started.json()["name"], started.json()["status"]) == ("AlbumSearch", "queued")
    unknown = await api.post("/api/v1/command", json={"name": "FetchEverything"})
    assert unknown.status_code == 500
    assert "message" in unknown.json()
    blank = await api.post("/api/v1/command", json={"name": " "})
    assert blank.status_code == 400
    delivered = lidarr.lidarr.mutate({"deliver": True})["delivered"]
    assert [d["title"] for d in delivered] == ["Paper Comets"]
    assert [t["title"] for t in delivered[0]["tracks"]] == [t.title for t in PAPER_COMETS.tracks]
    assert lidarr.lidarr.mutate({"deliver": True})["delivered"] == [], "delivered once"


async def test_injected_faults_and_counts(api: httpx.AsyncClient, lidarr: Emulator) -> None:
    faults = [
        {"kind": "status", "status": 500, "endpoint": "lookup"},
        {"kind": "status", "status": 404, "endpoint": "status"},
    ]
    assert (await api.post("/__admin/faults", json=faults)).status_code == 200
    assert (await api.get("/api/v1/album/lookup", params={"term": "x"})).status_code == 500
    assert (await api.get("/api/v1/album/lookup", params={"term": "x"})).status_code == 200
    assert (await api.get("/api/v1/system/status")).status_code == 404
    await api.post("/__admin/faults", json={"kind": "revoke_token"})
    assert (await api.get("/api/v1/rootfolder")).status_code == 401
    assert (await api.get("/api/v1/rootfolder")).status_code == 401, "revoked from then on"
    counts = (await api.get("/__admin/counts")).json()
    assert counts["lookup"] == 2
    assert counts["status"] == 1
    assert counts["listing"] == 2
    assert TINFOIL.name in {a["name"] for a in lidarr.lidarr.ids()["artists"]}
