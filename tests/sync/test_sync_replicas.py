"""Two sync_svc replicas on one PostgreSQL database: every run executes exactly once on
one replica, is followed and reported from either, is taken over when its replica stops,
a cron slot fires once, and MAX_PARALLEL_SYNCS holds across the cluster."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from sync_svc.run_queue import LAPSED_MESSAGE
from sync_svc.runs import RunState
from tests.support.clocks import SteppedClock
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.inprocess_stack import (
    JELLYFIN,
    PLEX,
    enable_targets,
    no_sources,
    playlist,
)
from tests.support.rpc import TIMEOUT
from tests.support.sync_replicas import (
    GatedSource,
    Replicas,
    catalog_tracks,
    finished,
    gated_spec,
    halt,
    sync_replicas,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="replicas share PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)


@pytest.fixture
async def postgres_url(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database("postgres", tmp_path) as url:
        yield url


async def owner_of(r: Replicas, run_id: str) -> int:
    """The index of the replica that claimed ``run_id``, once one has."""
    owner = await eventually(lambda: r.queue.owner_of(run_id), what=f"{run_id} claimed")
    return r.index_of(owner)


async def test_runs_started_on_either_replica_execute_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    async with sync_replicas(postgres_url, tmp_path) as r:
        await enable_targets(r.stack)
        await r.wait_warm()
        runs = []
        for i in range(6):
            spec = pb.SyncSpec(
                playlist_title=f"Mix {i}", tracks=playlist(30), targets=[PLEX, JELLYFIN]
            )
            accepted_by = r.syncs[i % 2]
            reply = await accepted_by.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)
            runs.append((accepted_by, reply.run_id))
        reports = [await finished(sync, run_id) for sync, run_id in runs]
        assert all(rep.progress.state == pb.SYNC_STATE_SUCCEEDED for rep in reports)
        owners = {await r.queue.owner_of(run_id) for _, run_id in runs}
        assert owners <= {app.replica for app in r.apps}
        for emulator, kind in ((r.stack.plex, PLEX), (r.stack.jellyfin, JELLYFIN)):
            results = [t for rep in reports for t in rep.targets if t.target == kind]
            counts = emulator.knobs.counts
            assert counts["playlist_write"] == sum(t.writes for t in results), kind
            assert counts["playlist_read"] == sum(t.requests.playlist_read for t in results), kind
        assert len(r.stack.plex.plex.state.playlists) == 6, "one playlist per run, none twice"


async def test_a_run_executing_on_one_replica_is_followed_and_reported_from_the_other(
    postgres_url: str, tmp_path: Path
) -> None:
    source = GatedSource(catalog_tracks(40))
    async with sync_replicas(postgres_url, tmp_path, load_playlist=source) as r:
        await enable_targets(r.stack)
        await r.wait_warm()
        reply = await r.syncs[0].RunSync(
            pb.RunSyncRequest(spec=gated_spec("Followed")), timeout=TIMEOUT
        )
        executor = await owner_of(r, reply.run_id)
        other = r.syncs[1 - executor]
        seen: list[pb.SyncProgress] = []

        async def follow() -> None:
            request = pb.WatchSyncRequest(run_id=reply.run_id)
            async for message in other.WatchSync(request, timeout=120):
                seen.append(message.progress)

        watcher = asyncio.create_task(follow())
        try:
            await eventually(
                lambda: any(p.message.startswith("Reading the playlist") for p in seen),
                what="the executing replica's progress, seen from the other",
            )
            middle = await other.GetSyncReport(
                pb.GetSyncReportRequest(run_id=reply.run_id), timeout=TIMEOUT
            )
            assert middle.report.progress.state == pb.SYNC_STATE_RUNNING
            await source.let_through(1)
            await asyncio.wait_for(watcher, 60)
        finally:
            watcher.cancel()
            with contextlib.suppress(BaseException):
                await watcher
        assert seen[-1].state == pb.SYNC_STATE_SUCCEEDED
        from_other = await finished(other, reply.run_id)
        from_executor = await finished(r.syncs[executor], reply.run_id)
        assert from_other == from_executor
        assert [t.matched for t in from_other.targets] == [40, 40]
        listed = (await other.ListSyncs(pb.ListSyncsRequest(), timeout=TIMEOUT)).syncs
        assert [s.run_id for s in listed] == [reply.run_id]


async def test_a_replica_that_stops_mid_run_loses_it_to_a_survivor_and_a_rerun_converges(
    postgres_url: str, tmp_path: Path
) -> None:
    source = GatedSource(catalog_tracks(20))
    async with sync_replicas(postgres_url, tmp_path, load_playlist=source) as r:
        await enable_targets(r.stack, SYNC_RUN_LEASE_SECONDS="2")
        await r.wait_warm()
        await source.let_through(1)
        first = await r.syncs[0].RunSync(
            pb.RunSyncRequest(spec=gated_spec("Kept")), timeout=TIMEOUT
        )
        assert (await finished(r.syncs[0], first.run_id)).progress.state == pb.SYNC_STATE_SUCCEEDED

        source.tracks = catalog_tracks(60)
        held = await r.syncs[0].RunSync(pb.RunSyncRequest(spec=gated_spec("Kept")), timeout=TIMEOUT)
        executor = await owner_of(r, held.run_id)
        await eventually(lambda: source.waiting == 1, what="the run reading its source")
        halt(r.apps[executor])  # no more heartbeats: as if the replica hung or was cut off
        survivor = r.syncs[1 - executor]

        async def interrupted() -> bool:
            return (await r.states()).get(held.run_id) is RunState.INTERRUPTED

        await eventually(interrupted, within=30, what="the survivor interrupting the run")
        await r.apps[executor].runner.stop()  # the stopped replica's own end is fenced out
        report = await finished(survivor, held.run_id)
        assert report.progress.state == pb.SYNC_STATE_INTERRUPTED
        assert report.error == LAPSED_MESSAGE

        await source.let_through(1)
        rerun = await survivor.RunSync(pb.RunSyncRequest(spec=gated_spec("Kept")), timeout=TIMEOUT)
        done = await finished(survivor, rerun.run_id)
        assert done.progress.state == pb.SYNC_STATE_SUCCEEDED, done.error
        assert await r.queue.owner_of(rerun.run_id) == r.apps[1 - executor].replica
        plex = [p for p in r.stack.plex.plex.state.playlists.values() if p.title == "Kept"]
        assert len(plex) == 1
        assert len(plex[0].entries) == 60


async def test_a_cron_slot_fires_once_across_replicas(postgres_url: str, tmp_path: Path) -> None:
    clocks = [SteppedClock(), SteppedClock()]
    clocks[1].now = clocks[0].now
    async with sync_replicas(
        postgres_url,
        tmp_path,
        load_playlist=no_sources,  # type: ignore[arg-type]
        schedule_every=0.05,
        clocks=list(clocks),
    ) as r:
        command = cpb.Command(
            name="every-five",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref="/nowhere.m3u"),
            targets=[tpb.TARGET_PLEX],
            schedule="*/5 * * * *",
            enabled=True,
        )
        await r.stack.config.CreateCommand(
            cpb.CreateCommandRequest(command=command), timeout=TIMEOUT
        )
        for clock in clocks:
            await clock.read_again(2)  # each scheduler has looked at the schedule
        assert await r.states() == {}
        for clock in clocks:
            clock.advance(301)
        await eventually(r.states, what="the scheduled run")
        for clock in clocks:
            await clock.read_again(3)  # and each has ticked past the slot
        assert len(await r.states()) == 1, "one run for the slot, not one per replica"


async def test_max_parallel_syncs_counts_across_replicas(postgres_url: str, tmp_path: Path) -> None:
    source = GatedSource(catalog_tracks(10))
    async with sync_replicas(postgres_url, tmp_path, load_playlist=source) as r:
        await enable_targets(r.stack, MAX_PARALLEL_SYNCS="1")
        await r.wait_warm()
        most_running = 0

        async def sample() -> None:
            nonlocal most_running
            while True:
                running = sum(s is RunState.RUNNING for s in (await r.states()).values())
                most_running = max(most_running, running)
                await asyncio.sleep(0.05)

        sampler = asyncio.create_task(sample())
        try:
            run_ids = []
            for i in range(4):
                request = pb.RunSyncRequest(spec=gated_spec(f"Serial {i}"))
                run_ids.append((await r.syncs[i % 2].RunSync(request, timeout=TIMEOUT)).run_id)
            for _ in run_ids:
                await eventually(lambda: source.waiting == 1, what="one run executing")
                await source.let_through(1)
                await eventually(lambda: source.waiting == 0, what="the run past the gate")

            async def all_done() -> bool:
                states = await r.states()
                return all(states[run_id].finished for run_id in run_ids)

            await eventually(all_done, within=60, what="every run finished")
        finally:
            sampler.cancel()
            with contextlib.suppress(BaseException):
                await sampler
        assert source.peak_waiting == 1, "never two runs executing at once"
        assert most_running == 1
        states = await r.states()
        assert all(states[run_id] is RunState.SUCCEEDED for run_id in run_ids)
