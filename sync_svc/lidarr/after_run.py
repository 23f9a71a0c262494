"""What a run does about Lidarr once its playlists are written: say which of the tracks
it found came through Lidarr, and, for a command in LIDARR_AUTO_SEND_COMMANDS, hand its
wanted albums over. Neither ever fails the run: a failure is said in its report, and the
hand-off has a time of its own (``timeout_seconds``), apart from SYNC_RUN_TIMEOUT_MINUTES,
so that a slow Lidarr can neither fail a run whose playlists are written nor hold it."""

from __future__ import annotations

import asyncio
import logging

from common.config.values import SettingValues
from common.errors import ServiceError
from sync_svc.lidarr.access import LidarrAccess
from sync_svc.lidarr.plan import AlbumState
from sync_svc.lidarr.preview import HandoffPlan
from sync_svc.lidarr.records import HandoffRecords
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.lidarr.wanted import track_key
from sync_svc.runs import Arrival, Report, Via

_log = logging.getLogger("sync_svc.lidarr")
# How long the automatic hand-off after a run may take: lookups and writes, each with the
# transport's bounded retries. What is not done by then is done by the next run.
AFTER_RUN_SECONDS = 300.0


def summary(plan: HandoffPlan) -> str:
    """The automatic send in one line, for the run's report (pure)."""
    counts: dict[AlbumState, int] = {}
    for album in plan.albums:
        counts[album.state] = counts.get(album.state, 0) + 1
    parts = [f"{plan.sent} album{'s' if plan.sent != 1 else ''} sent"]
    said = (
        (AlbumState.ALREADY_WANTED, "already wanted in Lidarr"),
        (AlbumState.DEFERRED, "left for the next run"),
        (AlbumState.NOT_FOUND, "not found"),
        (AlbumState.AMBIGUOUS, "with several candidates"),
        (AlbumState.FAILED, "not sent"),
    )
    parts += [f"{counts[state]} {words}" for state, words in said if counts.get(state)]
    text = "Lidarr: " + ", ".join(parts)
    return f"{text} ({plan.error})" if plan.error else text


class AfterRun:
    def __init__(
        self,
        handoff: LidarrHandoff,
        records: HandoffRecords,
        *,
        timeout_seconds: float = AFTER_RUN_SECONDS,
    ) -> None:
        self._handoff = handoff
        self._records = records
        self._timeout = timeout_seconds

    async def __call__(self, report: Report, settings: SettingValues) -> None:
        try:
            await self._arrivals(report)
        except Exception:  # the record is a nicety: the run's playlists are written
            _log.warning("could not read the Lidarr hand-offs", exc_info=True)
        access = LidarrAccess.of(settings)
        if report.dry_run or not access.enabled or report.spec.command_name not in access.auto_send:
            return
        try:
            async with asyncio.timeout(self._timeout):
                plan = await self._handoff.send(report)
        except TimeoutError:
            report.lidarr_note = (
                f"Lidarr: not sent: the hand-off took longer than {self._timeout:g} s "
                "(what Lidarr took is found again by the next run)"
            )
        except ServiceError as exc:
            report.lidarr_note = f"Lidarr: not sent: {exc.message}"
        except Exception as exc:
            _log.warning("the automatic hand-off to Lidarr failed", exc_info=True)
            report.lidarr_note = f"Lidarr: not sent: {type(exc).__name__}"
        else:
            report.lidarr_note = summary(plan)

    async def _arrivals(self, report: Report) -> None:
        tracks = report.spec.tracks
        found = sorted({o.position for o in report.outcomes if o.via is not Via.UNMATCHED})
        keys = {p: track_key(tracks[p]) for p in found if p < len(tracks)}
        if not keys:
            return
        sent = await self._records.arrivals(keys.values(), report.run_id, mark=not report.dry_run)
        report.lidarr_arrivals = [
            Arrival(p, sent[k].album, sent[k].sent_at, sent[k].run_id)
            for p, k in keys.items()
            if k in sent
        ]
