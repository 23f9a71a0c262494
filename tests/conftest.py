"""Shared fixtures: a database per test (SQLite, and PostgreSQL when configured) and a real
config_svc on an ephemeral loopback port."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2_grpc

from common.wire.channels import open_channel
from config_svc.app import ConfigApp
from tests.support.config_service import running_config
from tests.support.databases import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def config_app(database_url: str, tmp_path: Path) -> AsyncIterator[ConfigApp]:
    async with running_config(database_url, tmp_path) as app:
        yield app


@pytest.fixture
async def config(config_app: ConfigApp) -> AsyncIterator[config_pb2_grpc.ConfigServiceAsyncStub]:
    channel = open_channel(f"127.0.0.1:{config_app.server.port}")
    try:
        yield config_pb2_grpc.ConfigServiceStub(channel)
    finally:
        await channel.close(None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many generated inputs the hardening tests tried, and how many requests without
    the key they saw refused."""
    refusing = [m for n, m in list(sys.modules.items()) if n.endswith("test_refused_without_key")]
    refused = getattr(refusing[0], "REFUSED", None) if refusing else None
    if refused:
        terminalreporter.write_line(
            "requests without the key refused (CMDARR_AUTH=required):"
            f" RPCs {refused['RPCs without a key']}/{refused['RPCs tried']},"
            f" HTTP routes {refused['HTTP routes without a key']}/{refused['HTTP routes tried']};"
            f" with a wrong key: RPCs {refused['RPCs with a wrong key']}/{refused['RPCs tried']},"
            f" HTTP routes {refused['HTTP routes with a wrong key']}/{refused['HTTP routes tried']}"
            " (health probes, /healthz, /readyz and the sign-in form are open by design)"
        )
    modules = [m for n, m in list(sys.modules.items()) if n.endswith("test_generated_input")]
    tried = getattr(modules[0], "TRIED", None) if modules else None
    if tried:
        total = sum(tried.values())
        parts = ", ".join(f"{name} {count}" for name, count in sorted(tried.items()))
        terminalreporter.write_line(
            f"generated inputs tried: {total} ({parts}); no crash, no stored change"
        )
