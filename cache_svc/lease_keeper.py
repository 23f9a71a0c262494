"""Keeps a build's lease while the build runs: renews it every lease/3 seconds, publishes
the progress (at most every half second, and at once on a phase change), and reports when
the lease was lost or the build's request superseded, so the build stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.leases import LeaseStore, Renewal

_log = logging.getLogger("cache_svc.lease_keeper")

PROGRESS_GAP = 0.5


class LeaseKeeper:
    def __init__(
        self,
        leases: LeaseStore,
        server: str,
        holder: str,
        seconds: float,
        request_id: int,
        progress: BuildProgress,
        on_lost: Callable[[str], None],
    ) -> None:
        self._leases = leases
        self._server = server
        self._holder = holder
        self._seconds = seconds
        self._request_id = request_id
        self._progress = progress
        self._on_lost = on_lost
        self._dirty = asyncio.Event()

    def changed(self) -> None:
        """The build's progress moved: publish it soon."""
        self._dirty.set()

    async def run(self) -> None:
        """Renew until cancelled, or until the lease is lost (then ``on_lost`` is called)."""
        loop = asyncio.get_running_loop()
        every = self._seconds / 3
        last_ok = last_write = loop.time()
        written: Phase | None = None
        while True:
            remaining = last_write + every - loop.time()
            if remaining > 0:
                # asyncio.timeout, not wait_for: on Python 3.11 a wait_for cancelled in the
                # turn its event is set returns as if woken, and the runner, which awaits
                # this task after cancelling it, waits for ever on a lease kept renewed.
                try:
                    async with asyncio.timeout(remaining):
                        await self._dirty.wait()
                except TimeoutError:
                    pass
                else:
                    if self._progress.phase == written:
                        await asyncio.sleep(max(0.0, last_write + PROGRESS_GAP - loop.time()))
            self._dirty.clear()
            last_write = loop.time()
            try:
                verdict = await self._leases.renew(
                    self._server,
                    self._holder,
                    self._seconds,
                    self._progress.to_json(),
                    self._request_id,
                )
            except Exception as exc:  # the database is away: keep trying while it may hold
                _log.warning("lease renewal failed: %s", exc)
                if loop.time() - last_ok >= self._seconds:
                    self._on_lost("the build lease could not be renewed")
                    return
                continue
            if verdict is Renewal.LOST:
                self._on_lost("another replica took over the build lease")
                return
            if verdict is Renewal.SUPERSEDED:
                self._on_lost("a newer configuration change replaced this build")
                return
            last_ok = loop.time()
            written = self._progress.phase
