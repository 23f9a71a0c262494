"""The gRPC server every service runs: health, reflection, interceptors, graceful stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from common.auth.keys import KeyRing
from common.runtime.interceptors import ServiceInterceptor

_log = logging.getLogger("cmdarr.server")

MAX_MESSAGE_BYTES = 32 * 1024 * 1024

SERVER_OPTIONS: Sequence[tuple[str, int]] = (
    # Without this a second server silently shares a port already in use.
    ("grpc.so_reuseport", 0),
    # Long-lived watch streams: ping idle connections, and let clients ping us as often.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    # Oversized inputs must reach validation (INVALID_ARGUMENT naming the field) rather
    # than be cut off as RESOURCE_EXHAUSTED by the transport.
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
)


class PortInUse(RuntimeError):
    """The address could not be bound."""


# Of a stop's grace, how long new calls may still arrive while clients learn NOT_SERVING.
MAX_DRAIN_SECONDS = 1.0


class GrpcServer:
    """A grpc.aio server with health (NOT_SERVING until set_serving), reflection and the
    service interceptor.

    Usage: construct, register servicers on ``.server``, ``await start()``, then
    ``set_serving(True)`` once the service is ready; ``await stop()`` on the way out.
    """

    def __init__(
        self,
        *,
        address: str,
        service_names: Sequence[str],
        api_key: str | KeyRing | None = None,
        tls: tuple[bytes, bytes] | None = None,
        interceptors: Sequence[Any] = (),
    ) -> None:
        """``interceptors`` run before the service interceptor (tracing first, so that its
        span sees every status: common/runtime/telemetry.py ``Telemetry.server_interceptors``)."""
        self.address = address
        self._tls = tls  # (private key, certificate chain) in PEM: serve TLS
        self.server = grpc.aio.server(
            interceptors=[*interceptors, ServiceInterceptor(api_key)],
            options=SERVER_OPTIONS,
        )
        self._service_names = tuple(service_names)
        self.health = health.aio.HealthServicer()  # type: ignore[attr-defined]  # stubs lag
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self.port = 0

    async def start(self) -> int:
        """Bind and start; health says NOT_SERVING until set_serving(True). Returns the port."""
        await self._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
        try:
            if self._tls is not None:
                port = self.server.add_secure_port(
                    self.address, grpc.ssl_server_credentials([self._tls])
                )
            else:
                port = self.server.add_insecure_port(self.address)
        except RuntimeError as exc:
            raise PortInUse(f"cannot bind {self.address}: {exc}") from exc
        if port == 0:
            raise PortInUse(f"cannot bind {self.address}: address in use or invalid")
        self.port = port
        await self.server.start()
        _log.info("listening", extra={"fields": {"address": self.address, "port": port}})
        return port

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self._set_all(status)

    async def _set_all(
        self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType
    ) -> None:
        for name in ("", *self._service_names):
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, give the clients' health checks a moment to move new calls
        to other replicas (a call that races the server's stop would otherwise be
        CANCELLED), then let in-flight calls finish; ``grace`` seconds in all."""
        await self.health.enter_graceful_shutdown()
        drain = min(grace / 2, MAX_DRAIN_SECONDS)
        await asyncio.sleep(drain)
        await self.server.stop(grace - drain)
        _log.info("stopped", extra={"fields": {"address": self.address}})


async def bounded(step: Awaitable[object], seconds: float = 10.0) -> None:
    """Await one step of a shutdown, giving up (with a log line) after ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            await step
    except TimeoutError:
        _log.warning("a shutdown step did not finish in %.0f s; going on", seconds)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        _log.warning("a shutdown step failed: %s", exc)


async def wait_for_termination() -> str:
    """Block until SIGTERM or SIGINT arrives; return the signal's name."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[str] = loop.create_future()

    def deliver(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig.name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, deliver, sig)
    try:
        return await received
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
