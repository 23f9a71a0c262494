"""gRPC with a key ring: channels send the key in force at each call, a rotation is taken
at once with the old key kept for the grace only, and wrong keys are rate-limited per
address and logged without the key."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.app import start as start_cache
from common.auth.keys import KeyRing, new_key
from common.env import ServiceEnv
from common.wire.channels import open_channel
from config_svc.app import start as start_config
from tests.support.clocks import SteppedClock
from tests.support.rpc import STOP_GRACE, TIMEOUT


def env(service: str, tmp_path: Path, ring: KeyRing) -> ServiceEnv:
    url = f"sqlite+aiosqlite:///{tmp_path / (service + '.db')}"
    return ServiceEnv(service, "127.0.0.1:0", tmp_path, url, None, 0.3, "INFO", keys=ring)


async def list_warnings(address: str, key: str | None) -> grpc.StatusCode:
    channel = open_channel(address, key)
    try:
        stub = config_pb2_grpc.ConfigServiceStub(channel)
        await stub.ListWarnings(cpb.ListWarningsRequest(), timeout=TIMEOUT)
        return grpc.StatusCode.OK
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    finally:
        await channel.close(None)


async def test_rotation_between_services(tmp_path: Path) -> None:
    clock = SteppedClock()
    old = new_key()
    config_ring = KeyRing(old, clock=clock, grace=10)
    cache_ring = KeyRing(old, clock=clock, grace=10)
    config = await start_config(env("config", tmp_path, config_ring), environ={})
    address = f"127.0.0.1:{config.server.port}"
    cache = await start_cache(
        env("cache", tmp_path, cache_ring), config_address=address, progress_interval_ms=200
    )
    channel = open_channel(f"127.0.0.1:{cache.server.port}", cache_ring)
    try:
        stub = cache_pb2_grpc.CacheServiceStub(channel)
        await stub.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)
        new = new_key()
        config_ring.replace(new)
        assert await list_warnings(address, new) == grpc.StatusCode.OK
        assert await list_warnings(address, old) == grpc.StatusCode.OK, "within the grace"
        cache_ring.replace(new)  # the same channel now sends the new key
        await stub.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)
        clock.advance(10)
        assert await list_warnings(address, old) == grpc.StatusCode.UNAUTHENTICATED
        assert await list_warnings(address, None) == grpc.StatusCode.UNAUTHENTICATED
        assert await list_warnings(address, new) == grpc.StatusCode.OK
    finally:
        await channel.close(None)
        await cache.stop(STOP_GRACE)
        await config.stop(STOP_GRACE)


async def test_wrong_keys_are_rate_limited_and_logged_without_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    key = new_key()
    config = await start_config(env("config", tmp_path, KeyRing(key)), environ={})
    address = f"127.0.0.1:{config.server.port}"
    try:
        codes = [await list_warnings(address, f"guess-{n:04}") for n in range(10)]
        assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 10
        channel = open_channel(address, key)
        try:
            stub = config_pb2_grpc.ConfigServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ListWarnings(cpb.ListWarningsRequest(), timeout=TIMEOUT)
        finally:
            await channel.close(None)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "too many wrong API keys" in (caught.value.details() or "")
    finally:
        await config.stop(STOP_GRACE)
    refusals = [
        getattr(r, "fields", {}) for r in caplog.records if "refused a call" in r.getMessage()
    ]
    assert len(refusals) == 10
    assert all(f["client"] == "127.0.0.1" and f["reason"] == "wrong" for f in refusals)
    logged = caplog.text + repr(refusals)
    for secret in (key, "guess-0000", "guess-0009"):
        assert secret not in logged
