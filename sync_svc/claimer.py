"""Each replica's claimer: it takes queued runs from the shared queue while the cluster
has a free MAX_PARALLEL_SYNCS slot, and hands them to the runner.

It is woken at once when this replica queues a run or finishes one, and polls every
``poll`` seconds for runs queued, or slots freed, by other replicas.
"""

from __future__ import annotations

import logging

from common.notifier import VersionNotifier
from sync_svc.config_client import ConfigClient
from sync_svc.run_queue import RunQueue
from sync_svc.runner import SyncRunner

_log = logging.getLogger("sync_svc.claimer")

CLAIM_POLL_SECONDS = 0.5
# The most runs one pass claims: a bound on the loop, far above MAX_PARALLEL_SYNCS' maximum.
CLAIMS_PER_PASS = 64


class Claimer:
    def __init__(
        self,
        queue: RunQueue,
        config: ConfigClient,
        runner: SyncRunner,
        *,
        queued: VersionNotifier,
        poll: float = CLAIM_POLL_SECONDS,
    ) -> None:
        self._queue = queue
        self._config = config
        self._runner = runner
        self._queued = queued
        self._poll = poll

    async def claim_ready(self) -> list[str]:
        """Claim the queued runs the cluster has room for; returns their ids."""
        if not await self._queue.has_queued():
            return []
        settings = await self._config.settings()
        limit = settings.integer("MAX_PARALLEL_SYNCS")
        lease = float(settings.integer("SYNC_RUN_LEASE_SECONDS"))
        claimed: list[str] = []
        for _ in range(CLAIMS_PER_PASS):
            report = await self._queue.claim(self._runner.replica, limit=limit, lease_seconds=lease)
            if report is None:
                break
            self._runner.execute(report)
            claimed.append(report.run_id)
        return claimed

    async def run_forever(self) -> None:
        while True:
            seen = self._queued.version
            try:
                await self.claim_ready()
            except Exception as exc:  # the database or config_svc away: try again soon
                _log.warning("claiming runs failed: %s", exc)
            await self._queued.wait_beyond(seen, self._poll)
