"""``/__admin`` routes: knobs, faults and counts, and library edits for change tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.knobs import Fault, Knobs

Endpoint = Callable[[Request], Awaitable[Response]]


def admin_json(read: Callable[[], dict[str, Any]]) -> Endpoint:
    """A ``GET /__admin/...`` route answering ``read()`` as JSON."""

    async def endpoint(_request: Request) -> Response:
        return JSONResponse(read())

    return endpoint


def admin_routes(
    knobs: Knobs,
    mutate: Callable[[dict[str, Any]], dict[str, Any]],
    ids: Callable[[], dict[str, Any]],
) -> list[Route]:
    async def state(_request: Request) -> Response:
        return JSONResponse(knobs.describe())

    async def counts(_request: Request) -> Response:
        return JSONResponse(dict(knobs.counts))

    async def reset(_request: Request) -> Response:
        return JSONResponse(knobs.reset_counts())

    async def set_knobs(request: Request) -> Response:
        knobs.update(await request.json())
        return JSONResponse(knobs.describe())

    async def add_faults(request: Request) -> Response:
        data = await request.json()
        items = data if isinstance(data, list) else data.get("faults", [data])
        try:
            knobs.faults.extend(Fault.from_json(item) for item in items)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(knobs.describe())

    async def clear_faults(_request: Request) -> Response:
        knobs.faults.clear()
        knobs.revoked = False
        return JSONResponse(knobs.describe())

    async def library(request: Request) -> Response:
        return JSONResponse(mutate(await request.json()))

    async def library_ids(_request: Request) -> Response:
        return JSONResponse(ids())

    return [
        Route("/__admin/state", state, methods=["GET"]),
        Route("/__admin/counts", counts, methods=["GET"]),
        Route("/__admin/counts/reset", reset, methods=["POST"]),
        Route("/__admin/knobs", set_knobs, methods=["POST"]),
        Route("/__admin/faults", add_faults, methods=["POST"]),
        Route("/__admin/faults", clear_faults, methods=["DELETE"]),
        Route("/__admin/library", library, methods=["POST"]),
        Route("/__admin/library", library_ids, methods=["GET"]),
    ]
