"""Claiming a database at start: one replica per SQLite file, migrations once on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from common.database.engine import Database, ReplicaRefused
from common.database.replica_lock import lock_path_of
from config_svc.app import MIGRATIONS, VERSION_TABLE
from tests.support.config_service import running_config
from tests.support.databases import POSTGRES_URL, fresh_database

ROOT = Path(__file__).resolve().parents[2]


def refusal_of(database: Path) -> str:
    return (
        f"another config replica already uses {database}; SQLite serves one replica:"
        " use PostgreSQL (CMDARR_DATABASE_URL) for more"
    )


async def test_a_second_start_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "config.db"
    url = f"sqlite+aiosqlite:///{database}"
    async with running_config(url, tmp_path):
        with pytest.raises(ReplicaRefused) as refused:
            async with running_config(url, tmp_path):
                raise AssertionError("a second replica started")
        assert str(refused.value) == refusal_of(database)
        assert lock_path_of(database).exists()
    # Released at stop: the service starts again on the same file, and again after that.
    for _ in range(2):
        async with running_config(url, tmp_path) as again:
            assert again.server.port > 0


async def test_another_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "config.db"
    db = Database(f"sqlite+aiosqlite:///{database}")
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from common.database.engine import Database, ReplicaRefused
        from config_svc.app import MIGRATIONS, VERSION_TABLE

        async def main() -> int:
            db = Database({str(db.engine.url)!r})
            try:
                await db.migrate(MIGRATIONS, VERSION_TABLE)
            except ReplicaRefused as exc:
                print(exc)
                return 3
            finally:
                await db.close()
            return 0

        sys.exit(asyncio.run(main()))
        """
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'gen'}"}

    def other_process() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip

    try:
        refused = await asyncio.to_thread(other_process)
        assert refused.returncode == 3, refused.stderr
        assert refused.stdout.strip() == refusal_of(database)
    finally:
        await db.close()
    allowed = await asyncio.to_thread(other_process)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


@pytest.mark.skipif(not POSTGRES_URL, reason="set CMDARR_TEST_POSTGRES_URL")
async def test_replicas_migrating_together_on_postgresql_migrate_once(tmp_path: Path) -> None:
    async with fresh_database("postgres", tmp_path) as url:
        databases = [Database(url) for _ in range(3)]
        try:
            await asyncio.gather(*(db.migrate(MIGRATIONS, VERSION_TABLE) for db in databases))
            async with databases[0].engine.connect() as conn:
                versions = (await conn.execute(text(f"SELECT * FROM {VERSION_TABLE}"))).all()
                tables = set(
                    (
                        await conn.execute(
                            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                        )
                    )
                    .scalars()
                    .all()
                )
                meta = (await conn.execute(text("SELECT count(*) FROM config_meta"))).scalar()
        finally:
            for db in databases:
                await db.close()
    assert len(versions) == 1, "one schema version, at head"
    assert {"config_meta", "config_settings", "config_commands", "config_change_log"} <= tables
    assert meta == 1, "the seed rows were written once"
