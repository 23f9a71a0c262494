"""The runs this replica is executing, and how watchers follow any run to its end.

A running run's report lives here and changes in place; every change advances one
version notifier that watchers wait on. A queued, finished or foreign run (one another
replica executes) is read from the store, whose copy the executing replica keeps fresh
(``sync_svc/keeper.py``), so it is polled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from common.errors import RunNotFound
from common.notifier import VersionNotifier
from sync_svc.runs import Report, RunProgress
from sync_svc.store import SyncStore

# How long a watcher of a local run waits for a change before reading it again anyway.
FOLLOW_PATIENCE_SECONDS = 1.0
# How often a watcher of a run this replica does not execute reads the stored progress.
POLL_STORED_SECONDS = 0.5


class LiveRuns:
    def __init__(self, store: SyncStore) -> None:
        self._store = store
        self._running: dict[str, Report] = {}
        self._changes = VersionNotifier()

    def add(self, report: Report) -> None:
        self._running[report.run_id] = report
        self.changed()

    def remove(self, run_id: str) -> None:
        self._running.pop(run_id, None)
        self.changed()

    @property
    def version(self) -> int:
        """Moves at every change of a local run (and when one is added or removed)."""
        return self._changes.version

    def local(self) -> list[Report]:
        """The reports of the runs this replica is executing now."""
        return list(self._running.values())

    def changed(self) -> None:
        """A running report changed in place: wake the watchers."""
        self._changes.advance()

    async def report(self, run_id: str) -> Report:
        report = self._running.get(run_id) or await self._store.load(run_id)
        if report is None:
            raise RunNotFound(run_id)
        return report

    async def follow(self, run_id: str) -> AsyncIterator[RunProgress]:
        """The run's progress now and at every change, until it finishes."""
        last: RunProgress | None = None
        while True:
            seen = self._changes.version
            current = replace((await self.report(run_id)).progress)
            if current != last:
                yield current
                last = current
            if current.state.finished:
                return
            local = run_id in self._running
            patience = FOLLOW_PATIENCE_SECONDS if local else POLL_STORED_SECONDS
            await self._changes.wait_beyond(seen, patience)
