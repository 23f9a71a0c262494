"""The gateway's HTTP side: probes, a JSON API, Prometheus metrics and the status page.

When a key is required every route but the probes and the sign-in form needs it
(gateway/signin.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from common.auth.keys import KeyRing
from common.config.registry import Registry
from common.errors import FieldViolation, InvalidArgument, ServiceError
from common.wire.rich_errors import field_violations
from gateway import metrics
from gateway.actions import apply_fix
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.covers_http import cover_routes
from gateway.lidarr_http import lidarr_routes
from gateway.review_http import review_routes
from gateway.servers_http import server_routes
from gateway.signin import HttpGuard

PAGE = Path(__file__).with_name("static") / "index.html"
RECENT_REPORTS = 20


def _json(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _fix_from(body: Any) -> cpb.Fix:
    """A fix from JSON: {"action": "FIX_ACTION_ENABLE_LIBRARY_CACHE" or "enable_library_cache",
    "target": "TARGET_PLEX" or "plex", "server": "cabin"} (a server by name, or a target
    for its built-in server)."""
    if not isinstance(body, dict):
        raise InvalidArgument([FieldViolation("body", "must be a JSON object")])
    action = str(body.get("action", "")).upper()
    target = str(body.get("target", "") or "").upper()
    action = action if action.startswith("FIX_ACTION_") else f"FIX_ACTION_{action}"
    target = target if not target or target.startswith("TARGET_") else f"TARGET_{target}"
    problems = []
    if action not in cpb.FixAction.keys():  # noqa: SIM118 - an enum wrapper, not a dict
        problems.append(FieldViolation("action", "unknown action"))
    if target and target not in tpb.Target.keys():  # noqa: SIM118 - an enum wrapper
        problems.append(FieldViolation("target", "must be plex or jellyfin"))
    if problems:
        raise InvalidArgument(problems)
    return cpb.Fix(
        action=cpb.FixAction.Value(action),
        target=tpb.Target.Value(target) if target else tpb.TARGET_UNSPECIFIED,
        server=str(body.get("server", "") or ""),
    )


def build_http(
    backends: Backends,
    registry: Registry,
    api_key: str | KeyRing | None,
    process_metrics: Callable[[], bytes] = lambda: b"",
    remember_secret: Callable[[str], None] = lambda _secret: None,
) -> Starlette:
    """``process_metrics``: the gateway process's own metrics (common/runtime/service_metrics.py),
    appended to the stack's on /metrics. ``remember_secret``: the log redactor's ``add``,
    told every token a request carries."""
    guard = HttpGuard(api_key if isinstance(api_key, KeyRing) else KeyRing(api_key))
    page = PAGE.read_text()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        services = await backends.health()
        ready = all(s.serving for s in services)
        return JSONResponse(
            {"ready": ready, "services": [_json(s) for s in services]}, 200 if ready else 503
        )

    async def status(_request: Request) -> Response:
        return JSONResponse(_json(await backends.status(registry)))

    async def warnings(_request: Request) -> Response:
        try:
            found = await backends.warnings(registry, await backends.cache_statuses())
        except grpc.aio.AioRpcError as exc:
            return JSONResponse({"error": f"config_svc: {exc.code().name}"}, 502)
        return JSONResponse({"warnings": [_json(w) for w in found]})

    async def actions(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, 400)
        try:
            reply = await apply_fix(backends, _fix_from(body))
        except InvalidArgument as exc:
            violations = [{"field": v.field, "description": v.description} for v in exc.violations]
            return JSONResponse({"error": exc.message, "violations": violations}, 400)
        except ServiceError as exc:
            return JSONResponse({"error": exc.message}, 400)
        except grpc.aio.AioRpcError as exc:
            code = (
                400
                if exc.code()
                in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
                else 502
            )
            violations = [{"field": f, "description": d} for f, d in field_violations(exc)]
            return JSONResponse(
                {"error": exc.details() or exc.code().name, "violations": violations}, code
            )
        return JSONResponse(_json(reply))

    async def prometheus(_request: Request) -> Response:
        current = await backends.status(registry)
        reports = []
        for summary in current.recent_syncs[:RECENT_REPORTS]:
            try:
                reply = await backends.sync.GetSyncReport(
                    sync_pb.GetSyncReportRequest(run_id=summary.run_id), timeout=CALL_TIMEOUT
                )
                reports.append(reply.report)
            except grpc.aio.AioRpcError:
                break
        body = metrics.render(current, reports) + process_metrics()
        return Response(body, media_type="text/plain; version=0.0.4")

    async def index(_request: Request) -> Response:
        return HTMLResponse(page, headers={"cache-control": "no-store"})

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/login", guard.signin_form, methods=["GET"]),
            Route("/login", guard.signin, methods=["POST"]),
            Route("/logout", guard.signout, methods=["POST"]),
            Route("/api/status", guard.protect(status)),
            Route("/api/warnings", guard.protect(warnings)),
            Route("/api/actions", guard.protect(actions, action=True), methods=["POST"]),
            *review_routes(backends, guard),
            *server_routes(backends, guard, remember_secret),
            *lidarr_routes(backends, guard),
            *cover_routes(backends, guard),
            Route("/metrics", guard.protect(prometheus)),
            Route("/", guard.protect(index, page=True)),
        ]
    )
