"""Shared fixtures: a database per test (SQLite, and PostgreSQL when configured) and a real
config_svc on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from cmdarr.config.v1 import config_pb2_grpc

from common.wire.channels import open_channel
from config_svc.app import ConfigApp
from tests.support.config_service import running_config
from tests.support.databases import BACKENDS, POSTGRES_URL, PostgresPool, sqlite_database
from tests.support.perturbations import SEED_ENV, fresh_seed
from tests.support.tracing import untraced

# The longest tests (tens of seconds each, most of it waiting on servers and processes):
# started first, so that under pytest-xdist no worker is left running one of them alone
# at the end while the others idle. Order only; every test still runs.
LONGEST_FIRST = (
    "tests/sync/test_live_search.py::test_live_fallback_finds_what_the_cache_finds",
    "tests/sync/test_live_search.py::test_live_fallback_on_generated_perturbations",
    "tests/test_matching_perturbations.py::test_the_matcher_meets_the_aims",
    "tests/hardening/test_generated_input.py::test_http_actions",
    "tests/deploy/test_compose.py::test_compose_services_start_and_report_serving",
    "tests/cache/test_cache_process.py::test_sigkill_mid_build_then_restart",
    "tests/e2e/",
)


# The whole-stack tests (every service in-process, with the emulators) run on each backend,
# and line coverage is measured on SQLite. On Python 3.11 the tracer slows every line run,
# traced file or not (about +75% CPU here), and the PostgreSQL runs of these tests cover
# no line the SQLite runs do not: what differs by backend (common/database/, the dialect
# branches of the stores and queues) is measured by the PostgreSQL tests of config_svc,
# tests/integration/ and the replica tests, which keep coverage on.
MEASURED_ON_SQLITE = (
    "tests/cache/",
    "tests/cli/",
    "tests/client/",
    "tests/e2e/",
    "tests/gateway/",
    "tests/sync/",
)


def measured_on_sqlite_only(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    on_postgres = callspec is not None and callspec.params.get("database_url") == "postgres"
    return on_postgres and item.nodeid.startswith(MEASURED_ON_SQLITE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        found = (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix))
        return next(found, len(LONGEST_FIRST))

    items.sort(key=rank)
    for item in items:
        if measured_on_sqlite_only(item):
            item.add_marker(pytest.mark.no_cover)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A no_cover test's call runs untraced, in a pytest-xdist worker too, where pytest-cov's
    marker leaves coverage running (tests/support/tracing.py)."""
    if item.get_closest_marker("no_cover") is None:
        return (yield)
    with untraced():
        return (yield)


@pytest.fixture(scope="session")
def postgres_pool() -> Iterator[PostgresPool | None]:
    """This test process's pool of empty PostgreSQL databases (None without PostgreSQL)."""
    pool = PostgresPool(POSTGRES_URL) if POSTGRES_URL else None
    yield pool
    if pool is not None:
        asyncio.run(pool.close())


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_pool: PostgresPool | None
) -> AsyncIterator[str]:
    """An empty database of each backend in turn."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    assert postgres_pool is not None
    async with postgres_pool.database() as url:
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


# The hardening tests' tallies: module name -> its Counter's name.
TALLIES = {"test_refused_without_key": "REFUSED", "test_generated_input": "TRIED"}
# Under pytest-xdist the tests run in worker processes: each hands its tallies over when
# it finishes, and the summary adds them up.
FROM_WORKERS: dict[str, Counter[str]] = {name: Counter() for name in TALLIES}
# The matching tables printed in the summary: module name -> its list of tables.
TABLES = {"test_matching_perturbations": "TABLES"}
TABLES_FROM_WORKERS: list[str] = []


def tallies() -> dict[str, Counter[str]]:
    """This process's tallies, and those handed over by the workers, added up."""
    found = {name: Counter(counts) for name, counts in FROM_WORKERS.items()}
    for module_name, attribute in TALLIES.items():
        for name, module in list(sys.modules.items()):
            if name.endswith(module_name):
                found[module_name].update(getattr(module, attribute, None) or {})
    return found


def tables() -> list[str]:
    """The matching tables this process printed, and those handed over by the workers."""
    found = list(TABLES_FROM_WORKERS)
    for module_name, attribute in TABLES.items():
        for name, module in list(sys.modules.items()):
            if name.endswith(module_name):
                found += getattr(module, attribute, None) or []
    return found


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the tallies to the controller
        workeroutput["tallies"] = {name: dict(counts) for name, counts in tallies().items()}
        workeroutput["tables"] = tables()


class TalliesFromWorkers:
    @pytest.hookimpl
    def pytest_testnodedown(self, node: Any, error: object) -> None:  # noqa: ARG002
        output = getattr(node, "workeroutput", {})
        for name, counts in output.get("tallies", {}).items():
            FROM_WORKERS[name].update(counts)
        TABLES_FROM_WORKERS.extend(output.get("tables", []))


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(TalliesFromWorkers(), "cmdarr-tallies")
    # One fresh seed for the whole run: set before the xdist workers start, so each
    # inherits it (tests/support/perturbations.py fresh_seed).
    os.environ.setdefault(SEED_ENV, str(fresh_seed()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many generated inputs the hardening tests tried, how many requests without the
    key they saw refused, and the matching tables of the generated perturbations."""
    found = tallies()
    refused = found["test_refused_without_key"]
    if refused:
        terminalreporter.write_line(
            "requests without the key refused (CMDARR_AUTH=required):"
            f" RPCs {refused['RPCs without a key']}/{refused['RPCs tried']},"
            f" HTTP routes {refused['HTTP routes without a key']}/{refused['HTTP routes tried']};"
            f" with a wrong key: RPCs {refused['RPCs with a wrong key']}/{refused['RPCs tried']},"
            f" HTTP routes {refused['HTTP routes with a wrong key']}/{refused['HTTP routes tried']}"
            " (health probes, /healthz, /readyz and the sign-in form are open by design)"
        )
    for table in sorted(tables()):
        terminalreporter.write_line(table)
    tried = found["test_generated_input"]
    if tried:
        total = sum(tried.values())
        parts = ", ".join(f"{name} {count}" for name, count in sorted(tried.items()))
        terminalreporter.write_line(
            f"generated inputs tried: {total} ({parts}); no crash, no stored change"
        )
