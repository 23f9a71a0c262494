"""Assembly of config_svc from its environment: database, core, server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cmdarr.config.v1 import config_pb2, config_pb2_grpc

from common.config.registry import Registry
from common.database.engine import Database
from common.database.health import CHECK_SECONDS, watch_database
from common.database.pg_listen import PgListener
from common.env import ServiceEnv
from common.runtime.lifecycle import Lifecycle
from common.runtime.logs import Redactor
from common.runtime.server import GrpcServer
from common.runtime.telemetry import Telemetry
from common.runtime.tls import load_tls
from config_svc.core import ConfigCore
from config_svc.feed import ChangeFeed
from config_svc.notifications import CHANNEL, POLL_SECONDS, RevisionWakeups
from config_svc.overrides import OverrideUseCases
from config_svc.revisions import RevisionEngine
from config_svc.servers import ServerUseCases
from config_svc.servicer import ConfigServicer
from config_svc.views import ConfigViews

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "config_alembic_version"
SERVICE_NAME = config_pb2.DESCRIPTOR.services_by_name["ConfigService"].full_name


@dataclass
class ConfigApp:
    server: GrpcServer
    core: ConfigCore
    lifecycle: Lifecycle

    async def stop(self, grace: float) -> None:
        await self.lifecycle.stop(grace)


async def start(
    env: ServiceEnv,
    *,
    environ: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    retention: int | None = None,
    db_check_seconds: float = CHECK_SECONDS,
    revision_poll_seconds: float = POLL_SECONDS,
    listen_for_revisions: bool = True,
    telemetry: Telemetry | None = None,
) -> ConfigApp:
    """Migrate, load, apply the start-up policy, then serve (SERVING once ready).

    On PostgreSQL several replicas may share the database: each LISTENs for the revisions
    the others commit (unless ``listen_for_revisions`` is off) and polls the current
    revision every ``revision_poll_seconds``. Health follows the database, checked every
    ``db_check_seconds``. config_svc calls no other service (the call graph between the
    services is a DAG), so it starts and serves whether or not the others run."""
    telemetry = telemetry or Telemetry()
    tls = await load_tls(env)
    environ = os.environ if environ is None else environ
    registry = Registry()
    pinned = registry.pinned_by_env(environ)
    db = Database(env.database_url)
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    telemetry.tracing.instrument_engine(db.engine)
    if retention is None:
        retention = int(environ.get("CMDARR_CONFIG_LOG_RETENTION", "10000"))
    views = ConfigViews(registry, pinned)
    shared = not db.is_sqlite
    feed = ChangeFeed()
    revisions = RevisionEngine(
        db,
        views,
        feed,
        retention=retention,
        remember_secret=redactor.add if redactor else lambda _value: None,
        notify_channel=CHANNEL if shared else None,
    )
    core = ConfigCore(revisions, views)
    server = GrpcServer(
        address=env.address,
        service_names=[SERVICE_NAME],
        api_key=env.key_ring,
        tls=tls.serving,
        interceptors=telemetry.server_interceptors(),
    )
    config_pb2_grpc.add_ConfigServiceServicer_to_server(
        ConfigServicer(
            core,
            revisions,
            registry,
            OverrideUseCases(revisions),
            ServerUseCases(core, revisions, views),
        ),
        server.server,
    )
    lifecycle = Lifecycle(server, db)
    await server.start()
    await core.start()
    if shared:
        wakeups = RevisionWakeups(
            feed,
            revisions.catch_up,
            lambda: PgListener(env.database_url, CHANNEL),
            replica_id=revisions.replica_id,
            poll_seconds=revision_poll_seconds,
        )
        if listen_for_revisions:
            lifecycle.spawn(wakeups.listen(), "revision notifications")
        lifecycle.spawn(wakeups.poll(), "revision poll")
    await server.set_serving(True)
    lifecycle.spawn(watch_database(db, server, interval=db_check_seconds), "database health")
    return ConfigApp(server, core, lifecycle)
