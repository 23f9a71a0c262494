"""The item check of a match override, answered by cache_svc's LookupItems."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from cmdarr.cache.v1 import cache_pb2, cache_pb2_grpc

from common.client import DEFAULT_TIMEOUT
from common.errors import UpstreamUnavailable
from common.model import Target
from common.protoconv import TARGETS


class CacheItems:
    """Asks cache_svc which ids the serving generation of a target holds."""

    def __init__(self, stub: cache_pb2_grpc.CacheServiceAsyncStub) -> None:
        self._stub = stub

    async def missing(self, target: Target, item_ids: Sequence[str]) -> set[str] | None:
        try:
            reply = await self._stub.LookupItems(
                cache_pb2.LookupItemsRequest(target=TARGETS[target], item_ids=list(item_ids)),
                timeout=DEFAULT_TIMEOUT,
            )
        except grpc.aio.AioRpcError as exc:
            raise UpstreamUnavailable(
                f"cache_svc could not check the item ids ({exc.code().name}); try again"
            ) from exc
        return set(reply.missing_item_ids) if reply.serving else None
