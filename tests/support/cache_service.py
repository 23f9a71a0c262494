"""cache_svc in tests: its settings in-process, and a bounded wait for a cache state."""

from __future__ import annotations

from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from common.env import ServiceEnv
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually


def cache_env(database_url: str, tmp_path: Path) -> ServiceEnv:
    return ServiceEnv("cache", "127.0.0.1:0", tmp_path, database_url, None, 0.5, "INFO")


async def settle(
    cache: cache_pb2_grpc.CacheServiceAsyncStub,
    want: pb.CacheState.ValueType,
    target: tpb.Target.ValueType = tpb.TARGET_PLEX,
    limit: float = 20,
    generation: int = 0,
    server: str = "",
) -> pb.CacheStatus:
    """Wait (bounded) until the cache of the target (or of ``server``, by name, once
    cache_svc follows it) reaches state ``want`` (and generation)."""

    async def reached() -> pb.CacheStatus | None:
        request = (
            pb.GetCacheStatusRequest(server=server)
            if server
            else pb.GetCacheStatusRequest(target=target)
        )
        try:
            status = (await cache.GetCacheStatus(request, timeout=TIMEOUT)).statuses[0]
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return None  # a server created a moment ago, not yet followed

        return status if status.state == want and status.generation >= generation else None

    return await eventually(reached, within=limit, what=f"cache state {want}", poll=0.05)
