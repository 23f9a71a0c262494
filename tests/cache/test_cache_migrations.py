"""Migration 0006 over a real database: a store made by 0005 keeps every row (its caches'
keys already are the built-in servers' names), and afterwards a cache row can be keyed by
any server name up to 63 characters."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from cache_svc.app import MIGRATIONS, VERSION_TABLE
from common.database.engine import Database

TABLES = ("cache_targets", "cache_leases", "cache_index_images", "cache_builds")
LONG_NAME = "a" + "-b" * 30 + "c"  # 62 characters, a valid DNS label


def _to(connection: Connection, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    (command.downgrade if down else command.upgrade)(config, revision)


def _rows(connection: Connection) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table in TABLES:
        rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
        out[table] = [tuple(r) for r in rows]
    return out


async def test_0006_keeps_every_row_and_takes_long_server_names(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_to, "0005")
            await connection.execute(
                text(
                    "UPDATE cache_targets SET generation = 3, track_count = 2, built_at = 100 "
                    "WHERE target = 'plex'"
                )
            )
            await connection.execute(
                text("UPDATE cache_leases SET holder = 'r1', expires_at = 5 WHERE target = 'plex'")
            )
            for part in range(2):
                await connection.execute(
                    text(
                        "INSERT INTO cache_index_images (target, generation, part, data) "
                        "VALUES ('plex', 3, :part, :data)"
                    ),
                    {"part": part, "data": bytes([part]) * 1000},
                )
            await connection.execute(
                text(
                    "INSERT INTO cache_builds (target, mode, started_at, finished_at, outcome, "
                    "error, generation, tracks, requests) "
                    "VALUES ('jellyfin', 'full', 1, 2, 'ready', '', 1, 2, 3)"
                )
            )
            await connection.commit()
            before = await connection.run_sync(_rows)
            await connection.run_sync(_to, "head")
            await connection.commit()
            assert await connection.run_sync(_rows) == before
            assert sum(len(rows) for rows in before.values()) == 7
            await connection.execute(
                text(
                    "INSERT INTO cache_leases (target, holder, expires_at, heartbeat_at, progress) "
                    "VALUES (:name, '', 0, 0, '')"
                ),
                {"name": LONG_NAME},
            )
            await connection.commit()
            stored = await connection.execute(
                text("SELECT target FROM cache_leases WHERE target = :name"), {"name": LONG_NAME}
            )
            assert stored.scalar() == LONG_NAME
            await connection.run_sync(_to, "0005", True)
            await connection.commit()
            after = await connection.run_sync(_rows)
            kept = {t: [r for r in rows if r[0] != LONG_NAME] for t, rows in after.items()}
            assert kept == before, "the downgrade keeps every other row"
            if not database.is_sqlite:  # SQLite keeps any length: nothing to drop there
                assert after == before, "PostgreSQL's 16 characters: the longer names go"
    finally:
        await database.close()
