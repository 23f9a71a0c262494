"""Assembly of config_svc from its environment: database, core, server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cmdarr.config.v1 import config_pb2, config_pb2_grpc

from common.config.registry import Registry
from common.db import Database
from common.env import ServiceEnv
from common.lifecycle import Lifecycle
from common.logs import Redactor
from common.server import GrpcServer
from common.tls import load_tls
from config_svc.core import ConfigCore
from config_svc.feed import ChangeFeed
from config_svc.revisions import RevisionEngine
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
) -> ConfigApp:
    """Migrate, load, apply the start-up policy, then serve (SERVING once ready)."""
    tls = await load_tls(env)
    environ = os.environ if environ is None else environ
    registry = Registry()
    pinned = registry.pinned_by_env(environ)
    db = Database(env.database_url)
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    if retention is None:
        retention = int(environ.get("CMDARR_CONFIG_LOG_RETENTION", "10000"))
    views = ConfigViews(registry, pinned)
    revisions = RevisionEngine(
        db,
        views,
        ChangeFeed(),
        retention=retention,
        remember_secret=redactor.add if redactor else lambda _value: None,
    )
    core = ConfigCore(revisions, views)
    server = GrpcServer(
        address=env.address, service_names=[SERVICE_NAME], api_key=env.api_key, tls=tls.serving
    )
    config_pb2_grpc.add_ConfigServiceServicer_to_server(
        ConfigServicer(core, revisions, registry), server.server
    )
    await server.start()
    await core.start()
    await server.set_serving(True)
    return ConfigApp(server, core, Lifecycle(server, db))
