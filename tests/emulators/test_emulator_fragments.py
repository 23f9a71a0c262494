"""Listings joined from cached track fragments are the bytes a whole-tree render gives,
before and after library edits, for every option that changes a track."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from itertools import product
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse

from common.targets.plex import LISTING_EXCLUDED, SWEEP_EXCLUDED
from emulators.fragments import FragmentCache
from emulators.jellyfin import KNOWN_FIELDS, build_jellyfin, iso
from emulators.knobs import Knobs
from emulators.library import Catalog, Track, added_tracks, generate
from emulators.middleware import json_body
from emulators.plex_nodes import track_json, track_node, track_xml
from emulators.plex_render import Node, Value, _json, _xml, fragment
from emulators.server import Emulator

pytestmark = pytest.mark.timeout(60)

EXCLUDED = "key,guid,title,originalTitle,grandparentTitle"


def _plex_reference(plex: Emulator, start: int, size: int, params: dict[str, str]) -> bytes:
    """Section 1's page rendered as one tree, the way listings were built before fragments."""
    section = plex.plex.state.section("1")
    assert section is not None
    nodes = [
        track_node(section, t, guids=params.get("includeGuids") == "1")
        for t in section.tracks[start : start + size]
    ]
    excluded = {n for n in params.get("excludeFields", "").split(",") if n}
    for node in nodes:
        node.attrs = {k: v for k, v in node.attrs.items() if k not in excluded}
    attrs: dict[str, Value] = {
        "totalSize": len(section.tracks),
        "offset": start,
        "librarySectionID": section.number,
        "librarySectionTitle": section.title,
        "identifier": "com.plexapp.plugins.library",
        "viewGroup": "track",
    }
    root = Node("MediaContainer", {"size": len(nodes), **attrs}, children=list(nodes))
    if params.get("json") == "1":
        return json_body({"MediaContainer": _json(root, "Metadata")})
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _xml(root, out)
    return "".join(out).encode()


async def _check_plex(plex: Emulator, http: httpx.AsyncClient) -> None:
    options: list[dict[str, str]] = [
        {},
        {"includeGuids": "1"},
        {"includeGuids": "1", "excludeFields": EXCLUDED},
    ]
    for params in options:
        for as_json in (False, True):
            for start, size in ((0, 40), (20, 40), (290, 40)):
                query: dict[str, Any] = {
                    "type": 10,
                    **params,
                    "X-Plex-Container-Start": start,
                    "X-Plex-Container-Size": size,
                }
                headers = {"Accept": "application/json"} if as_json else {}
                for _ in range(2):  # rendered, then served from the cache
                    served = await http.get(
                        "/library/sections/1/all", params=query, headers=headers
                    )
                    expected = {**params, "json": "1" if as_json else "0"}
                    assert served.content == _plex_reference(plex, start, size, expected)


async def test_plex_fragments_match_a_full_render_across_edits(
    plex: Emulator, plex_http: httpx.AsyncClient
) -> None:
    await _check_plex(plex, plex_http)
    keys = (await plex_http.get("/__admin/library")).json()["sections"]["1"]["ids"]
    edit = {"touch": keys[21:23], "title": 'Renamed <&> "x"', "delete": keys[:2], "add": 3}
    assert (await plex_http.post("/__admin/library", json=edit)).status_code == 200
    await _check_plex(plex, plex_http)
    page = await plex_http.get(
        "/library/sections/1/all",
        params={"type": 10, "X-Plex-Container-Start": 19, "X-Plex-Container-Size": 2},
    )
    assert page.text.count('title="Renamed &lt;&amp;&gt; &quot;x&quot;"') == 2


async def _check_jellyfin(jellyfin: Emulator, http: httpx.AsyncClient) -> None:
    app = jellyfin.jellyfin
    view = app.state.view_id(app.state.catalog.sections[0])
    for fields in ("", "ProviderIds,DateCreated", "SortName,ParentId"):
        for start in (0, 150, 290):
            query = {
                "IncludeItemTypes": "Audio",
                "Recursive": "true",
                "ParentId": view,
                "Fields": fields,
                "StartIndex": str(start),
                "Limit": "40",
                "SortBy": "SortName,Album,DateCreated",
                "EnableImages": "false",
                "EnableUserData": "false",
            }
            for _ in range(2):  # rendered, then served from the cache
                served = await http.get("/Items", params=query)
                ids = [item["Id"] for item in served.json()["Items"]]
                total = len(app.state.catalog.sections[0].tracks)
                wanted = {f.lower() for f in fields.split(",") if f}
                items = [app.track_dto(app.state.index[i][1], wanted) for i in ids]
                body = {"Items": items, "TotalRecordCount": total, "StartIndex": start}
                assert served.content == JSONResponse(body).body


