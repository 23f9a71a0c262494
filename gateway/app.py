"""Assembly of the gateway: channels to the services, the gRPC server, the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass

import uvicorn
from cmdarr.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from cmdarr_client.service_config import CACHE_SERVICE, CONFIG_SERVICE, SYNC_SERVICE
from common.config.registry import Registry
from common.env import ServiceEnv
from common.runtime.lifecycle import Lifecycle
from common.runtime.logs import Redactor
from common.runtime.server import GrpcServer, PortInUse
from common.runtime.tcp import listening_socket
from common.runtime.telemetry import Telemetry
from common.runtime.tls import load_tls
from common.wire.channels import open_channel
from gateway.backends import Backends
from gateway.http import build_http
from gateway.servicer import GatewayServicer

SERVICE_NAME = gateway_pb2.DESCRIPTOR.services_by_name["GatewayService"].full_name


@dataclass
class GatewayApp:
    server: GrpcServer
    http: uvicorn.Server
    http_task: asyncio.Task[None]
    http_port: int
    backends: Backends
    lifecycle: Lifecycle

    async def stop(self, grace: float) -> None:
        await self.lifecycle.stop(grace)


def _bind(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    try:
        return listening_socket(host or "127.0.0.1", int(port))
    except OSError as exc:
        raise PortInUse(f"cannot bind {address}: {exc}") from exc


async def start(
    env: ServiceEnv,
    *,
    http_address: str,
    config_address: str,
    cache_address: str,
    sync_address: str,
    telemetry: Telemetry | None = None,
    redactor: Redactor | None = None,
) -> GatewayApp:
    """``redactor``: the one the process's logs are masked with; it learns the tokens the
    HTTP API receives."""
    telemetry = telemetry or Telemetry()
    redactor = redactor or Redactor()
    traced = telemetry.client_interceptors()
    tls = await load_tls(env)
    registry = Registry()
    backends = Backends.on(
        {
            name: open_channel(address, env.key_ring, tls.ca, service=full, interceptors=traced)
            for name, address, full in (
                ("config_svc", config_address, CONFIG_SERVICE),
                ("cache_svc", cache_address, CACHE_SERVICE),
                ("sync_svc", sync_address, SYNC_SERVICE),
            )
        }
    )
    server = GrpcServer(
        address=env.address,
        service_names=[SERVICE_NAME],
        api_key=env.key_ring,
        tls=tls.serving,
        interceptors=telemetry.server_interceptors(),
    )
    gateway_pb2_grpc.add_GatewayServiceServicer_to_server(
        GatewayServicer(backends, registry), server.server
    )
    sock = _bind(http_address)
    config = uvicorn.Config(
        build_http(backends, registry, env.key_ring, telemetry.metrics.render, redactor.add),
        log_config=None,  # uvicorn's lines go through the process's JSON, redacted handler
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    http = uvicorn.Server(config)
    await server.start()
    http_task = asyncio.create_task(http.serve(sockets=[sock]), name="http")
    while not http.started:
        if http_task.done():
            http_task.result()
        await asyncio.sleep(0.01)
    await server.set_serving(True)

    async def stop_http() -> None:
        http.should_exit = True
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5.0):
                await http_task

    lifecycle = Lifecycle(server)
    lifecycle.on_stop(stop_http)
    for channel in backends.channels.values():
        lifecycle.own(channel)
    return GatewayApp(server, http, http_task, int(sock.getsockname()[1]), backends, lifecycle)
