"""A 1,000,000-track library pages and searches as the small one of the same seed does,
and a page or a search builds only the tracks it answers with (counted, never timed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from emulators.library import Catalog, Track, generate
from emulators.server import running_jellyfin, running_plex
from emulators.tracklist import TrackList
from tests.support.emulator_http import JF_AUTH, client_tls
from tests.support.tracing import untraced

# Both tests on one worker (--dist loadgroup), so that the module's catalogues are
# generated once: a million tracks is the costliest setup of the suite.
pytestmark = [pytest.mark.timeout(600), pytest.mark.xdist_group("million")]

MILLION = 1_000_000
SMALL = 2_000
PAGE = 50


@pytest.fixture(scope="module")
def catalogs() -> tuple[Catalog, Catalog]:
    """One music library each, no audiobooks: the small one is the big one's first tracks.
    The million are generated untraced: under coverage's tracer they cost three times the
    CPU, and the small catalogue covers the same lines."""
    with untraced():
        big = generate(seed=3, tracks=MILLION, music_libraries=1, audiobooks=0)
    small = generate(seed=3, tracks=SMALL, music_libraries=1, audiobooks=0)
    return big, small


@contextmanager
def built_tracks() -> Iterator[list[int]]:
    """Counts the tracks materialized from the columns meanwhile."""
    count = [0]
    original = TrackList.track

    def counting(self: TrackList, position: int) -> Track:
        count[0] += 1
        return original(self, position)

    TrackList.track = counting  # type: ignore[method-assign]
    try:
        yield count
    finally:
        TrackList.track = original  # type: ignore[method-assign]


async def _plex_page(http: httpx.AsyncClient, start: int) -> dict[str, Any]:
    reply = await http.get(
        "/library/sections/1/all",
        params={"type": 10, "includeGuids": 1},
        headers={"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(PAGE)},
    )
    assert reply.status_code == 200
    return dict(reply.json()["MediaContainer"])


@pytest.fixture
async def plexes(catalogs: tuple[Catalog, Catalog]) -> AsyncIterator[list[httpx.AsyncClient]]:
    big, small = catalogs
    async with running_plex(catalog=big) as one, running_plex(catalog=small) as two:
        headers = {"X-Plex-Token": one.token, "Accept": "application/json"}
        async with (
            httpx.AsyncClient(base_url=one.url, headers=headers, verify=client_tls()) as a,
            httpx.AsyncClient(base_url=two.url, headers=headers, verify=client_tls()) as b,
        ):
            yield [a, b]


async def test_plex_pages_and_searches_a_million_as_the_small_one(
    catalogs: tuple[Catalog, Catalog], plexes: list[httpx.AsyncClient]
) -> None:
    big_http, small_http = plexes
    big, _ = catalogs
    for start in (0, SMALL - PAGE):  # the tracks both libraries hold
        with built_tracks() as built:
            got = await _plex_page(big_http, start)
        assert built[0] == PAGE
        want = await _plex_page(small_http, start)
        assert got["totalSize"] == MILLION
        assert got["Metadata"] == want["Metadata"]
    for start in (MILLION // 2, MILLION - PAGE):  # middle and last: the tracks held there
        with built_tracks() as built:
            got = await _plex_page(big_http, start)
        assert built[0] == PAGE
        tracks = big.sections[0].tracks[start : start + PAGE]
        assert [m["ratingKey"] for m in got["Metadata"]] == [str(100_000 + t.seq) for t in tracks]
        assert [m["title"] for m in got["Metadata"]] == [t.title for t in tracks]
    beyond = await _plex_page(big_http, MILLION)
    assert beyond["totalSize"] == MILLION
    assert not beyond.get("Metadata")

    # A title search finds in the first tracks what the small library finds, and builds
    # only the tracks it answers with.
    for query in ("Ace of Spades", "halo"):
        small = await small_http.get("/library/sections/1/search", params={"query": query})
        with built_tracks() as built:
            found = await big_http.get("/library/sections/1/search", params={"query": query})
        items = found.json()["MediaContainer"].get("Metadata", [])
        assert built[0] == len(items)
        first_keys = {m["ratingKey"] for m in items if int(m["ratingKey"]) <= 100_000 + SMALL}
        small_keys = {m["ratingKey"] for m in small.json()["MediaContainer"].get("Metadata", [])}
        assert small_keys
        assert first_keys == small_keys
    with built_tracks() as built:
        hub = await big_http.get("/hubs/search", params={"query": "love", "limit": 5})
    hub_items = hub.json()["MediaContainer"]["Hub"][0]["Metadata"]
    assert hub_items[0]["title"] == "Love Me Like a Reptile"
    assert len(hub_items) == built[0] == 5  # the limit, of many thousands found


@pytest.fixture
async def jellyfins(catalogs: tuple[Catalog, Catalog]) -> AsyncIterator[list[httpx.AsyncClient]]:
    big, small = catalogs
    async with running_jellyfin(catalog=big) as one, running_jellyfin(catalog=small) as two:
        headers = {"Authorization": JF_AUTH.format(one.token)}
        async with (
            httpx.AsyncClient(base_url=one.url, headers=headers, verify=client_tls()) as a,
            httpx.AsyncClient(base_url=two.url, headers=headers, verify=client_tls()) as b,
        ):
            yield [a, b]


async def _jf_page(http: httpx.AsyncClient, start: int, **extra: str) -> dict[str, Any]:
    params = {
        "IncludeItemTypes": "Audio",
        "Recursive": "true",
        "StartIndex": str(start),
        "Limit": str(PAGE),
        "SortBy": "DateCreated",
        "Fields": "ProviderIds,DateCreated",
        "EnableImages": "false",
        **extra,
    }
    reply = await http.get("/Items", params=params)
    assert reply.status_code == 200
    return dict(reply.json())


async def test_jellyfin_pages_and_searches_a_million_as_the_small_one(
    catalogs: tuple[Catalog, Catalog], jellyfins: list[httpx.AsyncClient]
) -> None:
    big_http, small_http = jellyfins
    big, small = catalogs
    by_date = sorted(big.sections[0].tracks.ints["added_at"])
    for start in (0, MILLION // 2, MILLION - PAGE):
        with built_tracks() as built:
            page = await _jf_page(big_http, start)
        # The page and the sort keys of its window (the page and the ties at its edges:
        # DateCreated is whole seconds, so few), never the library.
        assert PAGE <= built[0] <= 4 * PAGE
        assert page["TotalRecordCount"] == MILLION
        dates = [item["DateCreated"] for item in page["Items"]]
        assert len(dates) == PAGE
        assert dates == sorted(dates)
        assert page["Items"][0]["DateCreated"] == _iso(by_date[start])
    # A search term finds what the small library finds among the tracks both hold.
    for term in ("Ace of Spades", "Halo"):
        want = await _jf_page(small_http, 0, searchTerm=term)
        with built_tracks() as built:
            got = await _jf_page(big_http, 0, searchTerm=term)
        assert built[0] <= 4 * len(got["Items"])
        small_ids = {i["Id"] for i in want["Items"]}
        assert small_ids
        assert {i["Id"] for i in got["Items"]} == small_ids
    assert len(small.sections[0].tracks) == SMALL


def _iso(epoch: int) -> str:
    from emulators.jellyfin import iso

    return iso(epoch)
