"""The Lidarr routes of the gateway's HTTP API (the status page's Lidarr card and the
review's Lidarr buttons).

``POST /api/lidarr/test``: check Lidarr (TestLidarr). The gateway only translates:
sync_svc decides, and its refusals come back with their reason (servers_http.refusal).
No answer carries the API key: sync_svc never returns it. Every route needs the API key
or a signed-in session, and the POST routes the CSRF guard too."""

from __future__ import annotations

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


def lidarr_routes(backends: Backends, guard: HttpGuard) -> list[Route]:
    async def test(_request: Request) -> Response:
        try:
            verdict = await backends.sync.TestLidarr(
                sync_pb.TestLidarrRequest(), timeout=TEST_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        return JSONResponse(lidarr_check_json(verdict))

    return [
        Route("/api/lidarr/test", guard.protect(test, action=True), methods=["POST"]),
    ]
