"""The review routes of the gateway's HTTP API (the status page's unmatched view).

``GET /api/review``: the last run of each sync, with its unmatched tracks and their best
candidates. ``GET /api/overrides``: the match overrides. ``POST /api/overrides``: pin a
track to an item ("Use this") or reject it ("Never match"), keyed by the track as the
run's report holds it; the item is checked with cache_svc's LookupItems first, since
config_svc calls no other service. All three need the API key (or a signed-in session)
when one is required, and the write also passes the CSRF guard.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.errors import ErrorReason, FieldViolation
from common.matching import Query
from common.matching.overrides import SourceKey, raw_key, source_key
from common.override_items import check_item
from common.wire.override_pb import key_to_pb, stored_match
from common.wire.rich_errors import error_reason, field_violations
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.review import PAGE_AUTHOR, last_runs
from gateway.signin import HttpGuard

Handler = Callable[[Request], Awaitable[Response]]
ACTIONS = {"pin": cpb.OVERRIDE_ACTION_PIN, "reject": cpb.OVERRIDE_ACTION_REJECT}
TARGETS = {"plex": tpb.TARGET_PLEX, "jellyfin": tpb.TARGET_JELLYFIN}
TARGET_NAMES = {v: k for k, v in TARGETS.items()}


def _json(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _error(exc: grpc.aio.AioRpcError) -> Response:
    codes = {
        grpc.StatusCode.INVALID_ARGUMENT: 400,
        grpc.StatusCode.ALREADY_EXISTS: 409,
        grpc.StatusCode.ABORTED: 409,
        grpc.StatusCode.NOT_FOUND: 404,
        grpc.StatusCode.FAILED_PRECONDITION: 400,
    }
    violations = [{"field": f, "description": d} for f, d in field_violations(exc)]
    return JSONResponse(
        {
            "error": exc.details() or exc.code().name,
            "reason": error_reason(exc) or "",
            "violations": violations,
        },
        codes.get(exc.code(), 502),
    )


def _bad(field: str, description: str) -> Response:
    return JSONResponse(
        {
            "error": f"{field}: {description}",
            "violations": [{"field": field, "description": description}],
        },
        400,
    )


def _refused(violations: list[FieldViolation]) -> Response:
    """Violations found before the write, in the shape config_svc's refusals take."""
    summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
    return JSONResponse(
        {
            "error": f"invalid request: {summary}",
            "reason": ErrorReason.INVALID_ARGUMENT.value,
            "violations": [{"field": v.field, "description": v.description} for v in violations],
        },
        400,
    )


def _unchecked(exc: grpc.aio.AioRpcError) -> Response:
    """cache_svc did not answer the item check: nothing is written; try again."""
    return JSONResponse(
        {
            "error": f"cache_svc could not check the item id ({exc.code().name}); try again",
            "reason": ErrorReason.UPSTREAM_UNAVAILABLE.value,
            "violations": [],
        },
        503,
    )


def unmatched_of(report: sync_pb.SyncReport) -> list[dict[str, Any]]:
    """The tracks of a run no rule matched and no user decided, with the best candidate:
    once per server (its destinations share one matching pass), leaving out what was
    matched but held back from a user who does not see its library."""
    seen: set[tuple[str, int]] = set()
    found = []
    for t in report.tracks:
        server = t.destination.server or _target_name(t.target)
        if (
            t.source != sync_pb.MATCH_SOURCE_UNMATCHED
            or t.result.method == cache_pb.MATCH_METHOD_OVERRIDE
            or _held_back(t.result.reason)
            or (server, t.position) in seen
        ):
            continue
        seen.add((server, t.position))
        found.append(
            {
                "target": _target_name(t.target) if t.target else _target_name_of(server),
                "server": server,
                "position": t.position,
                "track": _json(t.track),
                "method": cache_pb.MatchMethod.Name(t.result.method),
                "confidence": t.result.confidence,
                "reason": t.result.reason,
                "best": _json(t.result.best_candidate)
                if t.result.HasField("best_candidate")
                else None,
            }
        )
    return found


def _held_back(reason: str) -> bool:
    """Matched on the server, not written for a user who does not see its library."""
    return reason.startswith("not in ") and reason.endswith("'s libraries")


