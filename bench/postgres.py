"""Throwaway PostgreSQL databases for benchmarks, chaos runs and tests: each run gets its
own, created on the server a URL names and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url


def bench_postgres_url() -> str:
    """The PostgreSQL server benchmarks may use: CMDARR_BENCH_POSTGRES_URL, else
    CMDARR_DATABASE_URL; '' when neither names a PostgreSQL database."""
    url = os.environ.get("CMDARR_BENCH_POSTGRES_URL") or os.environ.get("CMDARR_DATABASE_URL", "")
    return url if url.startswith("postgresql") else ""


@asynccontextmanager
async def fresh_postgres_database(
    server_url: str, prefix: str = "cmdarr_bench"
) -> AsyncIterator[str]:
    """A new, empty database on the server ``server_url`` names, as a SQLAlchemy URL."""
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
