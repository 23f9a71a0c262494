"""A fresh database per test: SQLite always, PostgreSQL too when CMDARR_TEST_POSTGRES_URL
names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from bench.postgres import fresh_postgres_database

POSTGRES_URL = os.environ.get("CMDARR_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

# What a new database's public schema is on PostgreSQL 15 and later.
EMPTY_SCHEMA = (
    "DROP SCHEMA IF EXISTS public CASCADE;"
    " CREATE SCHEMA public AUTHORIZATION pg_database_owner;"
    " GRANT USAGE ON SCHEMA public TO PUBLIC"
)


def backend_of(database_url: str) -> str:
    """The backend name (as in BACKENDS) a database URL belongs to."""
    return "postgres" if database_url.startswith("postgresql") else "sqlite"


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A new, empty database and its SQLAlchemy URL; dropped afterwards."""
    if backend == "sqlite":
        yield sqlite_database(folder)
        return
    async with fresh_postgres_database(POSTGRES_URL, prefix="cmdarr_test") as url:
        yield url


def sqlite_database(folder: Path) -> str:
    """The URL of a new SQLite file in ``folder``."""
    return f"sqlite+aiosqlite:///{folder / ('db-' + uuid.uuid4().hex[:8] + '.sqlite')}"


async def _connect(url: URL) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )


class PostgresPool:
    """Empty PostgreSQL databases for one test process, kept between tests.

    Creating and dropping a database per test cost more than most tests (CREATE DATABASE
    copies its template, DROP DATABASE waits for a checkpoint): about 1.5 s a test. A
    database handed back is emptied instead, as new as a created one (its sessions ended,
    its public schema dropped and made again), and handed to the next test."""

    def __init__(self, server_url: str, prefix: str = "cmdarr_test") -> None:
        self._server = make_url(server_url)
        self._prefix = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._idle: list[str] = []
        self._made: list[str] = []

    @asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """An empty database and its SQLAlchemy URL, for the block's length."""
        name = self._idle.pop() if self._idle else await self._create()
        try:
            yield self._server.set(database=name).render_as_string(hide_password=False)
            await self._empty(name)
        except BaseException:  # a failed test may leave it in any state: drop it for good
            await self._drop(name)
            raise
        self._idle.append(name)

    async def close(self) -> None:
        """Drop every database this pool made."""
        for name in list(self._made):
            await self._drop(name)

    async def _create(self) -> str:
        name = f"{self._prefix}_{len(self._made)}"
        admin = await _connect(self._server)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self._made.append(name)
        return name

    async def _empty(self, name: str) -> None:
        admin = await _connect(self._server)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await admin.close()
        database = await _connect(self._server.set(database=name))
        try:
            await database.execute(EMPTY_SCHEMA)
        finally:
            await database.close()

    async def _drop(self, name: str) -> None:
        admin = await _connect(self._server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        if name in self._made:
            self._made.remove(name)
