"""Assembly of sync_svc: database, runner, server."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2, sync_pb2_grpc

from cmdarr_client.service_config import CACHE_SERVICE, CONFIG_SERVICE
from common.config.registry import Registry
from common.database.engine import Database
from common.database.health import watch_database
from common.env import ServiceEnv
from common.notifier import VersionNotifier
from common.runtime.lifecycle import Lifecycle
from common.runtime.logs import Redactor
from common.runtime.server import GrpcServer
from common.runtime.telemetry import Telemetry
from common.runtime.tls import load_tls
from common.wire.channels import open_channel
from sync_svc.cache_client import CacheClient
from sync_svc.claimer import CLAIM_POLL_SECONDS, Claimer
from sync_svc.config_client import ConfigClient
from sync_svc.cover_store import CoverStore
from sync_svc.keeper import KEEP_EVERY_SECONDS, LeaseKeeper
from sync_svc.lidarr.after_run import AfterRun
from sync_svc.lidarr.checks import LidarrChecks
from sync_svc.lidarr.records import HandoffRecords
from sync_svc.lidarr.requests import RunHandoffs
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.run_queue import RunQueue
from sync_svc.runner import SyncRunner
from sync_svc.scheduler import Scheduler
from sync_svc.server_checks import ServerChecks
from sync_svc.server_users import ServerUsers
from sync_svc.servicer import SyncServicer
from sync_svc.source_reading import Loader
from sync_svc.store import SyncStore

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "sync_alembic_version"
SERVICE_NAME = sync_pb2.DESCRIPTOR.services_by_name["SyncService"].full_name


@dataclass
class SyncApp:
    server: GrpcServer
    runner: SyncRunner
    lifecycle: Lifecycle

    @property
    def replica(self) -> str:
        """This replica's name, the ``owner`` of the runs it claims."""
        return self.runner.replica

    async def stop(self, grace: float) -> None:
        await self.lifecycle.stop(grace)


async def start(
    env: ServiceEnv,
    *,
    config_address: str,
    cache_address: str | None,
    load_playlist: Loader,
    schedule_every: float = 30.0,
    claim_poll: float = CLAIM_POLL_SECONDS,
    keep_every: float = KEEP_EVERY_SECONDS,
    clock: Callable[[], float] = time.time,
    redactor: Redactor | None = None,
    telemetry: Telemetry | None = None,
) -> SyncApp:
    """Serve as one replica: claim queued runs, keep the leases of the runs it executes,
    interrupt the runs of replicas that stopped, fire cron slots once across the cluster.
    On SQLite (one replica) the runs a previous process left unfinished are marked
    interrupted at once. The target tokens runs are given are handed to ``redactor``, the
    one the logs are masked with."""
    redactor = redactor or Redactor()
    telemetry = telemetry or Telemetry()
    traced = telemetry.client_interceptors()
    tls = await load_tls(env)
    db = Database(env.database_url)
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    telemetry.tracing.instrument_engine(db.engine)
    store = SyncStore(db, clock=clock)
    queue = RunQueue(db, clock=clock)
    if db.is_sqlite:
        await store.mark_interrupted()
    channels: list[grpc.aio.Channel] = []
    config_channel = open_channel(
        config_address, env.key_ring, tls.ca, service=CONFIG_SERVICE, interceptors=traced
    )
    channels.append(config_channel)
    cache = None
    if cache_address:
        cache_channel = open_channel(
            cache_address, env.key_ring, tls.ca, service=CACHE_SERVICE, interceptors=traced
        )
        channels.append(cache_channel)
        cache = CacheClient(cache_pb2_grpc.CacheServiceStub(cache_channel))
    config = ConfigClient(
        config_pb2_grpc.ConfigServiceStub(config_channel), Registry(), remember_secret=redactor.add
    )
    queued = VersionNotifier()
    records = HandoffRecords(db)
    handoff = LidarrHandoff(records, config.run_settings, clock=clock)
    covers = CoverStore(db, clock=clock)
    runner = SyncRunner(
        store,
        queue,
        config,
        cache,
        load_playlist,
        replica=f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}",
        queued=queued,
        clock=clock,
        telemetry=telemetry,
        remember_secret=redactor.add,
        after_run=AfterRun(handoff, records),
        covers=covers,
    )
    server = GrpcServer(
        address=env.address,
        service_names=[SERVICE_NAME],
        api_key=env.key_ring,
        tls=tls.serving,
        interceptors=telemetry.server_interceptors(),
    )
    users = ServerUsers(config.server_access, config.plex_tv_url, remember_secret=redactor.add)
    servicer = SyncServicer(
        runner,
        config,
        ServerChecks(config.server_access),
        users,
        LidarrChecks(config.run_settings),
        RunHandoffs(runner.runs, handoff),
        covers,
    )
    sync_pb2_grpc.add_SyncServiceServicer_to_server(servicer, server.server)
    lifecycle = Lifecycle(server, db)
    for channel in channels:
        lifecycle.own(channel)
    lifecycle.on_stop(runner.stop)
    await server.start()
    await server.set_serving(True)
    claimer = Claimer(queue, config, runner, queued=queued, poll=claim_poll)
    lifecycle.spawn(claimer.run_forever(), "claimer")
    lifecycle.spawn(LeaseKeeper(queue, runner, every=keep_every).run_forever(), "lease-keeper")
    scheduler = Scheduler(config, runner, every=schedule_every, clock=clock)
    lifecycle.spawn(scheduler.run_forever(), "scheduler")
    lifecycle.spawn(watch_database(db, server), "database health")
    return SyncApp(server, runner, lifecycle)
