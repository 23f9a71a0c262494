"""The runs shared by every replica: queued in the database, claimed by exactly one
replica, kept by its heartbeat, and interrupted by any survivor when its lease lapses. The
runs of one playlist (one command, or one inline spec's title) run one at a time, in the
order queued: two runs writing the same playlist at once would interleave their changes.

On PostgreSQL claims are serialized by a transaction-scoped advisory lock, so the count of
RUNNING runs checked against MAX_PARALLEL_SYNCS is exact, and the queued row is taken with
``FOR UPDATE SKIP LOCKED``. SQLite has one replica and one writer; the same statements run
there without the lock. Every write by the executing replica is fenced: it only lands while
the run is still RUNNING and still its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from common.database.engine import Database
from sync_svc import tables
from sync_svc.claims import may_claim
from sync_svc.dbclock import database_now
from sync_svc.runs import Report, RunState
from sync_svc.store import report_from_json, report_row, report_to_json

# The advisory lock every replica's claim takes (an arbitrary 64-bit key of sync_svc's).
CLAIM_LOCK = 0x636D_6461_7273_796E

# How long a fired cron slot is remembered per command: far longer than any replica's
# tick, so a late replica never fires the slot again.
SLOT_MEMORY_SECONDS = 7 * 24 * 3600.0

LAPSED_MESSAGE = "interrupted: the sync service replica running it stopped answering"

_runs = tables.runs


class RunQueue:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock  # finish times of runs taken over, like the runner's

    async def enqueue(self, report: Report, *, cron_slot: tuple[str, float] | None = None) -> bool:
        """Store ``report`` as QUEUED, for any replica to claim. With ``cron_slot``
        (command, fire time) the run is stored only if no replica fired that slot yet, in
        the same transaction as the slot; False when it was fired already."""
        async with self._db.sessions() as session, session.begin():
            if cron_slot is not None:
                command, fire_time = cron_slot
                fired = await session.execute(
                    self._insert_new(tables.fired_slots).values(
                        command_name=command, fire_time=fire_time, run_id=report.run_id
                    )
                )
                if not fired.rowcount:  # type: ignore[attr-defined]
                    return False
                await session.execute(
                    tables.fired_slots.delete().where(
                        tables.fired_slots.c.command_name == command,
                        tables.fired_slots.c.fire_time < fire_time - SLOT_MEMORY_SECONDS,
                    )
                )
            await session.execute(
                insert(_runs).values(run_id=report.run_id, owner="", **report_row(report))
            )
        return True

    def _insert_new(self, table: Table) -> Any:
        """An INSERT that does nothing when the primary key is taken."""
        make = sqlite_insert if self._db.is_sqlite else postgres_insert
        return make(table).on_conflict_do_nothing()

    async def has_queued(self) -> bool:
        async with self._db.sessions() as session:
            found = await session.execute(
                select(_runs.c.run_id).where(_runs.c.state == RunState.QUEUED.value).limit(1)
            )
            return found.first() is not None

    async def claim(self, owner: str, *, limit: int, lease_seconds: float) -> Report | None:
        """Take the oldest queued run for ``owner`` and mark it RUNNING, when fewer than
        ``limit`` runs are RUNNING in the cluster; a run whose playlist has a run RUNNING
        waits for it. None when there is nothing to take."""
        async with self._db.sessions() as session, session.begin():
            if not self._db.is_sqlite:
                await session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
            running = (
                await session.execute(
                    select(func.count())
                    .select_from(_runs)
                    .where(_runs.c.state == RunState.RUNNING.value)
                )
            ).scalar_one()
            if not may_claim(running, limit):
                return None
            busy = select(_runs.c.playlist_key).where(
                _runs.c.state == RunState.RUNNING.value, _runs.c.playlist_key != ""
            )
            row = (
                await session.execute(
                    select(_runs.c.run_id, _runs.c.report)
                    .where(
                        _runs.c.state == RunState.QUEUED.value,
                        or_(_runs.c.playlist_key == "", _runs.c.playlist_key.not_in(busy)),
                    )
                    .order_by(_runs.c.started_at, _runs.c.run_id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if row is None:
                return None
            report = report_from_json(row.report)
            report.progress.state = RunState.RUNNING
            report.progress.message = "running"
            await session.execute(
                update(_runs)
                .where(_runs.c.run_id == report.run_id)
                .values(
                    state=RunState.RUNNING.value,
                    report=report_to_json(report),
                    owner=owner,
                    heartbeat_at=database_now(self._db),
                    lease_seconds=lease_seconds,
                )
            )
            return report

    async def save_owned(self, report: Report, owner: str) -> bool:
        """Save the report of a run ``owner`` executes, renewing its lease; False (and
        nothing saved) when the run is no longer RUNNING under ``owner``. The report is
        read before the first wait, so what is saved is the report as it was at the call."""
        row = report_row(report)
        async with self._db.sessions() as session, session.begin():
            saved = await session.execute(
                self._owned(owner, [report.run_id]).values(
                    heartbeat_at=database_now(self._db), **row
                )
            )
            return bool(saved.rowcount)  # type: ignore[attr-defined]

    async def heartbeat(self, owner: str, run_ids: Collection[str]) -> set[str]:
        """Renew the leases of ``run_ids``; returns those still RUNNING under ``owner``."""
        if not run_ids:
            return set()
        async with self._db.sessions() as session, session.begin():
            await session.execute(
                self._owned(owner, run_ids).values(heartbeat_at=database_now(self._db))
            )
            held = await session.execute(
                select(_runs.c.run_id).where(
                    _runs.c.run_id.in_(run_ids),
                    _runs.c.owner == owner,
                    _runs.c.state == RunState.RUNNING.value,
                )
            )
            return {run_id for (run_id,) in held}

    def _owned(self, owner: str, run_ids: Collection[str]) -> Any:
        return update(_runs).where(
            _runs.c.run_id.in_(run_ids),
            _runs.c.owner == owner,
            _runs.c.state == RunState.RUNNING.value,
        )

    async def take_over_lapsed(self) -> list[str]:
        """Mark INTERRUPTED every RUNNING run whose lease lapsed (its replica died or hung);
        returns their ids. Any replica may call this at any time."""
        lapsed = func.coalesce(_runs.c.heartbeat_at, 0.0) + _runs.c.lease_seconds < database_now(
            self._db
        )
        async with self._db.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(_runs.c.run_id, _runs.c.report)
                    .where(_runs.c.state == RunState.RUNNING.value, lapsed)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                report = report_from_json(row.report)
                report.progress.state = RunState.INTERRUPTED
                report.error = report.progress.message = LAPSED_MESSAGE
                report.finished_at = self._clock()
                await session.execute(
                    update(_runs)
                    .where(_runs.c.run_id == report.run_id)
                    .values(**report_row(report))
                )
            return [row.run_id for row in rows]

    async def owner_of(self, run_id: str) -> str:
        """The replica that claimed ``run_id`` (empty while queued or unknown)."""
        async with self._db.sessions() as session:
            found = await session.execute(select(_runs.c.owner).where(_runs.c.run_id == run_id))
            return str(found.scalar() or "")
