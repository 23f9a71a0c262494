"""Stored playlist_sync commands run on their cron schedules."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from croniter import croniter

from sync_svc.config_client import ConfigClient
from sync_svc.runner import SyncRunner

_log = logging.getLogger("sync_svc.scheduler")


def due(schedule: str, last: float, now: float) -> bool:
    """A fire time of ``schedule`` falls in (last, now]. Pure."""
    if not schedule or now <= last:
        return False
    return float(croniter(schedule, last).get_next(float)) <= now


class Scheduler:
    """Checks the commands every ``every`` seconds; a command whose schedule fired since
    the last check is run once. Fire times missed while the service was down are not
    made up: the next one runs."""

    def __init__(
        self,
        config: ConfigClient,
        runner: SyncRunner,
        *,
        every: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._runner = runner
        self._every = every
        self._clock = clock
        self._last = clock()

    async def tick(self) -> list[str]:
        """Start the runs that are due; returns their ids."""
        now = self._clock()
        started = []
        for command in await self._config.playlist_commands():
            if not command.enabled:
                continue
            if due(command.schedule, self._last, now):
                spec = await self._config.playlist_spec(command.name)
                started.append(await self._runner.start(spec, dry_run=False))
                _log.info("scheduled run", extra={"fields": {"command": command.name}})
        self._last = now
        return started

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.tick()
            except Exception as exc:  # config_svc away, a bad command: try again next tick
                _log.warning("scheduling failed: %s", exc)
