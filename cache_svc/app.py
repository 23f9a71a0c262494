"""Assembly of cache_svc: database, caches, the config follower, the refresh schedule, server."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2, cache_pb2_grpc
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.build.builders import Builder, LocalBuilder, SourceFactory, WorkerBuilder
from cache_svc.connections import server_connection_info, server_source_factory
from cache_svc.follower import ConfigFollower
from cache_svc.leases import LeaseStore
from cache_svc.manager import CacheManager
from cache_svc.servicer import CacheServicer
from cache_svc.store import CacheStore
from cmdarr_client.service_config import CONFIG_SERVICE
from common.config.registry import Registry
from common.database.engine import Database
from common.database.health import DatabaseHealth, ping
from common.env import ServiceEnv
from common.runtime.lifecycle import Lifecycle
from common.runtime.logs import Redactor
from common.runtime.server import GrpcServer
from common.runtime.telemetry import Telemetry
from common.runtime.tls import load_tls
from common.wire.channels import open_channel

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "cache_alembic_version"
SERVICE_NAME = cache_pb2.DESCRIPTOR.services_by_name["CacheService"].full_name
REFRESH_CHECK_SECONDS = 60.0
VIEW_SECONDS = 1.0  # how often each replica reads the serving generations and leases


@dataclass
class CacheApp:
    server: GrpcServer
    manager: CacheManager
    lifecycle: Lifecycle

    async def stop(self, grace: float) -> None:
        await self.lifecycle.stop(grace)


async def _refresh_forever(manager: CacheManager, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await manager.refresh_due()


async def start(
    env: ServiceEnv,
    *,
    config_address: str,
    source_factory: SourceFactory | None = None,
    refresh_check_seconds: float = REFRESH_CHECK_SECONDS,
    progress_interval_ms: int = 2000,
    clock: Callable[[], float] = time.time,
    seconds_per_minute: float = 60.0,
    redactor: Redactor | None = None,
    view_seconds: float = VIEW_SECONDS,
    telemetry: Telemetry | None = None,
    in_process_builds: bool = False,
) -> CacheApp:
    """Load the last good indexes and serve; SERVING once the config is followed.
    Builds run in worker processes that read the target servers; with
    ``in_process_builds`` (tests that read this process's spans) or another
    ``source_factory`` they run in this process. The tokens they are given are handed to
    ``redactor``, the one the logs are masked with."""
    redactor = redactor or Redactor()
    telemetry = telemetry or Telemetry()
    tls = await load_tls(env)
    registry = Registry()
    db = Database(env.database_url)
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    telemetry.tracing.instrument_engine(db.engine)
    store = CacheStore(db, clock=clock)
    channel = open_channel(
        config_address,
        env.key_ring,
        tls.ca,
        service=CONFIG_SERVICE,
        interceptors=telemetry.client_interceptors(),
    )
    config_stub = config_pb2_grpc.ConfigServiceStub(channel)
    info = server_connection_info(config_stub, registry, remember_secret=redactor.add)
    builder: Builder
    if source_factory is not None:
        builder = LocalBuilder(source_factory)
    elif in_process_builds:
        builder = LocalBuilder(server_source_factory(info, registry, tracing=telemetry.tracing))
    else:
        builder = WorkerBuilder(info, store.image)
    replica_id = uuid.uuid4().hex
    manager = CacheManager(
        store,
        LeaseStore(db),
        registry,
        builder,
        replica_id=replica_id,
        exclusive=db.is_sqlite,
        clock=clock,
        seconds_per_minute=seconds_per_minute,
        telemetry=telemetry,
    )
    await manager.load()
    server = GrpcServer(
        address=env.address,
        service_names=[SERVICE_NAME],
        api_key=env.key_ring,
        tls=tls.serving,
        interceptors=telemetry.server_interceptors(),
    )
    cache_pb2_grpc.add_CacheServiceServicer_to_server(
        CacheServicer(manager, telemetry.metrics), server.server
    )
    lifecycle = Lifecycle(server, db)
    lifecycle.own(channel)
    lifecycle.on_stop(manager.stop)
    await server.start()

    followed = asyncio.Event()

    async def synced() -> None:
        manager.resume_pending()
        followed.set()
        await server.set_serving(True)

    async def database_changed(healthy: bool) -> None:
        # Ready means caught up with the config and able to reach the database.
        await server.set_serving(healthy and followed.is_set())

    follower = ConfigFollower(
        config_stub,
        store,
        manager,
        registry,
        synced,
        progress_interval_ms=progress_interval_ms,
    )
    lifecycle.spawn(follower.run(), "config-follower")
    lifecycle.spawn(_refresh_forever(manager, refresh_check_seconds), "refresh")
    lifecycle.spawn(manager.run(view_seconds), "cache-view")
    lifecycle.spawn(DatabaseHealth(lambda: ping(db), database_changed).run(), "database health")
    return CacheApp(server, manager, lifecycle)
