"""A fresh database per test: SQLite always, PostgreSQL too when CMDARR_TEST_POSTGRES_URL
names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

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
