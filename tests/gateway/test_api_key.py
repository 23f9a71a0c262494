"""With an API key configured, every service refuses calls without it (health excepted),
and the services still talk to one another (they send the key)."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as gpb
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel
from tests.support.auth_checks import refused_rpcs
from tests.support.ports import free_port
from tests.support.processes import service
from tests.support.rpc import TIMEOUT

KEY = "stack-key-5f1c"


async def list_warnings(channel: grpc.aio.Channel) -> object:
    stub = config_pb2_grpc.ConfigServiceStub(channel)
    return await stub.ListWarnings(cpb.ListWarningsRequest(), timeout=TIMEOUT)


async def cache_status(channel: grpc.aio.Channel) -> object:
    stub = cache_pb2_grpc.CacheServiceStub(channel)
    return await stub.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)


async def list_syncs(channel: grpc.aio.Channel) -> object:
    stub = sync_pb2_grpc.SyncServiceStub(channel)
    return await stub.ListSyncs(pb.ListSyncsRequest(), timeout=TIMEOUT)


async def gateway_status(channel: grpc.aio.Channel) -> object:
    stub = gateway_pb2_grpc.GatewayServiceStub(channel)
    return await stub.GetStatus(gpb.GetStatusRequest(), timeout=TIMEOUT)


async def test_every_service_needs_the_key(tmp_path: Path) -> None:
    env = {"CMDARR_DATA_DIR": str(tmp_path / "data"), "CMDARR_API_KEY": KEY}
    async with service("config_svc", tmp_path, env=env) as config_proc:
        env["CMDARR_CONFIG_ADDR"] = config_proc.address
        async with service("cache_svc", tmp_path, env=env) as cache_proc:
            env["CMDARR_CACHE_ADDR"] = cache_proc.address
            async with service("sync_svc", tmp_path, env=env) as sync_proc:
                env["CMDARR_SYNC_ADDR"] = sync_proc.address
                env["CMDARR_GATEWAY_HTTP_ADDR"] = f"127.0.0.1:{free_port()}"
                async with service("gateway", tmp_path, env=env) as gateway_proc:
                    calls = [
                        (config_proc.address, list_warnings),
                        (cache_proc.address, cache_status),
                        (sync_proc.address, list_syncs),
                        (gateway_proc.address, gateway_status),
                    ]
                    for address, call in calls:
                        anonymous = open_channel(address)
                        with pytest.raises(grpc.aio.AioRpcError) as caught:
                            await call(anonymous)
                        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, address
                        health = await health_pb2_grpc.HealthStub(anonymous).Check(
                            health_pb2.HealthCheckRequest(), timeout=TIMEOUT
                        )
                        assert health.status == health_pb2.HealthCheckResponse.SERVING
                        await anonymous.close(None)
                        keyed = open_channel(address, KEY)
                        await call(keyed)
                        await keyed.close(None)
                    addresses = {
                        "cmdarr.config.v1.ConfigService": config_proc.address,
                        "cmdarr.cache.v1.CacheService": cache_proc.address,
                        "cmdarr.sync.v1.SyncService": sync_proc.address,
                        "cmdarr.gateway.v1.GatewayService": gateway_proc.address,
                    }
                    refused, total = await refused_rpcs(addresses)
                    assert refused == total, "every RPC of every service refuses it"
                    wrong, _ = await refused_rpcs(addresses, "not-the-key")
                    assert wrong == total, "and a wrong key too"
                    keyed = open_channel(gateway_proc.address, KEY)
                    status = await gateway_pb2_grpc.GatewayServiceStub(keyed).GetStatus(
                        gpb.GetStatusRequest(), timeout=TIMEOUT
                    )
                    assert all(s.serving for s in status.status.services), (
                        "the services reach each other"
                    )
                    await keyed.close(None)
