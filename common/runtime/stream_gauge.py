"""Counts the server streams open (WatchConfig, WatchCacheStatus, WatchSync, WatchStatus):
a leak or a storm of reconnecting watchers shows on /metrics before it hurts."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import grpc
from prometheus_client import Gauge

if TYPE_CHECKING:
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]
else:
    Handler = grpc.RpcMethodHandler


class StreamGauge(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Raises ``gauge{method}`` while a unary-stream call runs, lowers it when it ends
    however it ends (finished, cancelled by the client, failed)."""

    def __init__(self, gauge: Gauge) -> None:
        self._gauge = gauge

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.request_streaming or not handler.response_streaming:
            return handler
        if method.startswith("/grpc.health.v1.Health/"):
            return handler  # the orchestrators' and the channels' health watches
        gauge = self._gauge.labels(method.rsplit("/", 1)[-1])
        behavior: Callable[..., Any] = handler.unary_stream  # type: ignore[assignment]

        async def counted(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            gauge.inc()
            try:
                if inspect.isasyncgenfunction(behavior):
                    async for item in behavior(request, context):
                        yield item
                else:  # a behaviour that writes with context.write
                    await behavior(request, context)
            finally:
                gauge.dec()

        return grpc.unary_stream_rpc_method_handler(
            counted,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
