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
from common.errors import FieldViolation, check
from common.runtime.service_metrics import ServiceMetrics
from common.wire import protoconv

Context = grpc.aio.ServicerContext[Any, Any]

MAX_BATCH = 10_000
MAX_TEXT = 1024
MAX_LOOKUP = 1000
WATCH_TICK_BUILDING = 1.0
WATCH_TICK_IDLE = 15.0


def _targets(value: int, field: str, *, allow_all: bool) -> list[Target]:
    if value == 0 and allow_all:
        return list(Target)
    target = protoconv.TARGETS_BACK.get(value)  # type: ignore[call-overload]
    if target is None:
        check([FieldViolation(field, "must be TARGET_PLEX or TARGET_JELLYFIN")])
    return [target]


def _check_queries(request: pb.MatchTracksRequest) -> None:
    problems: list[FieldViolation] = []
    if len(request.tracks) > MAX_BATCH:
        problems.append(
            FieldViolation(
                "tracks", f"at most {MAX_BATCH:,} tracks per call, not {len(request.tracks):,}"
            )
        )
    if not 0 <= request.min_confidence <= 1:
        problems.append(FieldViolation("min_confidence", "must be between 0 and 1"))
    for i, track in enumerate(request.tracks[:MAX_BATCH]):
        if not track.title.strip():
            problems.append(FieldViolation(f"tracks[{i}].title", "is required"))
        for name, value in (
            ("title", track.title),
            ("album", track.album),
            *(("artists", a) for a in track.artists),
        ):
            if len(value) > MAX_TEXT:
                problems.append(
                    FieldViolation(
                        f"tracks[{i}].{name}", f"is {len(value):,} characters; at most {MAX_TEXT}"
                    )
                )
        if len(problems) > 100:
            break
    check(problems)


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):
    def __init__(self, manager: CacheManager, metrics: ServiceMetrics | None = None) -> None:
        self._manager = manager
        self._metrics = metrics or ServiceMetrics()

    async def GetCacheStatus(
        self,
        request: pb.GetCacheStatusRequest,
        context: Context,
    ) -> pb.GetCacheStatusResponse:
        targets = _targets(request.target, "target", allow_all=True)
        return pb.GetCacheStatusResponse(
            statuses=[convert.status_to_pb(self._manager.status(t)) for t in targets]
        )

    async def WatchCacheStatus(
        self,
        request: pb.WatchCacheStatusRequest,
        context: Context,
    ) -> AsyncIterator[pb.WatchCacheStatusResponse]:
        targets = _targets(request.target, "target", allow_all=True)
        version = self._manager.version
        sent: dict[Target, pb.CacheStatus] = {}
        while True:
            building = False
            for target in targets:
                status = convert.status_to_pb(self._manager.status(target))
                building = building or status.state == pb.CACHE_STATE_BUILDING
                if status != sent.get(target) or status.state == pb.CACHE_STATE_BUILDING:
                    sent[target] = status
                    yield pb.WatchCacheStatusResponse(status=status)
            version = await self._manager.wait_changed(
                version, WATCH_TICK_BUILDING if building else WATCH_TICK_IDLE
            )

    async def BuildCache(
        self,
        request: pb.BuildCacheRequest,
        context: Context,
    ) -> pb.BuildCacheResponse:
        (target,) = _targets(request.target, "target", allow_all=False)
        full = {pb.BUILD_MODE_FULL: True, pb.BUILD_MODE_INCREMENTAL: False}.get(request.mode)
        if request.mode not in (
            pb.BUILD_MODE_UNSPECIFIED,
            pb.BUILD_MODE_FULL,
            pb.BUILD_MODE_INCREMENTAL,
        ):
            check([FieldViolation("mode", "must be BUILD_MODE_FULL or BUILD_MODE_INCREMENTAL")])
        started = await self._manager.request_build(target, full)
        return pb.BuildCacheResponse(
            started=started, status=convert.status_to_pb(self._manager.status(target))
        )

    async def MatchTracks(
        self,
        request: pb.MatchTracksRequest,
        context: Context,
    ) -> pb.MatchTracksResponse:
        (target,) = _targets(request.target, "target", allow_all=False)
        _check_queries(request)
        queries = [convert.query_from_pb(t) for t in request.tracks]
        threshold = request.min_confidence or self._manager.min_confidence()
        started = time.monotonic()
        matches, state, generation = await asyncio.to_thread(
            self._manager.match, target, queries, threshold
        )
        observe_match(self._metrics, target.value, matches, time.monotonic() - started, state.value)
        authoritative = state is CacheState.READY
        return pb.MatchTracksResponse(
            results=[
                convert.result_to_pb(t.ref, m, authoritative)
                for t, m in zip(request.tracks, matches, strict=False)
            ],
            state=protoconv.CACHE_STATES[state],
            generation=generation,
        )

    async def LookupItems(
        self,
        request: pb.LookupItemsRequest,
        context: Context,
    ) -> pb.LookupItemsResponse:
        (target,) = _targets(request.target, "target", allow_all=False)
        ids = list(dict.fromkeys(request.item_ids))
        if not ids or len(ids) > MAX_LOOKUP:
            check([FieldViolation("item_ids", f"give 1 to {MAX_LOOKUP:,} item ids")])
        state, found = await asyncio.to_thread(self._manager.lookup, target, ids)
        if found is None:
            return pb.LookupItemsResponse(state=protoconv.CACHE_STATES[state], serving=False)
        held = {t.item_id for t in found}
        return pb.LookupItemsResponse(
            state=protoconv.CACHE_STATES[state],
            serving=True,
            items=[convert.candidate_to_pb(t, 1.0) for t in found],
            missing_item_ids=[i for i in ids if i not in held],
        )
