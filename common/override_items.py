"""The item check of a match override, made by its callers before PutMatchOverride.

config_svc calls no other service (the call graph between services is a DAG), so it cannot
ask the library cache whether a pin's item exists. The callers that have cache_svc at hand
ask its LookupItems first: the gateway's review routes and the CLI's match commands. A pin
put without the check (the client library, or a cache that serves no generation yet) is
reported later by ``CacheStatus.stale_overrides`` once a serving generation lacks its item.
"""

from __future__ import annotations

import grpc
from cmdarr.cache.v1 import cache_pb2, cache_pb2_grpc
from cmdarr.config.v1 import config_pb2

from common.errors import FieldViolation
from common.matching.overrides import MAX_ITEM_ID
from common.wire.override_pb import server_of
from common.wire.protoconv import TARGETS_BACK

ITEM_FIELD = "override.item_id"


def lookup_of(override: config_pb2.MatchOverride) -> cache_pb2.LookupItemsRequest | None:
    """The LookupItems request that checks the override's item; None when there is nothing
    to check (no item, or a server or an id config_svc refuses by itself, naming it)."""
    item_id = override.item_id.strip()
    server = server_of(override)
    if not item_id or len(item_id) > MAX_ITEM_ID or not server:
        return None
    if override.target in TARGETS_BACK:  # a target: as every cache_svc release understands
        return cache_pb2.LookupItemsRequest(target=override.target, item_ids=[item_id])
    return cache_pb2.LookupItemsRequest(server=server, item_ids=[item_id])


def item_violations(
    override: config_pb2.MatchOverride, reply: cache_pb2.LookupItemsResponse
) -> list[FieldViolation]:
    """The violation naming ``override.item_id`` when the serving generation does not hold
    the item. With no serving generation (cache off, never built) the id cannot be checked
    and is accepted."""
    item_id = override.item_id.strip()
    if not reply.serving or item_id not in reply.missing_item_ids:
        return []
    server = server_of(override)
    target = TARGETS_BACK.get(override.target)
    cache = f"the {target.label} library cache" if target else f"the library cache of {server!r}"
    return [
        FieldViolation(
            ITEM_FIELD,
            f"{cache} holds no item {item_id[:64]!r}; pick an id from a sync report or a search",
        )
    ]


async def check_item(
    cache: cache_pb2_grpc.CacheServiceAsyncStub,
    override: config_pb2.MatchOverride,
    *,
    deadline: float,
) -> list[FieldViolation]:
    """Asks cache_svc whether the override's item exists, within ``deadline`` seconds (no
    call when there is nothing to check). A cache_svc that does not answer raises its
    ``grpc.aio.AioRpcError``: the caller refuses the put rather than store an unchecked id
    it was asked to check."""
    request = lookup_of(override)
    if request is None:
        return []
    try:
        reply = await cache.LookupItems(request, timeout=deadline)
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            return []  # no such server: config_svc refuses the put, naming override.server
        raise
    return item_violations(override, reply)
