"""cmdarr.cache.v1.CacheService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc

from cache_svc import convert
from cache_svc.manager import CacheManager
from cache_svc.match_trace import observe_match
from common.domain import CacheState, Target
from common.errors import FieldViolation, ServerNotFound, check
from common.matching.explain import EXPLAIN_LIMIT, MAX_EXPLAIN_LIMIT
from common.runtime.service_metrics import ServiceMetrics
from common.server_names import check_server_name
from common.wire import protoconv

Context = grpc.aio.ServicerContext[Any, Any]

MAX_BATCH = 10_000
MAX_TEXT = 1024
MAX_PATH = 4096  # PATH_MAX on Linux
MAX_LOOKUP = 1000
WATCH_TICK_BUILDING = 1.0
WATCH_TICK_IDLE = 15.0


def _named(target: int, server: str) -> str | None:
    """The server a request names with ``server`` or the older ``target`` (TARGET_PLEX is
    "plex"); None when neither is set. Bad syntax or a disagreement names the field."""
    by_target: Target | None = None
    if target:
        by_target = protoconv.TARGETS_BACK.get(target)  # type: ignore[call-overload]
        if by_target is None:
            check([FieldViolation("target", "must be TARGET_PLEX or TARGET_JELLYFIN")])
    if server:
        check(check_server_name(server, "server"))
        if by_target is not None and by_target.server_name != server:
            check(
                [
                    FieldViolation(
                        "server",
                        f"names {server!r} but target names {by_target.server_name!r}; "
                        "set one of them",
                    )
                ]
            )
        return server
    return by_target.server_name if by_target is not None else None


def _one(target: int, server: str) -> str:
    """The one server a request must name."""
    name = _named(target, server)
    if name is None:
        check([FieldViolation("server", "is required: a server's name, e.g. 'plex'")])
    assert name is not None
    return name


def _track_problems(track: pb.TrackQuery, field: str) -> list[FieldViolation]:
    problems: list[FieldViolation] = []
    if not track.title.strip():
        problems.append(FieldViolation(f"{field}.title", "is required"))
    for name, value in (
        ("title", track.title),
        ("album", track.album),
        *(("artists", a) for a in track.artists),
    ):
        if len(value) > MAX_TEXT:
            problems.append(
                FieldViolation(
                    f"{field}.{name}", f"is {len(value):,} characters; at most {MAX_TEXT}"
                )
            )
    if len(track.path) > MAX_PATH:
        problems.append(
            FieldViolation(
                f"{field}.path", f"is {len(track.path):,} characters; at most {MAX_PATH}"
            )
        )
    return problems


def _confidence_problems(min_confidence: float) -> list[FieldViolation]:
    if 0 <= min_confidence <= 1:
        return []
    return [FieldViolation("min_confidence", "must be between 0 and 1")]


def _check_queries(request: pb.MatchTracksRequest) -> None:
    problems: list[FieldViolation] = []
    if len(request.tracks) > MAX_BATCH:
        problems.append(
            FieldViolation(
                "tracks", f"at most {MAX_BATCH:,} tracks per call, not {len(request.tracks):,}"
            )
        )
    problems += _confidence_problems(request.min_confidence)
    for i, track in enumerate(request.tracks[:MAX_BATCH]):
        problems += _track_problems(track, f"tracks[{i}]")
        if len(problems) > 100:
            break
    check(problems)


def _check_explain(request: pb.ExplainMatchRequest) -> None:
    problems = _track_problems(request.track, "track")
    problems += _confidence_problems(request.min_confidence)
    if not 0 <= request.limit <= MAX_EXPLAIN_LIMIT:
        problems.append(FieldViolation("limit", f"must be between 0 and {MAX_EXPLAIN_LIMIT}"))
    check(problems)


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):
    def __init__(self, manager: CacheManager, metrics: ServiceMetrics | None = None) -> None:
        self._manager = manager
        self._metrics = metrics or ServiceMetrics()

    def _servers(self, named: str | None) -> list[str]:
        """The servers a status request asks for: one (which must exist) or every one."""
        if named is None:
            return self._manager.server_names()
        if named not in self._manager.server_names():
            raise ServerNotFound(named)
        return [named]

    async def GetCacheStatus(
        self,
        request: pb.GetCacheStatusRequest,
        context: Context,
    ) -> pb.GetCacheStatusResponse:
        names = self._servers(_named(request.target, request.server))
        return pb.GetCacheStatusResponse(
            statuses=[convert.status_to_pb(self._manager.status(n)) for n in names]
        )

    async def WatchCacheStatus(
        self,
        request: pb.WatchCacheStatusRequest,
        context: Context,
    ) -> AsyncIterator[pb.WatchCacheStatusResponse]:
        named = _named(request.target, request.server)
        self._servers(named)
        version = self._manager.version
        sent: dict[str, pb.CacheStatus] = {}
        while True:
            building = False
            # Every round asks again: servers come and go (one named and deleted ends the
            # stream with NOT_FOUND).
            for name in self._servers(named):
                try:
                    status = convert.status_to_pb(self._manager.status(name))
                except ServerNotFound:
                    if named is not None:
                        raise
                    continue  # deleted meanwhile
                building = building or status.state == pb.CACHE_STATE_BUILDING
                if status != sent.get(name) or status.state == pb.CACHE_STATE_BUILDING:
                    sent[name] = status
                    yield pb.WatchCacheStatusResponse(status=status)
            version = await self._manager.wait_changed(
                version, WATCH_TICK_BUILDING if building else WATCH_TICK_IDLE
            )

    async def BuildCache(
        self,
        request: pb.BuildCacheRequest,
        context: Context,
    ) -> pb.BuildCacheResponse:
        server = _one(request.target, request.server)
        full = {pb.BUILD_MODE_FULL: True, pb.BUILD_MODE_INCREMENTAL: False}.get(request.mode)
        if request.mode not in (
            pb.BUILD_MODE_UNSPECIFIED,
            pb.BUILD_MODE_FULL,
            pb.BUILD_MODE_INCREMENTAL,
        ):
            check([FieldViolation("mode", "must be BUILD_MODE_FULL or BUILD_MODE_INCREMENTAL")])
        started = await self._manager.request_build(server, full)
        return pb.BuildCacheResponse(
            started=started, status=convert.status_to_pb(self._manager.status(server))
        )

    async def MatchTracks(
        self,
        request: pb.MatchTracksRequest,
        context: Context,
    ) -> pb.MatchTracksResponse:
        server = _one(request.target, request.server)
        _check_queries(request)
        queries = [convert.query_from_pb(t) for t in request.tracks]
        threshold = request.min_confidence or self._manager.min_confidence()
        started = time.monotonic()
        matches, state, generation = await asyncio.to_thread(
            self._manager.match, server, queries, threshold
        )
        observe_match(self._metrics, server, matches, time.monotonic() - started, state.value)
        authoritative = state is CacheState.READY
        return pb.MatchTracksResponse(
            results=[
                convert.result_to_pb(t.ref, m, authoritative)
                for t, m in zip(request.tracks, matches, strict=False)
            ],
            state=protoconv.CACHE_STATES[state],
            generation=generation,
        )

    async def ExplainMatch(
        self,
        request: pb.ExplainMatchRequest,
        context: Context,
    ) -> pb.ExplainMatchResponse:
        server = _one(request.target, request.server)
        _check_explain(request)
        query = convert.query_from_pb(request.track)
        threshold = request.min_confidence or self._manager.min_confidence()
        limit = request.limit or EXPLAIN_LIMIT
        explained, state, generation = await asyncio.to_thread(
            self._manager.explain, server, query, threshold, limit
        )
        return convert.explanation_to_pb(request.track.ref, explained, state, generation, threshold)

    async def LookupItems(
        self,
        request: pb.LookupItemsRequest,
        context: Context,
    ) -> pb.LookupItemsResponse:
        server = _one(request.target, request.server)
        ids = list(dict.fromkeys(request.item_ids))
        if not ids or len(ids) > MAX_LOOKUP:
            check([FieldViolation("item_ids", f"give 1 to {MAX_LOOKUP:,} item ids")])
        state, found = await asyncio.to_thread(self._manager.lookup, server, ids)
        if found is None:
            return pb.LookupItemsResponse(state=protoconv.CACHE_STATES[state], serving=False)
        held = {t.item_id for t in found}
        return pb.LookupItemsResponse(
            state=protoconv.CACHE_STATES[state],
            serving=True,
            items=[convert.candidate_to_pb(t, 1.0) for t in found],
            missing_item_ids=[i for i in ids if i not in held],
        )
