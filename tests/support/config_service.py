"""A real config_svc in-process on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from common.env import ServiceEnv
from config_svc.app import ConfigApp, start


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
) -> AsyncIterator[ConfigApp]:
    app = await start(
        service_env(database_url, tmp_path, api_key, address),
        environ=environ or {},
        retention=retention,
    )
    try:
        yield app
    finally:
        await app.stop(0.5)
