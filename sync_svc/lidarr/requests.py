"""PreviewLidarr's and SendToLidarr's use case: the run they name, once it has ended (what
it lacks is known only then), handed to ``LidarrHandoff``.

A send asked for over the API runs to its end once begun, even when its caller stops
waiting (a deadline, a client gone): what it hands to Lidarr is recorded, and the run's
cap counts it. Cancelled with its call, the albums would be in Lidarr and not recorded,
and the next send would hand over as many again. (The send after a run is bounded
instead, sync_svc/lidarr/after_run.py: there the bound ends it.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from common.errors import RunNotFinished
from sync_svc.lidarr.preview import HandoffPlan
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.live_runs import LiveRuns
from sync_svc.runs import Report

_log = logging.getLogger("sync_svc.lidarr")


class RunHandoffs:
    def __init__(self, runs: LiveRuns, handoff: LidarrHandoff) -> None:
        self._runs = runs
        self._handoff = handoff
        self._sends: set[asyncio.Task[HandoffPlan]] = set()  # under way, awaited or not

    async def _finished(self, run_id: str) -> Report:
        """The run (RUN_NOT_FOUND when there is none), RUN_NOT_FINISHED until it ends."""
        report = await self._runs.report(run_id)
        if not report.progress.state.finished:
            raise RunNotFinished(run_id)
        return report

    async def preview(self, run_id: str) -> HandoffPlan:
        return await self._handoff.preview(await self._finished(run_id))

    async def send(self, run_id: str, names: Sequence[str] = ()) -> HandoffPlan:
        report = await self._finished(run_id)
        sending = asyncio.create_task(self._handoff.send(report, names))
        self._sends.add(sending)
        sending.add_done_callback(self._sends.discard)
        try:
            return await asyncio.shield(sending)
        except asyncio.CancelledError:
            sending.add_done_callback(_said_when_failed)  # nobody waits for it now
            raise


def _said_when_failed(sending: asyncio.Task[HandoffPlan]) -> None:
    """The end of a send its caller stopped waiting for: an error is logged, since no
    caller has it (Lidarr's own failures are in the records)."""
    if not sending.cancelled() and (error := sending.exception()) is not None:
        _log.warning("a Lidarr send nobody waited for ended in %s: %s", type(error).__name__, error)
