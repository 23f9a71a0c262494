"""config_svc calls no other service, so the call graph between the services is a DAG.

The static half is an import-linter contract (pyproject.toml: config_svc imports no other
service's stubs and no channel opener); this is the runtime half: config_svc as its own
process, given the other services' addresses as every deployment gives them, with nothing
there but listeners that count connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel
from tests.support.processes import config_process
from tests.support.rpc import TIMEOUT

OTHERS = ("cache", "sync", "gateway")


@asynccontextmanager
async def counting_listeners(dialed: list[str]) -> AsyncIterator[dict[str, str]]:
    """A loopback listener per other service, recording each connection and closing it;
    yields the CMDARR_<SVC>_ADDR variables that lead to them."""
    async with AsyncExitStack() as stack:
        addresses: dict[str, str] = {}
        for name in OTHERS:

            def record(
                _reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str = name
            ) -> None:
                dialed.append(name)
                writer.close()

            server = await asyncio.start_server(record, "127.0.0.1", 0)
            stack.push_async_callback(server.wait_closed)
            stack.callback(server.close)
            port = server.sockets[0].getsockname()[1]
            addresses[f"CMDARR_{name.upper()}_ADDR"] = f"127.0.0.1:{port}"
        yield addresses


async def test_config_svc_serves_and_takes_a_pin_while_no_other_service_runs(
    tmp_path: Path,
) -> None:
    dialed: list[str] = []
    async with (
        counting_listeners(dialed) as addresses,
        config_process(tmp_path, **addresses) as proc,
    ):
        channel = open_channel(proc.address)
        try:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=TIMEOUT
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            config = config_pb2_grpc.ConfigServiceStub(channel)
            override = pb.MatchOverride(
                target=tpb.TARGET_PLEX,
                key=pb.SourceKey(isrc="USRC17607839"),
                action=pb.OVERRIDE_ACTION_PIN,
                item_id="an-item-no-cache-vouched-for",
            )
            made = await config.PutMatchOverride(
                pb.PutMatchOverrideRequest(override=override), timeout=TIMEOUT
            )
            assert made.override.item_id == override.item_id
            listed = await config.ListMatchOverrides(
                pb.ListMatchOverridesRequest(), timeout=TIMEOUT
            )
            assert list(listed.overrides) == [made.override]
        finally:
            await channel.close(None)
    assert dialed == [], f"config_svc dialed {dialed}"
