"""The shared run queue on its own (SQLite and PostgreSQL): claims within the limit, the
oldest first, one run of a playlist at a time, fenced saves, heartbeats, takeover of lapsed
leases, cron slots once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, insert, select

from common.database.engine import Database
from common.domain import Destination
from sync_svc import tables
from sync_svc.app import MIGRATIONS, VERSION_TABLE
from sync_svc.run_queue import LAPSED_MESSAGE, RunQueue
from sync_svc.runs import Report, RunProgress, RunState, Spec, Track
from sync_svc.store import SyncStore, report_row


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate(MIGRATIONS, VERSION_TABLE)
    try:
        yield database
    finally:
        await database.close()


def queued(run_id: str, started_at: float, command: str = "") -> Report:
    """A queued run of ``command`` (by default a command of its own)."""
    command = command or f"mix-{run_id}"
    spec = Spec("Mix", (Destination("plex"),), tracks=(Track("Song"),), command_name=command)
    return Report(run_id, spec, False, RunProgress(RunState.QUEUED, "queued"), started_at)


async def test_claims_take_the_oldest_first_and_stop_at_the_limit(db: Database) -> None:
    queue = RunQueue(db)
    for run_id, at in (("b", 2.0), ("a", 1.0), ("c", 3.0)):
        await queue.enqueue(queued(run_id, at))
    first = await queue.claim("r1", limit=2, lease_seconds=30)
    second = await queue.claim("r2", limit=2, lease_seconds=30)
    assert first is not None
    assert second is not None
    assert (first.run_id, second.run_id) == ("a", "b")
    assert first.progress.state is RunState.RUNNING
    assert await queue.claim("r1", limit=2, lease_seconds=30) is None, "two are running"
    assert await queue.owner_of("a") == "r1"
    assert await queue.owner_of("c") == ""
    assert await queue.has_queued()


async def test_the_runs_of_one_playlist_are_claimed_one_at_a_time(db: Database) -> None:
    queue = RunQueue(db)
    await queue.enqueue(queued("a1", 1.0, command="a"))
    await queue.enqueue(queued("a2", 2.0, command="a"))
    await queue.enqueue(queued("b1", 3.0, command="b"))
    first = await queue.claim("r1", limit=3, lease_seconds=30)
    second = await queue.claim("r2", limit=3, lease_seconds=30)
    assert first is not None
    assert second is not None
    assert (first.run_id, second.run_id) == ("a1", "b1"), "a2 waits for a1"
    assert await queue.claim("r2", limit=3, lease_seconds=30) is None
    first.progress.state = RunState.SUCCEEDED
    assert await queue.save_owned(first, "r1")
    after = await queue.claim("r2", limit=3, lease_seconds=30)
    assert after is not None
    assert after.run_id == "a2"


async def test_saves_are_fenced_to_the_owner_of_a_running_run(db: Database) -> None:
    queue = RunQueue(db)
    await queue.enqueue(queued("a", 1.0))
    report = await queue.claim("r1", limit=1, lease_seconds=30)
    assert report is not None
    report.progress.message = "halfway"
    assert await queue.save_owned(report, "r1")
    assert not await queue.save_owned(report, "r2")
    assert await queue.heartbeat("r1", ["a"]) == {"a"}
    assert await queue.heartbeat("r2", ["a"]) == set()
    report.progress.state = RunState.SUCCEEDED
    assert await queue.save_owned(report, "r1")
    assert not await queue.save_owned(report, "r1"), "a finished run takes no more saves"
    stored = await SyncStore(db).load("a")
    assert stored is not None
    assert stored.progress.state is RunState.SUCCEEDED


async def test_a_run_past_its_lease_is_interrupted_and_its_owner_fenced_out(
    db: Database,
) -> None:
    queue = RunQueue(db)
    await queue.enqueue(queued("kept", 1.0))
    await queue.enqueue(queued("lapsed", 2.0))
    kept = await queue.claim("r1", limit=2, lease_seconds=3600)
    lapsed = await queue.claim("r2", limit=2, lease_seconds=0)  # lapses at once
    assert kept is not None
    assert lapsed is not None
    assert await queue.take_over_lapsed() == ["lapsed"]
    assert await queue.take_over_lapsed() == []
    assert await queue.heartbeat("r2", ["lapsed"]) == set()
    assert not await queue.save_owned(lapsed, "r2")
    stored = await SyncStore(db).load("lapsed")
    assert stored is not None
    assert stored.progress.state is RunState.INTERRUPTED
    assert stored.error == LAPSED_MESSAGE
    assert await queue.claim("r1", limit=1, lease_seconds=30) is None


async def test_a_cron_slot_queues_one_run(db: Database) -> None:
    queue = RunQueue(db)
    assert await queue.enqueue(queued("a", 1.0), cron_slot=("mix", 300.0))
    assert not await queue.enqueue(queued("b", 1.0), cron_slot=("mix", 300.0))
    assert await queue.enqueue(queued("c", 1.0), cron_slot=("mix", 600.0))
    assert await queue.enqueue(queued("d", 1.0), cron_slot=("other", 300.0))
    assert {r.run_id for r in await SyncStore(db).recent(10)} == {"a", "c", "d"}


async def test_a_lone_replica_restarting_interrupts_what_its_predecessor_left(
    db: Database,
) -> None:
    queue, store = RunQueue(db), SyncStore(db)
    await queue.enqueue(queued("a", 1.0))
    await queue.enqueue(queued("b", 2.0))
    assert await queue.claim("gone", limit=1, lease_seconds=30) is not None
    assert await store.mark_interrupted() == 2
    states = {r.run_id: r.progress.state for r in await store.recent(10)}
    assert states == {"a": RunState.INTERRUPTED, "b": RunState.INTERRUPTED}


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    command.upgrade(config, revision)


async def test_runs_queued_before_the_upgrade_keep_one_run_per_command(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_upgrade_to, "0002")
            for run_id, at in (("a1", 1.0), ("a2", 2.0)):
                row = report_row(queued(run_id, at, command="a"))
                del row["playlist_key"]  # not a column yet
                await connection.execute(insert(tables.runs).values(run_id=run_id, **row))
            await connection.commit()
        await database.migrate(MIGRATIONS, VERSION_TABLE)
        async with database.sessions() as session:
            keys = set((await session.execute(select(tables.runs.c.playlist_key))).scalars())
        assert keys == {"command:a"}
        queue = RunQueue(database)
        assert await queue.claim("r1", limit=2, lease_seconds=30) is not None
        assert await queue.claim("r1", limit=2, lease_seconds=30) is None
    finally:
        await database.close()
