"""Health probes over grpc.health.v1, and ``python -m common.runtime.probe ADDRESS [SERVICE]``:
exit 0 when the service at ADDRESS reports SERVING (for container health checks)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel


async def is_serving(
    address: str, service: str = "", wait_seconds: float = 2.0, ca: bytes | None = None
) -> bool:
    channel = open_channel(address, ca=ca)
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=wait_seconds
        )
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.aio.AioRpcError:
        return False
    finally:
        await channel.close(None)


async def wait_serving(address: str, deadline: float = 30.0) -> None:
    """Poll until the service at ``address`` is SERVING; TimeoutError after ``deadline`` s."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not await is_serving(address, wait_seconds=1.0):
        if loop.time() > end:
            raise TimeoutError(f"{address} did not report SERVING within {deadline:g} s")
        await asyncio.sleep(0.1)


def free_port() -> int:
    """A loopback port free at the moment of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m common.runtime.probe ADDRESS [SERVICE]")
    service = sys.argv[2] if len(sys.argv) == 3 else ""
    ca_file = os.environ.get("CMDARR_TLS_CA", "")  # services serving TLS are probed over TLS
    ca = Path(ca_file).read_bytes() if ca_file else None
    sys.exit(0 if asyncio.run(is_serving(sys.argv[1], service, wait_seconds=3.0, ca=ca)) else 1)
