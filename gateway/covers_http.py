"""The covers runs read, served to the status page: ``GET /api/covers/{key}`` asks sync_svc
(GetCover) for the image a run's summary names. The key is the image's SHA-256, so an
answer never changes and the browser may keep it."""

from __future__ import annotations

import grpc
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.wire.rich_errors import error_reason
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.signin import HttpGuard

STATUSES = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.NOT_FOUND: 404}


def cover_routes(backends: Backends, guard: HttpGuard) -> list[Route]:
    async def cover(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            reply = await backends.sync.GetCover(
                sync_pb.GetCoverRequest(key=key), timeout=CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            body = {"error": exc.details() or exc.code().name, "reason": error_reason(exc) or ""}
            return JSONResponse(body, STATUSES.get(exc.code(), 502))
        headers = {
            "cache-control": "private, max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
        }
        return Response(reply.image, media_type=reply.content_type, headers=headers)

    return [Route("/api/covers/{key}", guard.protect(cover))]
