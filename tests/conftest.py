"""Shared fixtures: a database per test (SQLite, and PostgreSQL when configured) and a real
config_svc on an ephemeral loopback port."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from cmdarr.config.v1 import config_pb2_grpc
from sqlalchemy.engine import make_url

from common.client import open_channel
from common.env import ServiceEnv
from config_svc.app import ConfigApp, start

POSTGRES_URL = os.environ.get("CMDARR_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A new, empty database and its SQLAlchemy URL; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / ('db-' + uuid.uuid4().hex[:8] + '.sqlite')}"
        return
    base = make_url(POSTGRES_URL)
    name = f"cmdarr_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(
        host=base.host,
        port=base.port or 5432,
        user=base.username,
        password=base.password,
        database=base.database,
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path) as url:
        yield url


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


@pytest.fixture
async def config_app(database_url: str, tmp_path: Path) -> AsyncIterator[ConfigApp]:
    async with running_config(database_url, tmp_path) as app:
        yield app


@pytest.fixture
async def config(config_app: ConfigApp) -> AsyncIterator[config_pb2_grpc.ConfigServiceStub]:
    channel = open_channel(f"127.0.0.1:{config_app.server.port}")
    try:
        yield config_pb2_grpc.ConfigServiceStub(channel)
    finally:
        await channel.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many generated inputs the hardening tests tried."""
    modules = [m for n, m in list(sys.modules.items()) if n.endswith("test_generated_input")]
    tried = getattr(modules[0], "TRIED", None) if modules else None
    if tried:
        total = sum(tried.values())
        parts = ", ".join(f"{name} {count}" for name, count in sorted(tried.items()))
        terminalreporter.write_line(
            f"generated inputs tried: {total} ({parts}); no crash, no stored change"
        )
