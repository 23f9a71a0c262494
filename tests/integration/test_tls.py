"""Optional TLS: with a certificate and key a service serves TLS only, and a client that
trusts the authority (CMDARR_TLS_CA) reaches it, service to service included."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.app import start as start_cache
from common.env import ServiceEnv
from common.wire.channels import open_channel
from config_svc.app import start as start_config
from tests.support.certificates import make_certificate
from tests.support.rpc import STOP_GRACE, TIMEOUT
from tests.support.waiting import eventually


async def test_tls_between_client_and_services(tmp_path: Path) -> None:
    cert, key = await asyncio.to_thread(make_certificate, tmp_path)
    ca = await asyncio.to_thread(cert.read_bytes)

    def env(name: str) -> ServiceEnv:
        return ServiceEnv(
            name, "127.0.0.1:0", tmp_path, f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}", None,
            0.2, "INFO", tls_cert=str(cert), tls_key=str(key), tls_ca=str(cert),
        )  # fmt: skip

    config_app = await start_config(env("config"), environ={})
    config_address = f"127.0.0.1:{config_app.server.port}"
    cache_app = await start_cache(
        env("cache"), config_address=config_address, progress_interval_ms=200
    )
    try:
        secure = open_channel(config_address, ca=ca)
        reply = await config_pb2_grpc.ConfigServiceStub(secure).GetSettings(
            cpb.GetSettingsRequest(), timeout=TIMEOUT
        )
        assert reply.settings
        await config_pb2_grpc.ConfigServiceStub(secure).UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key="MAX_PARALLEL_SYNCS", value="3")]
            ),
            timeout=TIMEOUT,
        )
        plain = open_channel(config_address)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await config_pb2_grpc.ConfigServiceStub(plain).GetSettings(
                cpb.GetSettingsRequest(), timeout=3
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        # cache_svc follows config_svc over TLS and serves TLS itself.
        cache = cache_pb2_grpc.CacheServiceStub(
            open_channel(f"127.0.0.1:{cache_app.server.port}", ca=ca)
        )

        async def followed() -> bool:
            reply = await cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)
            return reply.statuses[0].applied_config_revision >= 1

        await eventually(followed, within=TIMEOUT, what="cache_svc following config_svc")
        await secure.close(None)
        await plain.close(None)
    finally:
        await cache_app.stop(STOP_GRACE)
        await config_app.stop(STOP_GRACE)
