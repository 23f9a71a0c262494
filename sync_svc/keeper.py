"""Each replica's lease keeper: it saves the reports of the runs it executes when they
changed (throttled to one pass every ``every`` seconds, so watchers on any replica see the
progress), renews their leases, gives up the runs it no longer holds, and marks INTERRUPTED
the runs whose replica stopped renewing them."""

from __future__ import annotations

import asyncio
import logging

from sync_svc.claims import Keep, keep_action
from sync_svc.run_queue import RunQueue
from sync_svc.runner import SyncRunner

_log = logging.getLogger("sync_svc.keeper")

KEEP_EVERY_SECONDS = 0.5


class LeaseKeeper:
    def __init__(
        self, queue: RunQueue, runner: SyncRunner, *, every: float = KEEP_EVERY_SECONDS
    ) -> None:
        self._queue = queue
        self._runner = runner
        self._every = every
        self._saved_version = -1
        self._renewed_at = 0.0  # event-loop time of the last renewal

    async def keep(self) -> None:
        """One pass: keep this replica's runs, then take over the lapsed ones."""
        runs = self._runner.runs
        local = runs.local()
        now = asyncio.get_running_loop().time()
        version = runs.version
        action = keep_action(
            changed=version != self._saved_version, since_renewal=now - self._renewed_at
        )
        if local and action is not Keep.NOTHING:
            owner = self._runner.replica
            if action is Keep.SAVE:
                held = set()
                for report in local:
                    # A finished run saves its end itself; an earlier save would fence it out.
                    if report.progress.state.finished or await self._queue.save_owned(
                        report, owner
                    ):
                        held.add(report.run_id)
            else:
                held = await self._queue.heartbeat(owner, [r.run_id for r in local])
            self._saved_version, self._renewed_at = version, now
            for report in local:
                # A run may have finished (and saved its end) during the pass: not lost.
                if report.run_id not in held and not report.progress.state.finished:
                    self._runner.abandon(report.run_id)
        taken = await self._queue.take_over_lapsed()
        if taken:
            _log.warning("runs whose replica stopped marked interrupted: %s", ", ".join(taken))

    async def run_forever(self) -> None:
        while True:
            try:
                await self.keep()
            except Exception as exc:  # the database away: try again on the next pass
                _log.warning("keeping runs failed: %s", exc)
            await asyncio.sleep(self._every)
