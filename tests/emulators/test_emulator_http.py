"""The emulators honour what the real servers do (docs/TARGETS.md), checked over raw HTTP."""

from __future__ import annotations

import httpx
import pytest

from emulators.server import Emulator
from tests.support.emulator_http import JF_AUTH

pytestmark = pytest.mark.timeout(60)

ALL = "/library/sections/1/all"


async def test_plex_pages_by_header_or_query_alike(plex_http: httpx.AsyncClient) -> None:
    by_query = await plex_http.get(
        ALL,
        params={"type": 10, "X-Plex-Container-Start": 10, "X-Plex-Container-Size": 5},
        headers={"Accept": "application/json"},
    )
    by_header = await plex_http.get(
        ALL,
        params={"type": 10},
        headers={
            "Accept": "application/json",
            "X-Plex-Container-Start": "10",
            "X-Plex-Container-Size": "5",
        },
    )
    assert by_query.json() == by_header.json()
    body = by_query.json()["MediaContainer"]
    assert (body["size"], body["offset"], body["totalSize"]) == (5, 10, 300)
    assert by_query.headers["X-Plex-Container-Total-Size"] == "300"


async def test_plex_title_filters_contain_and_equal(plex_http: httpx.AsyncClient) -> None:
    def titles(response: httpx.Response) -> set[str]:
        return {m["title"] for m in response.json()["MediaContainer"].get("Metadata", [])}

    json = {"Accept": "application/json"}
    contains = await plex_http.get(f"{ALL}?type=10&title=rhapsody", headers=json)
    assert len(titles(contains)) == 4
    equals_raw = await plex_http.get(f"{ALL}?type=10&title==Bohemian%20Rhapsody", headers=json)
    equals_plexapi = await plex_http.get(
        f"{ALL}?type=10&title%3D=Bohemian%20Rhapsody", headers=json
    )
    assert titles(equals_raw) == titles(equals_plexapi) == {"Bohemian Rhapsody"}
    assert (await plex_http.get(f"{ALL}?type=10&grandparentTitle=Queen")).status_code == 400
    assert (await plex_http.get(f"{ALL}?type=10&title%3E%3E=x")).status_code == 400
    assert (await plex_http.get(f"{ALL}?type=10&year%3D=1980")).status_code == 400
    after = await plex_http.get(f"{ALL}?type=10&updatedAt%3E%3E=4000000000", headers=json)
    assert titles(after) == set()


async def test_plex_title_search_folds_case_but_not_accents_or_punctuation(
    plex_http: httpx.AsyncClient, plex: Emulator
) -> None:
    def titles(response: httpx.Response) -> set[str]:
        return {m["title"] for m in response.json()["MediaContainer"].get("Metadata", [])}

    json = {"Accept": "application/json"}
    assert titles(await plex_http.get(f"{ALL}?type=10&title=J%C3%93GA", headers=json)) == {"Jóga"}
    assert titles(await plex_http.get(f"{ALL}?type=10&title=joga", headers=json)) == set()
    curly = await plex_http.get(f"{ALL}?type=10&title=don%E2%80%99t%20stop", headers=json)
    assert titles(curly) == {"Don\u2019t Stop Me Now"}
    straight = await plex_http.get(f"{ALL}?type=10&title=don't%20stop", headers=json)
    assert titles(straight) == set()
    plex.knobs.reset_counts()
    queen = await plex_http.get(f"{ALL}?type=10&artist.title=queen", headers=json)
    albums = {m["grandparentTitle"] for m in queen.json()["MediaContainer"]["Metadata"]}
    assert albums == {"Queen"}
    assert plex.knobs.counts["search"] == 1, "an artist listing counts as a search"


async def test_plex_guids_only_when_asked_in_listings(plex_http: httpx.AsyncClient) -> None:
    json = {"Accept": "application/json"}
    plain = (await plex_http.get(f"{ALL}?type=10", headers=json)).json()["MediaContainer"]
    guids = (await plex_http.get(f"{ALL}?type=10&includeGuids=1", headers=json)).json()
    assert not any("Guid" in m for m in plain["Metadata"])
    with_guids = [m for m in guids["MediaContainer"]["Metadata"] if "Guid" in m]
    assert with_guids
    assert all(g["id"].startswith("mbid://") for m in with_guids for g in m["Guid"])
    key = with_guids[0]["ratingKey"]
    detail = (await plex_http.get(f"/library/metadata/{key}", headers=json)).json()
    assert "Guid" in detail["MediaContainer"]["Metadata"][0]  # detail carries them anyway


async def test_plex_xml_is_the_default(plex_http: httpx.AsyncClient) -> None:
    response = await plex_http.get("/library/sections")
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith("<?xml")


async def test_plex_auth_by_header_or_query(plex: Emulator) -> None:
    async with httpx.AsyncClient(base_url=plex.url) as http:
        assert (await http.get("/library/sections")).status_code == 401
        assert (await http.get(f"/library/sections?X-Plex-Token={plex.token}")).status_code == 200
        assert (await http.get("/identity")).status_code == 200


