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


def fire_time(schedule: str, last: float, now: float) -> float | None:
    """The latest fire time of ``schedule`` in (last, now], or None. Pure.

    Replicas tick at their own moments, but any two windows holding a fire time agree on
    it, so it names the cron slot the whole cluster fires once."""
    if not schedule or now <= last:
        return None
    latest = float(croniter(schedule, now).get_prev(float))  # strictly before ``now``
    at_now = float(croniter(schedule, latest).get_next(float))
    if at_now <= now:
        latest = at_now
    return latest if latest > last else None


def due(schedule: str, last: float, now: float) -> bool:
    """A fire time of ``schedule`` falls in (last, now]. Pure."""
    return fire_time(schedule, last, now) is not None


class Scheduler:
    """Checks the commands every ``every`` seconds; a command whose schedule fired since
    the last check is run once across the cluster: every replica's scheduler tries, and
    only the one that records the slot first queues the run. Fire times missed while the
    service was down are not made up: the next one runs."""

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
            slot = fire_time(command.schedule, self._last, now)
            if slot is None:
                continue
            spec = await self._config.playlist_spec(command.name)
            run_id = await self._runner.start_scheduled(spec, slot)
            if run_id is not None:
                started.append(run_id)
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