def _target_name_of(server: str) -> str:
    return server if server in TARGET_NAMES.values() else "unspecified"


def _target_name(value: tpb.Target.ValueType) -> str:
    return TARGET_NAMES.get(value, "unspecified")


def review_routes(backends: Backends, guard: HttpGuard) -> list[Route]:
    """The routes, behind ``guard`` (the key or a session; the write also needs the CSRF
    guard), answering a downstream refusal with its reason and violations."""

    def guarded(handler: Handler, *, action: bool = False) -> Handler:
        async def answered(request: Request) -> Response:
            try:
                return await handler(request)
            except grpc.aio.AioRpcError as exc:
                return _error(exc)

        return guard.protect(answered, action=action)

    async def review(_request: Request) -> Response:
        runs = await last_runs(backends)
        return JSONResponse(
            {
                "runs": [
                    {
                        "run_id": r.run_id,
                        "command_name": r.command_name,
                        "finished_at": r.finished_at.ToJsonString(),
                        "unmatched": unmatched_of(r),
                    }
                    for r in runs
                ]
            }
        )

    async def list_overrides(_request: Request) -> Response:
        reply = await backends.config.ListMatchOverrides(
            cpb.ListMatchOverridesRequest(), timeout=CALL_TIMEOUT
        )
        return JSONResponse(
            {"overrides": [_json(o) for o in reply.overrides], "revision": reply.revision}
        )

    async def put_override(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _bad("body", "must be JSON")
        if not isinstance(body, dict):
            return _bad("body", "must be a JSON object")
        server = str(body.get("server", "")).strip()
        target = TARGETS.get(str(body.get("target", "")).lower().removeprefix("target_"))
        if not server and target is None:
            return _bad("target", "must be plex or jellyfin, or give server")
        action = ACTIONS.get(str(body.get("action", "")).lower())
        if action is None:
            return _bad("action", "must be pin or reject")
        track = body.get("track")
        if not isinstance(track, dict):
            return _bad("track", "must be the track as the report holds it")
        artists = track.get("artists") or []
        query = Query(
            str(track.get("title", "")),
            tuple(str(a) for a in artists) if isinstance(artists, list) else (),
            str(track.get("album", "")),
            mbid=str(track.get("recording_mbid", "")),
            isrc=str(track.get("isrc", "")),
        )
        key, normalized = raw_key(query), source_key(query)
        if key is None or normalized is None:
            return _bad("track", "needs a recording MBID, an ISRC, or an artist and a title")
        override = cpb.MatchOverride(
            target=target or tpb.TARGET_UNSPECIFIED,
            server=server,
            key=key_to_pb(key),
            action=action,
            item_id=str(body.get("item_id", "")),
            note=str(body.get("note", "")),
            author=PAGE_AUTHOR,
        )
        try:
            problems = await check_item(backends.cache, override, deadline=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            return _unchecked(exc)
        if problems:
            return _refused(problems)
        try:
            reply = await backends.config.PutMatchOverride(
                cpb.PutMatchOverrideRequest(override=override), timeout=CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            reply = await _replace(override, normalized)
        return JSONResponse({"override": _json(reply.override), "revision": reply.revision})

    async def _replace(
        override: cpb.MatchOverride, normalized: SourceKey
    ) -> cpb.PutMatchOverrideResponse:
        """A button pressed on a track that has an override: the newest decision wins
        (compare-and-swap on the stored override, found by its normalized key)."""
        listed = await backends.config.ListMatchOverrides(
            cpb.ListMatchOverridesRequest(target=override.target, server=override.server),
            timeout=CALL_TIMEOUT,
        )
        current = stored_match(listed.overrides, normalized)
        return await backends.config.PutMatchOverride(
            cpb.PutMatchOverrideRequest(
                override=override, expected_mod_revision=current.mod_revision if current else 0
            ),
            timeout=CALL_TIMEOUT,
        )

    return [
        Route("/api/review", guarded(review)),
        Route("/api/overrides", guarded(list_overrides), methods=["GET"]),
        Route("/api/overrides", guarded(put_override, action=True), methods=["POST"]),
    ]