async def test_plex_playlist_semantics(plex_http: httpx.AsyncClient, plex: Emulator) -> None:
    json = {"Accept": "application/json"}
    machine = plex.plex.state.machine_id
    uri = f"server://{machine}/com.plexapp.plugins.library/library/metadata/100001,100002"
    created = await plex_http.post(
        "/playlists", params={"type": "audio", "title": "T", "smart": 0, "uri": uri}, headers=json
    )
    playlist = created.json()["MediaContainer"]["Metadata"][0]
    assert playlist["leafCount"] == 2
    items_path = f"/playlists/{playlist['ratingKey']}/items"
    bad = uri.replace("100001,100002", "100003,999")
    added = (await plex_http.put(items_path, params={"uri": bad}, headers=json)).json()
    assert (
        added["MediaContainer"]["leafCountAdded"],
        added["MediaContainer"]["leafCountRequested"],
    ) == (1, 2)
    items = (await plex_http.get(items_path, headers=json)).json()["MediaContainer"]["Metadata"]
    assert [i["ratingKey"] for i in items] == ["100001", "100002", "100003"]
    assert all(str(i["playlistItemID"]) != i["ratingKey"] for i in items)
    removed = await plex_http.delete(f"{items_path}/{items[0]['playlistItemID']}")
    assert removed.status_code == 200
    assert (await plex_http.delete(f"{items_path}/100002")).status_code == 404  # an item id
    assert (await plex_http.delete(items_path)).status_code == 200
    cleared = (await plex_http.get(items_path, headers=json)).json()["MediaContainer"]
    assert cleared["totalSize"] == 0


async def test_urls_over_8k_get_414(
    plex_http: httpx.AsyncClient, jf_http: httpx.AsyncClient
) -> None:
    long = ",".join(str(100_000 + i) for i in range(1500))
    assert (await plex_http.get(f"/library/metadata/{long}")).status_code == 414
    assert (await jf_http.get("/Items", params={"Ids": long})).status_code == 414


async def test_jellyfin_paging_fields_and_case(jf_http: httpx.AsyncClient) -> None:
    views = (await jf_http.get("/UserViews")).json()["Items"]
    music = views[0]["Id"]
    base = {"IncludeItemTypes": "Audio", "Recursive": "true", "ParentId": music}
    page = (await jf_http.get("/Items", params={**base, "StartIndex": 10, "Limit": 5})).json()
    assert (len(page["Items"]), page["TotalRecordCount"], page["StartIndex"]) == (5, 300, 10)
    assert not any("ProviderIds" in i or "DateCreated" in i for i in page["Items"])
    lower = {k.lower(): v for k, v in base.items()}
    rich = (
        await jf_http.get("/items", params={**lower, "fields": "ProviderIds,DateCreated"})
    ).json()
    assert all("DateCreated" in i and "ProviderIds" in i for i in rich["Items"])
    assert rich["TotalRecordCount"] == 300
    # An unknown Fields value is dropped, not refused, as the real model binder does.
    odd = await jf_http.get("/Items", params={**base, "Fields": "NoSuchField,DateCreated"})
    assert odd.status_code == 200
    assert all("DateCreated" in i for i in odd.json()["Items"])
    everything = (
        await jf_http.get("/Items", params={"IncludeItemTypes": "Audio", "Recursive": "true"})
    ).json()
    assert everything["TotalRecordCount"] == 640  # without ParentId the audiobooks come too


async def test_jellyfin_auth_modes(jellyfin: Emulator) -> None:
    async with httpx.AsyncClient(base_url=jellyfin.url) as http:
        assert (await http.get("/System/Info/Public")).status_code == 200
        assert (await http.get("/UserViews")).status_code == 401
        legacy = [
            {"headers": {"X-Emby-Token": jellyfin.token}},
            {"headers": {"X-MediaBrowser-Token": jellyfin.token}},
            {"params": {"api_key": jellyfin.token}},
        ]
        for form in legacy:
            assert (await http.get("/UserViews", **form)).status_code == 401  # type: ignore[arg-type]
        header = {"Authorization": JF_AUTH.format(jellyfin.token)}
        assert (await http.get("/UserViews", headers=header)).status_code == 200
        jellyfin.knobs.legacy_auth = True
        for form in legacy:
            assert (await http.get("/UserViews", **form)).status_code == 200  # type: ignore[arg-type]
        login = await http.post(
            "/Users/AuthenticateByName", json={"Username": "emulator", "Pw": "emulator"}
        )
        token = login.json()["AccessToken"]
        jellyfin.knobs.legacy_auth = False
        fresh = {"Authorization": JF_AUTH.format(token)}
        assert (await http.get("/Users/Me", headers=fresh)).status_code == 200


