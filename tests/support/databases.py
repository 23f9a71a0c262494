"""A fresh database per test: SQLite always, PostgreSQL too when CMDARR_TEST_POSTGRES_URL
names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.postgres import fresh_postgres_database

POSTGRES_URL = os.environ.get("CMDARR_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def backend_of(database_url: str) -> str:
    """The backend name (as in BACKENDS) a database URL belongs to."""
    return "postgres" if database_url.startswith("postgresql") else "sqlite"


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A new, empty database and its SQLAlchemy URL; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / ('db-' + uuid.uuid4().hex[:8] + '.sqlite')}"
        return
    async with fresh_postgres_database(POSTGRES_URL, prefix="cmdarr_test") as url:
        yield url
