"""PreviewLidarr's and SendToLidarr's use case: the run they name, once it has ended (what
it lacks is known only then), handed to ``LidarrHandoff``."""

from __future__ import annotations

from collections.abc import Sequence

from common.errors import RunNotFinished
from sync_svc.lidarr.preview import HandoffPlan
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.live_runs import LiveRuns
from sync_svc.runs import Report


class RunHandoffs:
    def __init__(self, runs: LiveRuns, handoff: LidarrHandoff) -> None:
        self._runs = runs
        self._handoff = handoff

    async def _finished(self, run_id: str) -> Report:
        """The run (RUN_NOT_FOUND when there is none), RUN_NOT_FINISHED until it ends."""
        report = await self._runs.report(run_id)
        if not report.progress.state.finished:
            raise RunNotFinished(run_id)
        return report

    async def preview(self, run_id: str) -> HandoffPlan:
        return await self._handoff.preview(await self._finished(run_id))

    async def send(self, run_id: str, names: Sequence[str] = ()) -> HandoffPlan:
        return await self._handoff.send(await self._finished(run_id), names)
