"""PostgreSQL going away under a running config_svc: health turns NOT_SERVING, calls answer
UNAVAILABLE (DATABASE_UNAVAILABLE), and once it returns the service recovers by itself
with everything committed before still there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel
from tests.support.config_service import config_replicas
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.rpc import TIMEOUT, error_reason, next_message
from tests.support.tcp_proxy import proxied_database
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)

KEY = "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
async def shared_url(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database("postgres", tmp_path) as url:
        yield url


async def write(config: config_pb2_grpc.ConfigServiceAsyncStub, value: int) -> int:
    reply = await config.UpdateSettings(
        pb.UpdateSettingsRequest(changes=[pb.SettingChange(key=KEY, value=str(value))]),
        timeout=TIMEOUT,
    )
    return reply.revision


async def stored(config: config_pb2_grpc.ConfigServiceAsyncStub) -> tuple[int, str]:
    reply = await config.GetSettings(pb.GetSettingsRequest(keys=[KEY]), timeout=TIMEOUT)
    return reply.revision, reply.settings[0].value


async def test_a_lost_database_turns_health_and_calls_unavailable_until_it_returns(
    shared_url: str, tmp_path: Path
) -> None:
    async with (
        proxied_database(shared_url) as (url, proxy),
        config_replicas(url, tmp_path, count=1, db_check_seconds=0.1) as (replica,),
    ):
        channel = open_channel(f"127.0.0.1:{replica.app.server.port}")
        health = health_pb2_grpc.HealthStub(channel)

        async def status() -> int:
            reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
            return int(reply.status)

        committed = await write(replica.stub, 4321)
        assert await status() == SERVING

        await proxy.close()
        await eventually(
            lambda: _is(status, NOT_SERVING), within=TIMEOUT, what="NOT_SERVING while it is away"
        )
        for call in (stored(replica.stub), write(replica.stub, 1234)):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value.details()
            assert error_reason(caught.value) == "DATABASE_UNAVAILABLE"

        await proxy.open()
        await eventually(lambda: _is(status, SERVING), within=TIMEOUT, what="SERVING again")
        assert await stored(replica.stub) == (committed, "4321")
        assert await write(replica.stub, 5678) == committed + 1
        await channel.close(None)


async def test_a_watch_ends_unavailable_and_resumes_on_a_replica_that_kept_its_database(
    shared_url: str, tmp_path: Path
) -> None:
    async with (
        proxied_database(shared_url) as (url, proxy),
        config_replicas(url, tmp_path / "cut", count=1) as (cut,),
        config_replicas(shared_url, tmp_path / "kept", count=1) as (kept,),
    ):
        start = await write(kept.stub, 1)
        stream = cut.stub.WatchConfig(
            pb.WatchConfigRequest(after_revision=start, progress_interval_ms=100), timeout=30
        )
        assert (await next_message(stream)).kind == pb.WATCH_RESPONSE_KIND_PROGRESS
        await proxy.close()
        written = await write(kept.stub, 2)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _progress_until_failure(stream)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert error_reason(caught.value) == "DATABASE_UNAVAILABLE"
        resumed = kept.stub.WatchConfig(pb.WatchConfigRequest(after_revision=start), timeout=30)
        message = await next_message(resumed)
        assert (message.kind, message.revision) == (pb.WATCH_RESPONSE_KIND_EVENTS, written)
        resumed.cancel()


async def _is(status: Callable[[], Awaitable[int]], wanted: int) -> bool:
    try:
        return await status() == wanted
    except grpc.aio.AioRpcError:
        return False


async def _progress_until_failure(stream: grpc.aio.UnaryStreamCall) -> None:  # type: ignore[type-arg]
    """Read a watch whose replica lost its database: only progress messages, until the
    stream fails (progress re-reads the database, which is gone)."""
    for _ in range(1000):
        message = await next_message(stream)
        assert message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS
    raise AssertionError("the watch never failed")
