"""Each service's own database: SQLite (WAL) by default, any SQLAlchemy async URL for scale,
schema managed by Alembic migrations.

``migrate`` is where a process claims its database. On SQLite it takes the single-replica
lock (common/database/replica_lock.py) for the life of the Database, so a second replica on the
same file is refused. On PostgreSQL the upgrade runs under a transaction-level advisory
lock with a fixed key per version table, so replicas starting together migrate one after
the other: the first applies the migrations, the others find the schema at head.
"""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from common.database.replica_lock import ReplicaRefused, SingleReplicaLock

__all__ = [
    "Database",
    "ReplicaRefused",
    "advisory_lock_key",
    "migration_lock_key",
    "run_migrations_online",
]

VERSION_TABLE_SUFFIX = "_alembic_version"


def advisory_lock_key(name: str) -> int:
    """The PostgreSQL advisory lock key (a 64-bit value) named ``name``, the same in every
    process. Two names whose keys collide only make their holders wait for each other."""
    return zlib.crc32(f"cmdarr.{name}".encode())


def migration_lock_key(version_table: str) -> int:
    """The advisory lock key for migrating the schema recorded in ``version_table``:
    fixed, and distinct per service."""
    return advisory_lock_key(f"migrate.{version_table}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """An async engine and session factory for one service's database."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        self.sqlite_file: Path | None = None
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            self.sqlite_file = Path(parsed.database)
            self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        self._replica_lock: SingleReplicaLock | None = None
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def migrate(self, script_location: Path, version_table: str) -> None:
        """Claim the database for this process (SQLite: one replica, else ReplicaRefused),
        then bring the schema to the newest migration in ``script_location``, once across
        replicas starting together (PostgreSQL: under an advisory lock)."""
        if self.sqlite_file is not None and self._replica_lock is None:
            service = version_table.removesuffix(VERSION_TABLE_SUFFIX)
            self._replica_lock = await asyncio.to_thread(
                SingleReplicaLock.acquire, service, self.sqlite_file
            )
        async with self.engine.connect() as conn:
            if self.is_postgres:
                # Released when this transaction ends, whatever happens to the upgrade.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": migration_lock_key(version_table)},
                )
            await conn.run_sync(_upgrade, script_location, version_table)
            await conn.commit()

    async def close(self) -> None:
        try:
            await self.engine.dispose()
        finally:
            if self._replica_lock is not None:
                self._replica_lock.release()
                self._replica_lock = None


def _upgrade(connection: Connection, script_location: Path, version_table: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = version_table
    command.upgrade(config, "head")


def run_migrations_online() -> None:
    """The body of every service's migrations/env.py: migrate on the connection given."""
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        version_table=context.config.attributes["version_table"],
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
