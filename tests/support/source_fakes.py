"""Local fakes shaped like the real ListenBrainz and Spotify Web APIs, the Deezer emulator
(``emulators/deezer.py``, where its behaviours are cited), plus a plain file server, in
one Starlette app on 127.0.0.1. They count requests and remember headers."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from emulators.deezer import DeezerState, build_deezer
from emulators.server import serve
from sync_svc.sources import SourceSettings
from tests.support.emulator_http import client_tls

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-4242"
ACCESS_TOKEN = "fake-access-token-7777"
LB_TOKEN = "fake-lb-token-9999"


@dataclass
class State:
    """What the fakes hold and what they saw; tests fill and read it."""

    base_url: str = ""
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    counts: Counter[str] = field(default_factory=Counter)
    authorizations: list[str] = field(default_factory=list)
    # ListenBrainz: JSPF documents by playlist MBID, created-for metadata by user.
    lb_playlists: dict[str, Any] = field(default_factory=dict)
    lb_created_for: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lb_created_for_page: int = 100
    # Spotify: (name, entries) by playlist id; each entry is a track object or None.
    spotify_playlists: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)
    # A Spotify playlist's other fields beside its name (``description``, ``images``).
    spotify_heads: dict[str, dict[str, Any]] = field(default_factory=dict)
    spotify_page: int = 100
    spotify_items_endpoint: bool = True
    spotify_token_status: int = 400
    # Files: (body, content type) by name.
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # path -> status (or "malformed", "hang") to answer instead of the real thing
    faults: dict[str, int | str] = field(default_factory=dict)
    # Deezer: the emulator's state (its own counts and faults), stopping with the fakes.
    deezer: DeezerState = field(default_factory=DeezerState)

    def __post_init__(self) -> None:
        self.deezer.closing = self.closing

    def settings(self, **overrides: Any) -> SourceSettings:
        values: dict[str, Any] = {
            "spotify_client_id": CLIENT_ID,
            "spotify_client_secret": CLIENT_SECRET,
            "listenbrainz_api": self.base_url,
            "spotify_api": self.base_url,
            "spotify_accounts": self.base_url,
            "deezer_api": self.base_url,
            # The retries are counted, not waited for.
            "deezer_retry_delays": (0.0, 0.0, 0.0),
        }
        values.update(overrides)
        return SourceSettings(**values)


def build_app(state: State) -> Starlette:
    async def faulted(request: Request) -> Response | None:
        state.counts[request.url.path] += 1
        state.authorizations.append(request.headers.get("authorization", ""))
        fault = state.faults.get(request.url.path)
        if fault is None:
            return None
        if fault == "malformed":
            return Response(b'{"playlist": [', media_type="application/json")
        if fault == "hang":
            await state.closing.wait()  # until the server stops
            return Response(b"")
        assert isinstance(fault, int)
        return JSONResponse({"code": fault, "error": "injected"}, status_code=fault)

    async def lb_playlist(request: Request) -> Response:
        if (early := await faulted(request)) is not None:
            return early
        mbid = request.path_params["mbid"]
        if mbid not in state.lb_playlists:
            return JSONResponse({"code": 404, "error": f"Cannot find playlist: {mbid}"}, 404)
        return JSONResponse(state.lb_playlists[mbid])

    async def lb_created_for(request: Request) -> Response:
        if (early := await faulted(request)) is not None:
            return early
        user = request.path_params["user"]
        if user not in state.lb_created_for:
            return JSONResponse({"code": 404, "error": "Cannot find user"}, 404)
        offset = int(request.query_params.get("offset", "0"))
        count = min(int(request.query_params.get("count", "25")), state.lb_created_for_page)
        every = state.lb_created_for[user]
        page = every[offset : offset + count]
        return JSONResponse(
            {
                "playlists": [{"playlist": meta} for meta in page],
                "count": len(page),
                "offset": offset,
                "playlist_count": len(every),
            }
        )

    async def spotify_token(request: Request) -> Response:
        if (early := await faulted(request)) is not None:
            return early
        form = dict(parse_qsl((await request.body()).decode()))
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if request.headers.get("authorization") != f"Basic {expected}":
            body = {"error": "invalid_client", "error_description": "Invalid client secret"}
            return JSONResponse(body, state.spotify_token_status)
        return JSONResponse(
            {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )

    def spotify_refusal(request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return JSONResponse({"error": {"status": 401, "message": "Invalid access token"}}, 401)
        if request.path_params["id"] not in state.spotify_playlists:
            return JSONResponse({"error": {"status": 404, "message": "Resource not found"}}, 404)
        return None

    async def spotify_playlist(request: Request) -> Response:
        if (early := await faulted(request) or spotify_refusal(request)) is not None:
            return early
        name, _ = state.spotify_playlists[request.path_params["id"]]
        return JSONResponse(
            {"name": name, **state.spotify_heads.get(request.path_params["id"], {})}
        )

    async def spotify_entries(request: Request, key: str) -> Response:
        if (early := await faulted(request) or spotify_refusal(request)) is not None:
            return early
        playlist_id = request.path_params["id"]
        _, entries = state.spotify_playlists[playlist_id]
        offset = int(request.query_params.get("offset", "0"))
        limit = min(int(request.query_params.get("limit", "20")), state.spotify_page)
        page = entries[offset : offset + limit]
        follow = offset + limit < len(entries)
        endpoint = request.url.path.rsplit("/", 1)[-1]
        return JSONResponse(
            {
                "href": str(request.url),
                "items": [{"added_at": "2024-01-01T00:00:00Z", key: e} for e in page],
                "limit": limit,
                "offset": offset,
                "total": len(entries),
                "next": (
                    f"{state.base_url}/v1/playlists/{playlist_id}/{endpoint}"
                    f"?offset={offset + limit}&limit={limit}"
                    if follow
                    else None
                ),
            }
        )

    async def spotify_items(request: Request) -> Response:
        if not state.spotify_items_endpoint:
            state.counts[request.url.path] += 1
            return JSONResponse({"error": {"status": 404, "message": "Not found."}}, 404)
        return await spotify_entries(request, "item")

    async def spotify_tracks(request: Request) -> Response:
        return await spotify_entries(request, "track")

    async def files(request: Request) -> Response:
        if (early := await faulted(request)) is not None:
            return early
        name = request.path_params["name"]
        if name not in state.files:
            return Response(b"not found", 404)
        body, content_type = state.files[name]
        return Response(body, media_type=content_type)

    async def moved(request: Request) -> Response:
        state.counts[request.url.path] += 1
        return RedirectResponse(f"/files/{request.path_params['name']}", 302)

    return Starlette(
        routes=[
            Route("/1/playlist/{mbid}", lb_playlist),
            Route("/1/user/{user}/playlists/createdfor", lb_created_for),
            Route("/api/token", spotify_token, methods=["POST"]),
            Route("/v1/playlists/{id}", spotify_playlist),
            Route("/v1/playlists/{id}/items", spotify_items),
            Route("/v1/playlists/{id}/tracks", spotify_tracks),
            Route("/files/{name}", files),
            Route("/moved/{name}", moved),
            Mount("/", app=build_deezer(state.deezer)),
        ]
    )


@asynccontextmanager
async def running_fakes() -> AsyncIterator[tuple[State, httpx.AsyncClient]]:
    state = State()
    async with serve(build_app(state), state.closing) as port:
        state.base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=httpx.Timeout(5.0), verify=client_tls()) as http:
            yield state, http


def spotify_track(name: str, artists: list[str], **extra: Any) -> dict[str, Any]:
    track: dict[str, Any] = {
        "type": "track",
        "name": name,
        "artists": [{"name": artist} for artist in artists],
        "album": {"name": extra.pop("album", "")},
        "duration_ms": extra.pop("duration_ms", 200000),
        "is_local": False,
    }
    track.update(extra)
    return track


def jspf(title: str, mbid: str, tracks: list[dict[str, Any]], date: str = "") -> dict[str, Any]:
    playlist: dict[str, Any] = {
        "title": title,
        "identifier": f"https://listenbrainz.org/playlist/{mbid}",
        "creator": "listenbrainz",
        "track": tracks,
    }
    if date:
        playlist["date"] = date
    return {"playlist": playlist}
