"""Addresses that name several replicas: one channel balances over them round_robin, skips
a replica that is NOT_SERVING or gone, and retries reads (never writes) on another one.

Replicas of config_svc tell themselves apart through the public API: each pins
TARGET_MAX_CONCURRENCY in its own environment, and a pinned value is what GetSettings
answers, so the value in a reply names the replica that served it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cmdarr_client.service_config import CONFIG_SERVICE
from common.runtime.server import GrpcServer
from common.wire.channels import DEFAULT_TIMEOUT, open_channel
from config_svc.app import ConfigApp
from tests.support.config_service import running_config
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.waiting import eventually

KEY = "TARGET_MAX_CONCURRENCY"
CALLS = 40

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="two replicas share PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)


async def served_by(config: config_pb2_grpc.ConfigServiceAsyncStub) -> str:
    """The pinned value of the replica that answered one GetSettings."""
    reply = await config.GetSettings(pb.GetSettingsRequest(keys=[KEY]), timeout=DEFAULT_TIMEOUT)
    (setting,) = reply.settings
    return setting.value


async def tally(config: config_pb2_grpc.ConfigServiceAsyncStub, calls: int = CALLS) -> Counter[str]:
    return Counter([await served_by(config) for _ in range(calls)])


@asynccontextmanager
async def replicas(tmp_path: Path, count: int = 2) -> AsyncIterator[list[ConfigApp]]:
    """``count`` config_svc replicas on one fresh PostgreSQL database; replica i pins
    TARGET_MAX_CONCURRENCY to str(i + 1)."""
    async with fresh_database("postgres", tmp_path) as url, AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(
                running_config(url, tmp_path / str(i), environ={KEY: str(i + 1)})
            )
            for i in range(count)
        ]
        yield apps


@asynccontextmanager
async def stub(address: str) -> AsyncIterator[config_pb2_grpc.ConfigServiceAsyncStub]:
    channel = open_channel(address, service=CONFIG_SERVICE)
    try:
        yield config_pb2_grpc.ConfigServiceStub(channel)
    finally:
        await channel.close(None)


async def both_seen(config: config_pb2_grpc.ConfigServiceAsyncStub) -> bool:
    """True once a round of calls reached both replicas (their connections are up)."""
    return set(await tally(config, 4)) == {"1", "2"}


@needs_postgres
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_calls_are_spread_over_the_replicas_of_a_list(host: str, tmp_path: Path) -> None:
    async with replicas(tmp_path) as (first, second):
        address = f"{host}:{first.server.port},{host}:{second.server.port}"
        async with stub(address) as config:
            await eventually(lambda: both_seen(config), what="both replicas answering")
            counts = await tally(config)
    assert set(counts) == {"1", "2"}
    assert sum(counts.values()) == CALLS
    assert min(counts.values()) >= CALLS // 4, counts


@needs_postgres
async def test_a_stopped_replica_is_skipped_and_every_call_succeeds(tmp_path: Path) -> None:
    async with replicas(tmp_path) as (first, second):
        async with stub(f"127.0.0.1:{first.server.port},127.0.0.1:{second.server.port}") as config:
            await eventually(lambda: both_seen(config), what="both replicas answering")
            # Calls keep flowing while the second replica stops (NOT_SERVING, then gone).
            stopping = asyncio.create_task(second.stop(0.5))
            during = await tally(config)
            await stopping
            after = await tally(config)
    assert sum(during.values()) == CALLS, "no call failed while a replica stopped"
    assert after == Counter({"1": CALLS}), "only the surviving replica answers"


@needs_postgres
async def test_a_not_serving_replica_gets_no_calls(tmp_path: Path) -> None:
    async with replicas(tmp_path) as (first, second):
        async with stub(f"127.0.0.1:{first.server.port},127.0.0.1:{second.server.port}") as config:
            await eventually(lambda: both_seen(config), what="both replicas answering")
            await second.server.set_serving(False)

            async def only_first() -> bool:
                return await tally(config, 6) == Counter({"1": 6})

            await eventually(only_first, within=5, what="the NOT_SERVING replica skipped")
            assert await tally(config) == Counter({"1": CALLS})
            await second.server.set_serving(True)
            await eventually(lambda: both_seen(config), what="the replica back in rotation")


class Unavailable:
    """A replica that reports SERVING but answers every call UNAVAILABLE (as one that is
    going away does), counting what it was sent."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def handler(self, method: str) -> grpc.RpcMethodHandler[object, object]:
        async def answer(
            _request: object, context: grpc.aio.ServicerContext[object, object]
        ) -> object:
            self.calls[method] += 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, "going away")

        return grpc.unary_unary_rpc_method_handler(answer)

    def register(self, server: grpc.aio.Server) -> None:
        methods = {m: self.handler(m) for m in ("GetSettings", "UpdateSettings")}
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(CONFIG_SERVICE, methods),)
        )


@asynccontextmanager
async def unavailable_replica() -> AsyncIterator[tuple[GrpcServer, Unavailable]]:
    servicer = Unavailable()
    server = GrpcServer(address="127.0.0.1:0", service_names=[CONFIG_SERVICE])
    servicer.register(server.server)
    await server.start()
    await server.set_serving(True)
    try:
        yield server, servicer
    finally:
        await server.stop(0)


async def test_reads_are_retried_on_another_replica_and_writes_are_not(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        running_config(database_url, tmp_path, environ={KEY: "1"}) as real,
        unavailable_replica() as (fake, servicer),
        stub(f"127.0.0.1:{real.server.port},127.0.0.1:{fake.port}") as config,
    ):

        async def fake_reached() -> bool:
            await served_by(config)  # every read succeeds, retried when it hit the fake
            return servicer.calls["GetSettings"] > 0

        await eventually(fake_reached, what="the balancer using both replicas")
        before = servicer.calls["GetSettings"]
        assert await tally(config) == Counter({"1": CALLS}), "every read answered"
        assert servicer.calls["GetSettings"] - before >= CALLS // 4, "round_robin hit the fake"

        codes: list[grpc.StatusCode] = []
        writes = 20
        for n in range(writes):
            change = pb.SettingChange(key="MATCH_MIN_CONFIDENCE", value=f"0.{50 + n}")
            try:
                await config.UpdateSettings(
                    pb.UpdateSettingsRequest(changes=[change]), timeout=DEFAULT_TIMEOUT
                )
            except grpc.aio.AioRpcError as error:
                codes.append(error.code())
        failed = len(codes)
        assert set(codes) == {grpc.StatusCode.UNAVAILABLE}, "writes fail as the fake answers"
        assert failed < writes
        assert servicer.calls["UpdateSettings"] == failed, "each write was sent once"


async def test_a_dns_target_reaches_the_service(config_app: ConfigApp) -> None:
    async with stub(f"dns:///localhost:{config_app.server.port}") as config:
        reply = await config.GetSettings(pb.GetSettingsRequest(), timeout=DEFAULT_TIMEOUT)
    assert KEY in {setting.key for setting in reply.settings}
