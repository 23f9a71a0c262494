"""Lidarr down, refusing the key, answering 404, 500 or 400: each is reported on the
hand-off (and on the run, for an automatic send), retried within bounds, never a failed
sync, and the API key is in no answer and no log line."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from common.config.registry import Registry
from common.config.values import SettingValues
from common.database.engine import Database
from common.domain import Destination
from common.matching import MatchMethod
from emulators.lidarr import lidarr_knobs
from emulators.server import Emulator, running_lidarr
from sync_svc.app import MIGRATIONS, VERSION_TABLE
from sync_svc.lidarr.after_run import AfterRun
from sync_svc.lidarr.records import HandoffRecords
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.runs import Outcome, Report, RunProgress, RunState, Spec, Track, Via
from tests.support.cache_service import settle
from tests.support.inprocess_stack import PLEX, Stack, configure, enable_targets, stack
from tests.support.lidarr_world import lidarr_settings, run_to_end, wanted
from tests.support.log_capture import capture_debug
from tests.support.ports import free_port
from tests.support.rpc import TIMEOUT

KEY = "faults-key-e4b7"
NOT_SENT = pb.LIDARR_ALBUM_STATE_FAILED


def tracks() -> list[pb.InlineTrack]:
    return [*wanted("Salt Hymns", 0), *wanted("Night Orchard", 0), *wanted("Breakwater Hours", 1)]


async def run_inline(s: Stack) -> str:
    spec = pb.SyncSpec(playlist_title="Faults", tracks=tracks(), targets=[PLEX])
    return (await run_to_end(s.sync, pb.RunSyncRequest(spec=spec))).run_id


async def fault(lidarr: Emulator, **rule: object) -> None:
    async with httpx.AsyncClient(base_url=lidarr.url) as http:
        await http.delete("/__admin/faults")
        if rule:
            assert (await http.post("/__admin/faults", json=rule)).status_code == 200


async def preview(s: Stack, run_id: str) -> pb.PreviewLidarrResponse:
    return await s.sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id=run_id), timeout=TIMEOUT)


async def send(s: Stack, run_id: str) -> pb.SendToLidarrResponse:
    return await s.sync.SendToLidarr(pb.SendToLidarrRequest(run_id=run_id), timeout=TIMEOUT)


async def test_every_fault_is_reported_bounded_and_keyless(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY))
        run_id = await run_inline(s)
        answers: list[str] = []

        # A 500 once: the lookup is tried again and the preview is whole.
        await fault(lidarr, kind="status", status=500, endpoint="lookup")
        once = await preview(s, run_id)
        assert once.error == ""
        assert lidarr.knobs.counts["lookup"] == 4, "three albums and one retry"

        # 500 every time: three tries, then the preview stops asking and says why.
        await fault(lidarr, kind="status", status=500, endpoint="lookup", count=50)
        failing = await preview(s, run_id)
        assert "failed with 500 after 3 tries" in failing.error
        assert lidarr.knobs.counts["lookup"] == 7, "bounded: three tries, then no more lookups"
        assert {a.state for a in failing.albums} == {NOT_SENT}
        answers.append(str(failing))

        # 404: not Lidarr's API there (a wrong URL); the send stops at the first request.
        await fault(lidarr, kind="status", status=404, endpoint="lookup", count=50)
        missing = await send(s, run_id)
        assert "returned 404" in missing.error
        assert missing.sent == 0
        answers.append(str(missing))

        # A 400 for one album: that album fails with Lidarr's answer, the others go on.
        await fault(lidarr, kind="status", status=400, endpoint="write")
        partly = await send(s, run_id)
        states = [a.state for a in partly.albums]
        assert states.count(NOT_SENT) == 1
        assert partly.sent == 2
        refused = next(a for a in partly.albums if a.state == NOT_SENT)
        assert refused.message.startswith("Lidarr refused:")
        assert partly.error == "", "an album's refusal is not Lidarr's failure"
        retried = await send(s, run_id)
        assert retried.sent == 1, "a failed album is tried again by the next send"
        answers += [str(partly), str(retried)]

        # A refused key, and Lidarr away (a new run: the first one's albums are all sent,
        # so previewing it asks Lidarr nothing).
        await fault(lidarr)
        run_id = await run_inline(s)
        await configure(s, LIDARR_API_KEY="wr0ng-key-1")
        refused_key = await preview(s, run_id)
        assert "was refused with 401" in refused_key.error
        assert "wr0ng-key-1" not in str(refused_key)
        await configure(s, LIDARR_URL=f"http://127.0.0.1:{free_port()}", LIDARR_API_KEY=KEY)
        away = await send(s, run_id)
        assert away.sent == 0
        assert "could not connect" in away.error
        answers += [str(refused_key), str(away)]

        # The automatic send after a run: Lidarr away is said in the report, and the run
        # succeeds all the same.
        await configure(s, LIDARR_AUTO_SEND_COMMANDS="faults")
        report = await run_command(s, tmp_path)
        assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
        assert report.lidarr_note.startswith("Lidarr: 0 albums sent, 3 not sent (Lidarr: ")
        assert "could not connect" in report.lidarr_note
        answers.append(str(report))

    assert not [a for a in answers if KEY in a], "the API key is in no answer"
    # Every record at INFO and above, and the project's own at any level (the database
    # driver's DEBUG lines echo what config_svc stores; CMDARR_LOG_LEVEL is INFO unless
    # set, and the services' log redactor masks every secret they have seen).
    ours = ("sync_svc", "config_svc", "cache_svc", "common", "cmdarr", "gateway")
    logged = [
        r.getMessage() + str(getattr(r, "fields", ""))
        for r in caplog.records
        if r.levelno >= logging.INFO or r.name.startswith(ours)
    ]
    assert logged, "the faults were logged"
    assert not [line for line in logged if KEY in line], "the API key is in no log line"


async def run_command(s: Stack, tmp_path: Path) -> pb.SyncReport:
    path = tmp_path / "faults.jspf"
    entries = [{"title": t.title, "creator": t.artists[0], "album": t.album} for t in tracks()]
    path.write_text(json.dumps({"playlist": {"title": "F", "track": entries}}))
    command = cpb.Command(
        name="faults",
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
        targets=[PLEX],
    )
    await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
    return await run_to_end(s.sync, pb.RunSyncRequest(command_name="faults"))


async def test_a_slow_lidarr_stops_the_automatic_send_in_its_own_time(
    database_url: str,
) -> None:
    """The hand-off after a run has a bound of its own: a Lidarr too slow for it ends the
    hand-off, said in the report, and the run goes on (sync_svc/runner.py calls it outside
    SYNC_RUN_TIMEOUT_MINUTES)."""
    db = Database(database_url)
    await db.migrate(MIGRATIONS, VERSION_TABLE)
    knobs = lidarr_knobs(latency_ms=400.0)
    try:
        async with running_lidarr(api_key=KEY, knobs=knobs) as lidarr:
            values = SettingValues(
                Registry(), {**lidarr_settings(lidarr.url, KEY), "LIDARR_AUTO_SEND_COMMANDS": "f"}
            )

            async def settings() -> SettingValues:
                return values

            records = HandoffRecords(db)
            after = AfterRun(LidarrHandoff(records, settings), records, timeout_seconds=1.0)
            spec = Spec("F", (Destination("plex"),), tuple(_track(t) for t in tracks()))
            report = Report("run-f", replace(spec, command_name="f"), False, RunProgress(
                RunState.RUNNING, "running"), 1.0, outcomes=[
                Outcome(p, Destination("plex"), Via.UNMATCHED, MatchMethod.NONE, 0.0, "",
                        authoritative=True)
                for p in range(3)
            ])  # fmt: skip
            await after(report, values)
        assert report.lidarr_note.startswith(
            "Lidarr: not sent: the hand-off took longer than 1 s"
        ), report.lidarr_note
        # Three lookups take at least 1.2 s: the bound ends the hand-off before any write.
        assert knobs.counts["write"] == knobs.counts["command"] == 0
    finally:
        await db.close()


def _track(track: pb.InlineTrack) -> Track:
    return Track(track.title, tuple(track.artists), track.album)
