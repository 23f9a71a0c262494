"""The Lidarr routes of the gateway's HTTP API (the status page's Lidarr card and the
review's Lidarr buttons).

``POST /api/lidarr/test``: check Lidarr (TestLidarr). ``GET /api/lidarr/preview/{run_id}``:
the albums a run's unmatched tracks ask for, nothing changed (PreviewLidarr). ``POST
/api/lidarr/send/{run_id}`` with ``{"albums": [...]}`` (optional): hand them over
(SendToLidarr). The gateway only translates:
sync_svc decides, and its refusals come back with their reason (servers_http.refusal).
No answer carries the API key: sync_svc never returns it. Every route needs the API key
or a signed-in session, and the POST routes the CSRF guard too."""

from __future__ import annotations

import json
from typing import Any

import grpc
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.backends import Backends
from gateway.servers_http import refusal
from gateway.signin import HttpGuard

# TestLidarr makes four requests of at most 4 s each, after reading config_svc.
TEST_TIMEOUT = 20.0
# A preview makes a lookup per album, a send up to four requests per album: each with the
# transport's bounded retries.
HANDOFF_TIMEOUT = 120.0


def lidarr_check_json(verdict: sync_pb.TestLidarrResponse) -> dict[str, Any]:
    """TestLidarr's verdict: ``problem`` is "" when ok, else its short name
    ("key_refused"); ``message`` says it in words."""
    name = sync_pb.LidarrProblem.Name(verdict.problem)
    return {
        "ok": verdict.ok,
        "enabled": verdict.enabled,
        "problem": "" if verdict.ok else name.removeprefix("LIDARR_PROBLEM_").lower(),
        "message": verdict.message,
        "version": verdict.version,
        "root_folders": list(verdict.root_folders),
        "quality_profiles": list(verdict.quality_profiles),
        "metadata_profiles": list(verdict.metadata_profiles),
        "root_folder": verdict.root_folder,
        "quality_profile": verdict.quality_profile,
        "metadata_profile": verdict.metadata_profile,
    }


def album_json(album: sync_pb.LidarrAlbum) -> dict[str, Any]:
    """A wanted album: ``state`` as its short name ("add_with_artist", "sent", ...)."""
    state = sync_pb.LidarrAlbumState.Name(album.state).removeprefix("LIDARR_ALBUM_STATE_")
    return {
        "id": album.id,
        "title": album.title,
        "artist": album.artist,
        "tracks": [
            {"position": t.position, "title": t.title, "artists": list(t.artists)}
            for t in album.tracks
        ],
        "state": state.lower(),
        "message": album.message,
        "lidarr_title": album.lidarr_title,
        "in_lidarr": album.in_lidarr,
        "artist_in_lidarr": album.artist_in_lidarr,
        "candidates": list(album.candidates),
        "sent_at": album.sent_at.ToJsonString() if album.HasField("sent_at") else "",
        "lidarr_album_id": album.lidarr_album_id,
    }


def plan_json(
    reply: sync_pb.PreviewLidarrResponse | sync_pb.SendToLidarrResponse,
) -> dict[str, Any]:
    """What a preview's and a send's answers share."""
    return {
        "run_id": reply.run_id,
        "albums": [album_json(a) for a in reply.albums],
        "without_album": [
            {"position": t.position, "title": t.title, "artists": list(t.artists)}
            for t in reply.without_album
        ],
        "max_albums": reply.max_albums,
        "error": reply.error,
    }


async def _albums_named(request: Request) -> list[str] | Response:
    """The body's optional ``albums``: a list of strings, else a 400 naming it."""
    raw = await request.body()
    if not raw.strip():
        return []
    try:
        body = json.loads(raw)
    except ValueError:
        return _bad("body", "must be JSON")
    albums = body.get("albums", []) if isinstance(body, dict) else None
    if not isinstance(albums, list) or not all(isinstance(a, str) for a in albums):
        return _bad("albums", "must be a list of album ids or titles")
    return albums


def _bad(field: str, description: str) -> Response:
    return JSONResponse(
        {
            "error": f"{field}: {description}",
            "reason": "INVALID_ARGUMENT",
            "violations": [{"field": field, "description": description}],
        },
        400,
    )


def lidarr_routes(backends: Backends, guard: HttpGuard) -> list[Route]:
    async def test(_request: Request) -> Response:
        try:
            verdict = await backends.sync.TestLidarr(
                sync_pb.TestLidarrRequest(), timeout=TEST_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        return JSONResponse(lidarr_check_json(verdict))

    async def preview(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            reply = await backends.sync.PreviewLidarr(
                sync_pb.PreviewLidarrRequest(run_id=run_id), timeout=HANDOFF_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        return JSONResponse({**plan_json(reply), "enabled": reply.enabled})

    async def send(request: Request) -> Response:
        albums = await _albums_named(request)
        if isinstance(albums, Response):
            return albums
        request_pb = sync_pb.SendToLidarrRequest(
            run_id=request.path_params["run_id"], albums=albums
        )
        try:
            reply = await backends.sync.SendToLidarr(request_pb, timeout=HANDOFF_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        sent = {"sent": reply.sent, "search_command_id": reply.search_command_id}
        return JSONResponse({**plan_json(reply), **sent})

    return [
        Route("/api/lidarr/test", guard.protect(test, action=True), methods=["POST"]),
        Route("/api/lidarr/preview/{run_id}", guard.protect(preview), methods=["GET"]),
        Route("/api/lidarr/send/{run_id}", guard.protect(send, action=True), methods=["POST"]),
    ]
