"""A real config_svc in-process on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmdarr.config.v1 import config_pb2_grpc

from common.database.health import CHECK_SECONDS
from common.env import ServiceEnv
from common.runtime.logs import Redactor
from common.runtime.telemetry import Telemetry
from common.wire.channels import open_channel
from config_svc.app import ConfigApp, start
from config_svc.notifications import POLL_SECONDS
from tests.support.rpc import STOP_GRACE


def service_env(
    database_url: str, tmp_path: Path, api_key: str | None = None, address: str = "127.0.0.1:0"
) -> ServiceEnv:
    return ServiceEnv(
        service="config",
        address=address,
        data_dir=tmp_path,
        database_url=database_url,
        api_key=api_key,
        grace_seconds=1.0,
        log_level="INFO",
    )


@asynccontextmanager
async def running_config(
    database_url: str,
    tmp_path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    retention: int | None = None,
    api_key: str | None = None,
    address: str = "127.0.0.1:0",
    db_check_seconds: float = CHECK_SECONDS,
    revision_poll_seconds: float = POLL_SECONDS,
    listen_for_revisions: bool = True,
    telemetry: Telemetry | None = None,
    redactor: Redactor | None = None,
) -> AsyncIterator[ConfigApp]:
    app = await start(
        service_env(database_url, tmp_path, api_key, address),
        environ=environ or {},
        retention=retention,
        db_check_seconds=db_check_seconds,
        revision_poll_seconds=revision_poll_seconds,
        listen_for_revisions=listen_for_revisions,
        telemetry=telemetry,
        redactor=redactor,
    )
    try:
        yield app
    finally:
        await app.stop(STOP_GRACE)


@dataclass(frozen=True)
class Replica:
    """One running config_svc replica and a stub of its own."""

    app: ConfigApp
    stub: config_pb2_grpc.ConfigServiceAsyncStub


@asynccontextmanager
async def config_replicas(
    database_url: str, tmp_path: Path, count: int = 2, **options: Any
) -> AsyncIterator[list[Replica]]:
    """``count`` config_svc replicas on one database, each on its own port and channel,
    started one after another (options as for ``running_config``)."""
    async with AsyncExitStack() as stack:
        replicas: list[Replica] = []
        for number in range(count):
            folder = tmp_path / f"replica-{number}"
            folder.mkdir(parents=True, exist_ok=True)
            app = await stack.enter_async_context(running_config(database_url, folder, **options))
            channel = open_channel(f"127.0.0.1:{app.server.port}")
            stack.push_async_callback(channel.close, None)
            replicas.append(Replica(app, config_pb2_grpc.ConfigServiceStub(channel)))
        yield replicas
