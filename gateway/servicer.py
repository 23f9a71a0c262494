"""cmdarr.gateway.v1.GatewayService over gRPC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from cmdarr.gateway.v1 import gateway_pb2 as pb
from cmdarr.gateway.v1 import gateway_pb2_grpc

from common.config.registry import Registry
from common.errors import UpstreamUnavailable
from gateway.actions import apply_fix
from gateway.backends import Backends

Context = grpc.aio.ServicerContext[Any, Any]
WATCH_EVERY = 1.0
WATCH_QUIET_RESEND = 15.0


class GatewayServicer(gateway_pb2_grpc.GatewayServiceServicer):
    def __init__(self, backends: Backends, registry: Registry) -> None:
        self._backends = backends
        self._registry = registry

    async def GetStatus(
        self,
        request: pb.GetStatusRequest,
        context: Context,
    ) -> pb.GetStatusResponse:
        return pb.GetStatusResponse(status=await self._backends.status(self._registry))

    async def ListWarnings(
        self,
        request: pb.ListWarningsRequest,
        context: Context,
    ) -> pb.ListWarningsResponse:
        try:
            caches = await self._backends.cache_statuses()
            return pb.ListWarningsResponse(
                warnings=await self._backends.warnings(self._registry, caches)
            )
        except grpc.aio.AioRpcError as exc:
            raise UpstreamUnavailable(f"config_svc is unavailable ({exc.code().name})") from None

    async def WatchStatus(
        self,
        request: pb.WatchStatusRequest,
        context: Context,
    ) -> AsyncIterator[pb.WatchStatusResponse]:
        """The status now, then whenever it changes (checked every second)."""
        last: pb.Status | None = None
        quiet = 0.0
        while True:
            status = await self._backends.status(self._registry)
            if status != last or quiet >= WATCH_QUIET_RESEND:
                yield pb.WatchStatusResponse(status=status)
                last, quiet = status, 0.0
            await asyncio.sleep(WATCH_EVERY)
            quiet += WATCH_EVERY

    async def ApplyAction(
        self,
        request: pb.ApplyActionRequest,
        context: Context,
    ) -> pb.ApplyActionResponse:
        return await apply_fix(self._backends, request.fix)
