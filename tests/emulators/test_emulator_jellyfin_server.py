"""The Jellyfin emulator behaves as the real server where it matters to a client: sort
keys and ties, fields, the artist filter's writes, and what each version lacks."""

from __future__ import annotations

from typing import Any

import httpx

from emulators.jellyfin_order import order_terms, page_with_ties
from emulators.server import Emulator


def test_unknown_sort_keys_are_dropped_and_sort_name_is_followed_by_name() -> None:
    assert order_terms(["SortName", "Id"]) == ["sortname", "name"]
    assert order_terms(["Id"]) == ["sortname", "name"]
    assert order_terms(["Album", "DateCreated"]) == ["album", "datecreated"]
    assert order_terms([]) == ["sortname", "name"]


def test_ties_across_a_page_boundary_change_between_requests() -> None:
    ordered = list(range(10))
    keys = [(0,), (1,), (1,), (1,), (1,), (1,), (1,), (2,), (3,), (4,)]
    pages = {tuple(page_with_ties(ordered, keys, 0, 4, seed)) for seed in range(20)}
    assert len(pages) > 1  # the tie straddling the boundary is drawn anew
    assert all(page[0] == 0 for page in pages)
    assert page_with_ties(ordered, keys, 7, 10, 1) == [7, 8, 9]  # no tie: as sorted


async def _items(http: httpx.AsyncClient, **params: Any) -> httpx.Response:
    base = {"IncludeItemTypes": "Audio", "Recursive": "true"}
    return await http.get("/Items", params={**base, **params})


async def test_items_carry_no_save_date(jf_http: httpx.AsyncClient) -> None:
    page = (await _items(jf_http, Limit=3, Fields="DateLastSaved,DateCreated")).json()
    assert all("DateCreated" in i and "DateLastSaved" not in i for i in page["Items"])


async def test_artists_filter_creates_unknown_names_and_artists_reads_only(
    jellyfin: Emulator, jf_http: httpx.AsyncClient
) -> None:
    found = (await jf_http.get("/Artists", params={"searchTerm": "quee"})).json()
    queen = next(a for a in found["Items"] if a["Name"] == "Queen")
    by_id = (await _items(jf_http, ArtistIds=queen["Id"])).json()
    by_name = (await _items(jf_http, Artists="Queen")).json()
    assert by_id["TotalRecordCount"] == by_name["TotalRecordCount"] > 0
    assert jellyfin.knobs.side_effects == {}
    for _ in range(2):  # created once, then known
        assert (await _items(jf_http, Artists="Nobody Here")).json()["TotalRecordCount"] == 0
    assert jellyfin.knobs.side_effects == {"artists_created": 1}
    state = (await jf_http.get("/__admin/state")).json()
    assert state["side_effects"] == {"artists_created": 1}


async def test_each_version_answers_as_its_release_does(jf_http: httpx.AsyncClient) -> None:
    since = {"minDateLastSaved": "2020-01-01T00:00:00Z", "Limit": 1}
    assert (await jf_http.get("/System/Info/Public")).json()["Version"] == "10.11.11"
    assert (await _items(jf_http, **since)).json()["TotalRecordCount"] > 0
    await jf_http.post("/__admin/knobs", json={"jellyfin_version": "10.10.7"})
    assert (await _items(jf_http, **since)).status_code == 500
    await jf_http.post("/__admin/knobs", json={"jellyfin_version": "10.8.13"})
    assert (await _items(jf_http, **since)).json()["TotalRecordCount"] == 0
    assert (await jf_http.get("/UserViews")).status_code == 404
    assert (await jf_http.get("/System/Info/Public")).json()["Version"] == "10.8.13"
