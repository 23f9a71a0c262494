"""Two config_svc replicas on one PostgreSQL database: one revision order, one
expected_revision check, one compaction, and watchers on either replica see every
revision written on either."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeAlias

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from common.config.registry import Registry
from common.database.engine import Database
from config_svc import store
from config_svc.app import MIGRATIONS, VERSION_TABLE
from config_svc.core import ConfigCore
from config_svc.feed import ChangeFeed
from config_svc.notifications import CHANNEL
from config_svc.revisions import RevisionEngine
from config_svc.views import ConfigViews
from tests.support.config_service import config_replicas
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.rpc import TIMEOUT, error_reason, next_message

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
Watch: TypeAlias = "grpc.aio.UnaryStreamCall[pb.WatchConfigRequest, pb.WatchConfigResponse]"
KEY = "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"
NEVER = 3600.0  # a poll interval no test waits for


@pytest.fixture
async def shared_url(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database("postgres", tmp_path) as url:
        yield url


async def write(config: Stub, n: int, expected_revision: int = 0) -> int:
    reply = await config.UpdateSettings(
        pb.UpdateSettingsRequest(
            changes=[pb.SettingChange(key=KEY, value=str(10_000 + n))],
            expected_revision=expected_revision,
        ),
        timeout=TIMEOUT,
    )
    return reply.revision


async def current(config: Stub) -> int:
    reply = await config.GetSettings(pb.GetSettingsRequest(keys=[KEY]), timeout=TIMEOUT)
    return reply.revision


def watch(config: Stub, after: int, interval_ms: int = 200) -> Watch:
    return config.WatchConfig(
        pb.WatchConfigRequest(after_revision=after, progress_interval_ms=interval_ms), timeout=30
    )


async def revisions_until(stream: Watch, until: int) -> list[int]:
    """The event revisions the stream delivers, up to and including ``until``."""
    seen: list[int] = []
    while not seen or seen[-1] < until:
        message = await asyncio.wait_for(next_message(stream), TIMEOUT)
        if message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            seen.append(message.revision)
    return seen


async def tailing(config: Stub, after: int) -> Watch:
    """A watch after ``after`` that has caught up (its first progress message came)."""
    stream = watch(config, after)
    message = await asyncio.wait_for(next_message(stream), TIMEOUT)
    assert message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS, "nothing was written yet"
    return stream


async def test_writes_alternating_between_replicas_get_gapless_ordered_revisions(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(shared_url, tmp_path) as (a, b):
        start = await write(a.stub, 99_999)  # revision 0 would mean a snapshot
        streams = [await tailing(r.stub, start) for r in (a, b)]
        got = [await write((a, b)[n % 2].stub, n) for n in range(10)]
        assert got == list(range(start + 1, start + 11))
        for stream in streams:
            assert await revisions_until(stream, got[-1]) == got
            stream.cancel()
        assert await current(b.stub) == await current(a.stub) == got[-1]


async def test_concurrent_writes_on_both_replicas_get_unique_gapless_revisions(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(shared_url, tmp_path) as (a, b):
        start = await write(a.stub, 99_999)  # revision 0 would mean a snapshot
        streams = [await tailing(r.stub, start) for r in (a, b)]
        got = await asyncio.gather(
            *(write(r.stub, 100 * i + n) for n in range(10) for i, r in enumerate((a, b)))
        )
        assert sorted(got) == list(range(start + 1, start + 21))
        for stream in streams:
            assert await revisions_until(stream, start + 20) == sorted(got)
            stream.cancel()


async def test_racing_on_one_expected_revision_exactly_one_replica_wins(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(shared_url, tmp_path) as (a, b):
        await write(a.stub, 99_999)  # expected_revision 0 would mean no check
        for round_ in range(5):
            expected = await current(a.stub)
            outcomes = await asyncio.gather(
                write(a.stub, 1000 + round_, expected),
                write(b.stub, 2000 + round_, expected),
                return_exceptions=True,
            )
            won = [o for o in outcomes if isinstance(o, int)]
            lost = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
            assert won == [expected + 1], outcomes
            assert len(lost) == 1, outcomes
            assert lost[0].code() == grpc.StatusCode.ABORTED
            assert error_reason(lost[0]) == "REVISION_MISMATCH"
            winner = str(10_000 + (1000, 2000)[outcomes.index(won[0])] + round_)
            for replica in (a, b):
                reply = await replica.stub.GetSettings(
                    pb.GetSettingsRequest(keys=[KEY]), timeout=TIMEOUT
                )
                assert (reply.revision, reply.settings[0].value) == (expected + 1, winner)


async def test_a_watcher_on_one_replica_is_woken_by_a_write_on_the_other(
    shared_url: str, tmp_path: Path
) -> None:
    # Neither the poll nor the watch's idle re-read can fire while the test waits (an hour,
    # a minute): only the notification can deliver the write.
    async with config_replicas(shared_url, tmp_path, revision_poll_seconds=NEVER) as (a, b):
        stream = watch(b.stub, 0, interval_ms=60_000)
        snapshot = await next_message(stream)
        assert snapshot.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
        written = [await write(a.stub, n) for n in range(3)]
        assert written[0] == snapshot.revision + 1
        assert await revisions_until(stream, written[-1]) == written
        stream.cancel()


async def test_the_poll_delivers_when_no_notification_arrives(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(
        shared_url, tmp_path, listen_for_revisions=False, revision_poll_seconds=0.2
    ) as (a, b):
        stream = watch(b.stub, 0, interval_ms=60_000)
        snapshot = await next_message(stream)
        written = await write(a.stub, 7)
        assert written == snapshot.revision + 1
        assert await revisions_until(stream, written) == [written]
        stream.cancel()


async def test_a_watcher_resumes_on_the_other_replica_with_nothing_lost_or_repeated(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(shared_url, tmp_path) as (a, b):
        start = await write(a.stub, 99_999)  # revision 0 would mean a snapshot
        first = await tailing(a.stub, start)
        for n in range(6):
            await write((a, b)[n % 2].stub, n)
        seen = await revisions_until(first, start + 3)
        first.cancel()
        for n in range(6, 10):
            await write((a, b)[n % 2].stub, n)
        resumed = watch(b.stub, seen[-1])
        seen += await revisions_until(resumed, start + 10)
        resumed.cancel()
        assert seen == list(range(start + 1, start + 11))


async def test_compaction_is_one_decision_seen_the_same_from_both_replicas(
    shared_url: str, tmp_path: Path
) -> None:
    async with config_replicas(shared_url, tmp_path, retention=5) as replicas:
        last = 0
        for n in range(24):
            last = await write(replicas[n % 2].stub, n)
        floors = []
        for replica in replicas:
            stream = watch(replica.stub, last, interval_ms=100)
            progress = await next_message(stream)
            stream.cancel()
            assert (progress.kind, progress.revision) == (pb.WATCH_RESPONSE_KIND_PROGRESS, last)
            floors.append(progress.compact_revision)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await next_message(watch(replica.stub, 1))
            assert error_reason(caught.value) == "REVISION_COMPACTED"
        assert floors[0] == floors[1]
        assert 1 <= floors[0] <= last - 5
        # What is above the floor replays the same from either replica.
        replays = []
        for replica in replicas:
            stream = watch(replica.stub, floors[0])
            replays.append(await revisions_until(stream, last))
            stream.cancel()
        assert replays[0] == replays[1] == list(range(floors[0] + 1, last + 1))


async def test_replicas_starting_together_apply_the_start_up_policy_once(
    shared_url: str,
) -> None:
    # Two replicas' start-up passes at the same moment (the services themselves migrate
    # first, which a migration lock serializes).
    environ = {"PLEX_CLIENT_ENABLED": "true"}  # the policy turns the Plex cache on
    databases = [Database(shared_url) for _ in range(2)]
    await databases[0].migrate(MIGRATIONS, VERSION_TABLE)
    try:
        async with databases[0].sessions() as session:
            before, _floor = await store.positions(session)
        cores = []
        for db in databases:
            registry = Registry()
            views = ConfigViews(registry, registry.pinned_by_env(environ))
            engine = RevisionEngine(db, views, ChangeFeed(), notify_channel=CHANNEL)
            cores.append(ConfigCore(engine, views))
        results = await asyncio.gather(*(core.start() for core in cores))
        async with databases[0].sessions() as session:
            log = await store.read_log(session, after=before, limit=10)
            after, _floor = await store.positions(session)
    finally:
        for db in databases:
            await db.close()
    assert after == before + 1
    assert [revision for revision, _ in log] == [after]
    changed = {e.setting.key: e.setting.value for e in log[0][1] if e.setting is not None}
    assert changed["LIBRARY_CACHE_PLEX_ENABLED"] == "true"
    # One replica wrote it; the other found it done and wrote nothing.
    assert sorted(len(r.changed_settings) > 0 for r in results) == [False, True]
    assert {r.revision for r in results} == {after}
