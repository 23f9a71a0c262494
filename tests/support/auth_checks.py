"""Calls without the key, to every RPC and every HTTP route, counted: what the API-key,
compose and hardening tests assert on."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

import grpc
import httpx
import pytest
from cmdarr.cache.v1 import cache_pb2
from cmdarr.config.v1 import config_pb2
from cmdarr.gateway.v1 import gateway_pb2
from cmdarr.sync.v1 import sync_pb2

from common.wire.channels import open_channel
from tests.support.rpc import TIMEOUT, error_reason

SERVICE_MODULES = (config_pb2, cache_pb2, sync_pb2, gateway_pb2)
# Every HTTP route that needs the key when one is required. The probes (/healthz,
# /readyz), the sign-in form (/login) and /logout are open by design.
PROTECTED_ROUTES = (
    ("GET", "/"),
    ("GET", "/api/status"),
    ("GET", "/api/warnings"),
    ("POST", "/api/actions"),
    ("GET", "/api/review"),
    ("GET", "/api/overrides"),
    ("POST", "/api/overrides"),
    ("GET", "/api/servers"),
    ("POST", "/api/servers"),
    ("POST", "/api/servers/{name}/test"),
    ("POST", "/api/servers/{name}/enable"),
    ("POST", "/api/servers/{name}/disable"),
    ("GET", "/api/servers/{name}/users"),
    ("POST", "/api/lidarr/test"),
    ("GET", "/api/lidarr/preview/{run_id}"),
    ("POST", "/api/lidarr/send/{run_id}"),
    ("GET", "/api/covers/{key}"),
    ("GET", "/metrics"),
)
OPEN_ROUTES = ("/healthz", "/readyz", "/login", "/logout")


def every_rpc() -> list[tuple[str, str, bool]]:
    """(service full name, method path, server-streaming) for every RPC of every service."""
    found = []
    for module in SERVICE_MODULES:
        for svc in module.DESCRIPTOR.services_by_name.values():
            for method in svc.methods:
                found.append(
                    (svc.full_name, f"/{svc.full_name}/{method.name}", method.server_streaming)
                )
    return found


async def refused_rpcs(addresses: Mapping[str, str], key: str | None = None) -> tuple[int, int]:
    """Calls every RPC (sending ``key``, a wrong one, or none); returns (refused
    UNAUTHENTICATED, total)."""
    refused = total = 0
    channels = {name: open_channel(address, key) for name, address in addresses.items()}
    raw: dict[str, Any] = {"request_serializer": lambda b: b, "response_deserializer": lambda b: b}
    try:
        for service, path, streaming in every_rpc():
            channel = channels[service]
            call: Awaitable[object]
            if streaming:
                call = channel.unary_stream(path, **raw)(b"", timeout=TIMEOUT).read()
            else:
                call = channel.unary_unary(path, **raw)(b"", timeout=TIMEOUT)
            total += 1
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call
            refused += (
                caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
                and error_reason(caught.value) == "UNAUTHENTICATED"
            )
    finally:
        for channel in channels.values():
            await channel.close(None)
    return refused, total


async def refused_routes(
    base_url: str, headers: Mapping[str, str] | None = None
) -> tuple[int, int]:
    """Requests every protected route (with ``headers``, e.g. a wrong key, or none);
    returns (refused with 401, or 429 once the address offered too many wrong keys, and
    no data; total). A route's ``{name}`` is the server ``plex``."""
    refused = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as http:
        for method, path in PROTECTED_ROUTES:
            body = (
                {"action": "enable_library_cache", "target": "plex"} if method == "POST" else None
            )
            reply = await http.request(
                method,
                path.replace("{name}", "plex").replace("{key}", "0" * 64),
                json=body,
                headers=dict(headers or {}),
            )
            leaked = any(
                word in reply.text
                for word in (
                    "targets",
                    "cmdarr_service_up",
                    'warnings"',
                    'runs"',
                    'overrides"',
                    'servers"',
                    'users"',
                )
            )
            refused += reply.status_code in (401, 429) and not leaked
    return refused, len(PROTECTED_ROUTES)
