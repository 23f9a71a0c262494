"""What the emulated Plex server says about itself (``/`` and ``/identity``), the version
knob, and its request-target limit, checked over raw HTTP and with plexapi."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from plexapi.exceptions import BadRequest
from plexapi.server import PlexServer

from emulators.__main__ import knobs_from, parse
from emulators.knobs import Knobs
from emulators.library import generate
from emulators.plex import PLEX_MAX_URL
from emulators.server import Emulator, running_plex

pytestmark = pytest.mark.timeout(90)

JSON = {"Accept": "application/json"}


async def test_identity_is_public_and_carries_no_name(plex: Emulator) -> None:
    async with httpx.AsyncClient(base_url=plex.url) as anonymous:
        answer = await anonymous.get("/identity", headers=JSON)
        assert answer.status_code == 200
        assert answer.json()["MediaContainer"] == {
            "size": 0,
            "claimed": 0,
            "machineIdentifier": plex.plex.state.machine_id,
            "version": plex.knobs.plex_version,
        }
        xml = (await anonymous.get("/identity")).text
        assert "friendlyName" not in xml
        assert (await anonymous.get("/")).status_code == 401  # the root needs the token


async def test_the_root_carries_name_id_and_version(plex_http: httpx.AsyncClient) -> None:
    root = (await plex_http.get("/", headers=JSON)).json()["MediaContainer"]
    assert root["friendlyName"] == "cmdarr-emulated-plex"
    assert len(root["machineIdentifier"]) == 40
    assert root["version"] == "1.41.0.8992-emulated"


async def test_the_reported_version_is_a_knob(plex_http: httpx.AsyncClient) -> None:
    await plex_http.post("/__admin/knobs", json={"plex_version": "1.20.0.3133-fede5bdc7"})
    for path in ("/", "/identity"):
        answer = (await plex_http.get(path, headers=JSON)).json()["MediaContainer"]
        assert answer["version"] == "1.20.0.3133-fede5bdc7"
    assert (await plex_http.get("/__admin/state")).json()["plex_version"] == (
        "1.20.0.3133-fede5bdc7"
    )


async def test_targets_over_the_limit_get_plexs_414_page_before_any_token_check(
    plex: Emulator,
) -> None:
    base = "/library/metadata/"
    fits = base + "1" * (PLEX_MAX_URL - len(base))
    async with httpx.AsyncClient(base_url=plex.url) as anonymous:
        assert (await anonymous.get(fits)).status_code == 401  # served: the token is missing
        refused = await anonymous.get(fits + "1")
    assert refused.status_code == 414
    assert refused.headers["content-type"] == "text/html"
    assert refused.text == (
        "<html><head><title>Request-URI Too Long</title></head>"
        "<body><h1>414 Request-URI Too Long</h1></body></html>"
    )
    assert plex.knobs.counts["other"] == 2


async def test_the_limit_knob_overrides_the_servers_own(plex: Emulator) -> None:
    plex.knobs.update({"max_url": 100})
    async with httpx.AsyncClient(base_url=plex.url) as anonymous:
        assert (await anonymous.get("/identity?" + "a" * 95)).status_code == 414
        plex.knobs.update({"max_url": 0})
        assert (await anonymous.get("/identity?" + "a" * 95)).status_code == 200


def plexapi_playlists(url: str, token: str, sizes: tuple[int, ...]) -> list[str]:
    """plexapi sends every id of a playlist in one request; what each size got."""
    server = PlexServer(url, token, timeout=10)
    tracks = [t for s in server.library.sections()[:2] for t in s.searchTracks()]
    outcomes: list[str] = []
    for size in sizes:
        try:
            server.createPlaylist("x", items=tracks[:size])
            outcomes.append("created")
        except BadRequest as exc:
            outcomes.append(str(exc).split(";", 1)[0])
    return outcomes


async def test_plexapi_meets_414s_a_little_past_300_ids() -> None:
    """The report behind the limit: 300 ids in one plexapi request pass, more may not
    (cmathews393/spotify-to-plex pull request 23). Here, with six-digit ids, 320 fail."""
    async with running_plex(catalog=generate(seed=1, tracks=600), knobs=Knobs()) as plex:
        outcomes = await asyncio.to_thread(plexapi_playlists, plex.url, plex.token, (300, 320))
        assert outcomes == ["created", "(414) request_uri_too_large"]
        server_name = await asyncio.to_thread(
            lambda: PlexServer(plex.url, plex.token, timeout=10).friendlyName
        )
        assert server_name == plex.plex.state.name


def test_the_cli_sets_the_reported_version() -> None:
    args = parse(["--plex-port", "0", "--plex-version", "1.20.0.3133-fede5bdc7"])
    assert knobs_from(args).plex_version == "1.20.0.3133-fede5bdc7"
    assert knobs_from(parse(["--plex-port", "0"])).plex_version == Knobs().plex_version