async def test_jellyfin_playlist_semantics(jf_http: httpx.AsyncClient) -> None:
    views = (await jf_http.get("/UserViews")).json()["Items"]
    items = (
        await jf_http.get(
            "/Items",
            params={
                "IncludeItemTypes": "Audio",
                "Recursive": "true",
                "ParentId": views[0]["Id"],
                "Limit": 4,
            },
        )
    ).json()["Items"]
    ids = [i["Id"] for i in items]
    created = (
        await jf_http.post("/Playlists", json={"Name": "J", "Ids": ids[:2], "MediaType": "Audio"})
    ).json()
    pid = created["Id"]
    assert (
        await jf_http.post(f"/Playlists/{pid}/Items", params={"ids": ",".join(ids[2:])})
    ).status_code == 204
    entries = (await jf_http.get(f"/Playlists/{pid}/Items")).json()["Items"]
    assert [e["Id"] for e in entries] == ids
    # 10.10 on: the PlaylistItemId is the item's own id (LinkedChild.ItemId), and an item
    # already in the playlist is not added again.
    assert all(e["PlaylistItemId"] == e["Id"] for e in entries)
    assert (
        await jf_http.post(f"/Playlists/{pid}/Items", params={"ids": ids[0]})
    ).status_code == 204
    assert len((await jf_http.get(f"/Playlists/{pid}/Items")).json()["Items"]) == 4
    await jf_http.delete(
        f"/Playlists/{pid}/Items", params={"entryIds": entries[0]["PlaylistItemId"]}
    )
    assert len((await jf_http.get(f"/Playlists/{pid}/Items")).json()["Items"]) == 3
    assert (
        await jf_http.post(f"/Playlists/{pid}", json={"Ids": [ids[3], ids[1]]})
    ).status_code == 204
    after = (await jf_http.get(f"/Playlists/{pid}/Items")).json()["Items"]
    assert [e["Id"] for e in after] == [ids[3], ids[1]]
    assert (await jf_http.delete(f"/Items/{pid}")).status_code == 204


async def test_jellyfin_search_and_artist_filter(
    jf_http: httpx.AsyncClient, jellyfin: Emulator
) -> None:
    music = (await jf_http.get("/UserViews")).json()["Items"][0]["Id"]
    base = {"IncludeItemTypes": "Audio", "Recursive": "true", "ParentId": music}

    async def names(**params: str) -> set[str]:
        found = (await jf_http.get("/Items", params={**base, **params})).json()["Items"]
        return {i["Name"] for i in found}

    assert await names(searchTerm="JÓGA") == {"Jóga"}
    assert await names(searchTerm="joga") == set()
    assert await names(searchTerm="don't stop") == set()
    jellyfin.knobs.reset_counts()
    # Whole names, case ignored, track or album artist, pipe-delimited.
    assert await names(Artists="frank ocean|Nobody") == {"Slide"}
    assert await names(Artists="Frank") == set()
    assert jellyfin.knobs.counts["search"] == 2, "an artist listing counts as a search"


async def test_admin_counts_reset_and_faults(plex: Emulator, plex_http: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=plex.url) as admin:
        await plex_http.get("/library/sections")
        await plex_http.get(f"{ALL}?type=10")
        await plex_http.get(f"{ALL}?type=10&title=x")
        counts = (await admin.get("/__admin/counts")).json()
        assert (counts["library_listing"], counts["track_page"], counts["search"]) == (1, 1, 1)
        assert (await admin.post("/__admin/counts/reset")).json() == counts
        assert sum((await admin.get("/__admin/counts")).json().values()) == 0
        fault = {"kind": "rate_limit", "retry_after": 7, "endpoint": "library_listing"}
        assert (await admin.post("/__admin/faults", json=fault)).status_code == 200
        limited = await plex_http.get("/library/sections")
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
        assert (await plex_http.get("/library/sections")).status_code == 200  # one-shot
        await admin.post("/__admin/faults", json={"kind": "status", "status": 502, "count": 2})
        assert [(await plex_http.get("/library")).status_code for _ in range(3)] == [502, 502, 200]
        await admin.post("/__admin/faults", json={"kind": "revoke_token"})
        assert (await plex_http.get("/library")).status_code == 401
        assert (await plex_http.get("/library")).status_code == 401
        await admin.delete("/__admin/faults")
        assert (await plex_http.get("/library")).status_code == 200
        assert (await admin.post("/__admin/faults", json={"kind": "nope"})).status_code == 400
        knobs = (await admin.post("/__admin/knobs", json={"latency_ms": 1})).json()
        assert knobs["latency_ms"] == 1
        malformed = {"kind": "malformed", "endpoint": "track_page"}
        await admin.post("/__admin/faults", json=malformed)
        cut = await plex_http.get(f"{ALL}?type=10")
        assert cut.status_code == 200
        assert not cut.text.rstrip().endswith("</MediaContainer>")
