"""The runs this process is executing, and how watchers follow any run to its end.

A running run's report lives here and changes in place; every change advances one
version notifier that watchers wait on. A finished (or foreign) run is read from the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from common.errors import RunNotFound
from common.notifier import VersionNotifier
from sync_svc.model import Report, RunProgress
from sync_svc.store import SyncStore

# How long a watcher waits for a change before reading the run again anyway.
FOLLOW_PATIENCE_SECONDS = 1.0


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
            await self._changes.wait_beyond(seen, FOLLOW_PATIENCE_SECONDS)