async def test_jellyfin_fragments_match_a_full_render_across_edits(
    jellyfin: Emulator, jf_http: httpx.AsyncClient
) -> None:
    await _check_jellyfin(jellyfin, jf_http)
    sections = (await jf_http.get("/__admin/library")).json()["sections"]
    ids = next(iter(sections.values()))["ids"]
    edit = {"touch": ids[5:7], "title": 'Renamed "\u00e9"', "delete": ids[:2], "add": 3}
    assert (await jf_http.post("/__admin/library", json=edit)).status_code == 200
    await _check_jellyfin(jellyfin, jf_http)
    item = (await jf_http.get(f"/Items?Ids={ids[5]}")).json()["Items"][0]
    assert item["Name"] == 'Renamed "\u00e9"'


def _catalog_with_every_kind_of_track() -> Catalog:
    """The hard cases, the extra part (artist MBIDs), audiobooks and scanned-in tracks."""
    catalog = generate(seed=3, tracks=800, extra=True)
    catalog.sections[0].tracks += added_tracks(catalog, 4, 1_700_000_000)
    odd = replace(catalog.sections[0].tracks[0], title='a "b" <c> & d\n\u00e9\\', credit="x & y")
    catalog.sections[0].tracks.append(replace(odd, seq=10_000_000))
    return catalog


# None; what a library listing leaves out; all but ratingKey and type (an id sweep); all.
_EXCLUSIONS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(LISTING_EXCLUDED.split(",")),
    frozenset(SWEEP_EXCLUDED.split(",")),
    frozenset(SWEEP_EXCLUDED.split(",")) | {"ratingKey", "type"},
)


def test_plex_track_writers_match_the_node_render() -> None:
    catalog = _catalog_with_every_kind_of_track()
    for section in catalog.sections:
        for track in section.tracks:
            for guids, excluded in product((False, True), _EXCLUSIONS):
                node = track_node(section, track, guids=guids)
                node.attrs = {k: v for k, v in node.attrs.items() if k not in excluded}
                xml = track_xml(section, track, guids=guids, excluded=excluded)
                assert xml == fragment(node, as_json=False)
                json = track_json(section, track, guids=guids, excluded=excluded)
                assert json == fragment(node, as_json=True)


def test_jellyfin_track_writer_matches_the_dto() -> None:
    catalog = _catalog_with_every_kind_of_track()
    _, app = build_jellyfin(catalog, Knobs(), "token", asyncio.Event())
    options = [set(), {"providerids", "datecreated"}, set(KNOWN_FIELDS)]
    for track in catalog.all_tracks():
        for fields in options:
            dto = JSONResponse(app.track_dto(track, fields)).body
            assert app.track_json(track, fields) == dto
            # Served from the shared base part, cached by the first option set that asked.
            assert app._track_fragment(fields, track) == dto


def test_iso_dates_are_what_datetime_writes() -> None:
    for epoch in (0, 951_782_400, 1_577_836_800, 1_700_000_000, 4_102_444_799, 32_503_680_000):
        expected = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        assert iso(epoch) == expected


def _counted_render() -> tuple[list[int], Callable[[Track], bytes]]:
    """A render that notes the tracks it renders; a track's bytes are its seq."""
    calls: list[int] = []

    def render(track: Track) -> bytes:
        calls.append(track.seq)
        return str(track.seq).encode()

    return calls, render


def test_fragment_cache_renders_each_track_once_per_option_set() -> None:
    tracks = generate(seed=1, tracks=300).sections[0].tracks[:3]
    calls, render = _counted_render()
    cache = FragmentCache(max_variants=2)
    assert cache.render("a", tracks, render) == [str(t.seq).encode() for t in tracks]
    cache.render("a", tracks, render)
    assert len(calls) == 3  # the second page came from the cache
    edited = replace(tracks[1], title="Edited")
    cache.render("a", [edited], render)
    assert calls[-1] == edited.seq  # a new track object is rendered anew
    cache.render("b", tracks, render)
    cache.render("c", tracks, render)  # "a", the least recently used, is dropped
    assert list(cache.variants) == ["b", "c"]


def test_a_library_edit_keeps_what_it_left_alone() -> None:
    tracks = generate(seed=1, tracks=300).sections[0].tracks[:3]
    calls, render = _counted_render()
    cache = FragmentCache()
    cache.render("a", tracks, render)
    assert cache.one("base", tracks[0], render) == str(tracks[0].seq).encode()
    edited = replace(tracks[1], title="Edited")
    cache.retain([tracks[0], edited])  # tracks[1] replaced, tracks[2] deleted
    assert {seq for seq, _ in cache.variants["a"].items()} == {tracks[0].seq}
    assert list(cache.variants["base"]) == [tracks[0].seq]
    calls.clear()
    cache.render("a", [tracks[0], edited], render)
    assert calls == [edited.seq]
