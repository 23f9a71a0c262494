"""The Deezer emulator answers as the recorded api.deezer.com answers do (emulators/deezer.py
cites each): the playlist with a partial embedded list, pages of 25 by default with
``next``/``prev``, errors as HTTP-200 objects; and ``python -m emulators.deezer`` serves its
demo playlist until SIGTERM."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from emulators.deezer import (
    DEMO_PLAYLIST,
    EMBEDDED_MAX,
    DeezerPlaylist,
    DeezerState,
    deezer_track,
    demo_state,
    running_deezer,
)
from emulators.library import generate

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def deezer() -> AsyncIterator[tuple[httpx.AsyncClient, DeezerState]]:
    tracks = [deezer_track(100 + i, f"Song {i}", "Morcheeba", album="Charango") for i in range(450)]
    state = DeezerState(
        playlists={
            "9200461": DeezerPlaylist("Lounge Soirée", tracks, hidden=frozenset({101})),
            "42": DeezerPlaylist("Mine", tracks[:3], public=False),
        }
    )
    async with running_deezer(state) as (url, _), httpx.AsyncClient(base_url=url) as http:
        yield http, state


async def test_the_playlist_embeds_part_of_its_tracks(
    deezer: tuple[httpx.AsyncClient, DeezerState],
) -> None:
    http, _ = deezer
    answer = await http.get("/playlist/9200461")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["title"], body["nb_tracks"], body["type"]) == ("Lounge Soirée", 450, "playlist")
    assert len(body["tracks"]["data"]) == EMBEDDED_MAX
    assert body["tracks"]["checksum"] == body["checksum"]


async def test_pages_of_25_by_default_then_as_asked(
    deezer: tuple[httpx.AsyncClient, DeezerState],
) -> None:
    http, state = deezer
    first = (await http.get("/playlist/9200461/tracks")).json()
    assert [t["id"] for t in first["data"]][:2] == [100, 102], "a hidden track leaves a gap"
    assert len(first["data"]) == 24
    assert first["total"] == 450
    assert first["next"] == f"{str(http.base_url).rstrip('/')}/playlist/9200461/tracks?index=25"
    assert "prev" not in first
    assert "isrc" not in first["data"][0]
    last = (await http.get("/playlist/9200461/tracks", params={"limit": 100, "index": 400})).json()
    assert len(last["data"]) == 50
    assert "next" not in last
    assert last["prev"].endswith("/playlist/9200461/tracks?limit=100&index=300")
    assert state.requests == [
        "/playlist/9200461/tracks",
        "/playlist/9200461/tracks?limit=100&index=400",
    ]


async def test_errors_are_objects_answered_with_200(
    deezer: tuple[httpx.AsyncClient, DeezerState],
) -> None:
    http, state = deezer
    state.refusals = [4]
    answers = [
        await http.get("/playlist/9200461"),
        await http.get("/playlist/-1"),
        await http.get("/playlist/42/tracks"),
        await http.get("/playlist/9200461/tracks", params={"index": "x"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert [a.json()["error"] for a in answers] == [
        {"type": "Exception", "message": "Quota limit exceeded", "code": 4},
        {"type": "DataException", "message": "no data", "code": 800},
        {
            "type": "OAuthException",
            "message": "An active access token must be used to query information about the "
            "current user",
            "code": 200,
        },
        {"type": "ParameterException", "message": "Wrong parameter", "code": 500},
    ]


def test_the_demo_playlist_is_the_catalogues_music() -> None:
    state = demo_state(seed=2, tracks=300, playlist_tracks=20)
    music = [
        t for s in generate(seed=2, tracks=300).sections if s.kind == "music" for t in s.tracks
    ]
    served = state.playlists[DEMO_PLAYLIST].tracks
    assert [t["title"] for t in served] == [t.title for t in music[:20]]
    assert [t["duration"] for t in served] == [round(t.duration_ms / 1000) for t in music[:20]]


async def test_the_cli_serves_the_demo_playlist_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulators.deezer", "--port", "0", "--tracks", "300",
        "--playlist-tracks", "30", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        kind, url = line.decode().split()
        assert kind == "deezer"
        async with httpx.AsyncClient(base_url=url) as http:
            body = (await http.get(f"/playlist/{DEMO_PLAYLIST}")).json()
        assert body["nb_tracks"] == 30
    finally:
        process.terminate()
        code = await asyncio.wait_for(process.wait(), timeout=20)
    assert code == 0
