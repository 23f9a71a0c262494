"""Two cache_svc replicas on one PostgreSQL database, following one config_svc: a config
change builds once for the cluster, every replica serves the new generation and reports
the build running on the other, BuildCache is single-flight across replicas, and a
surviving replica takes over the build of one that stopped once its lease lapses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from cache_svc.app import CacheApp
from cache_svc.app import start as start_cache
from cache_svc.config_view import FollowedConfig
from common.wire.channels import open_channel
from tests.support.cache_service import cache_env, settle
from tests.support.config_service import running_config
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.library_fakes import FakeLibrary, FakeSource, make_tracks
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="cache replicas need PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)

PLEX = tpb.TARGET_PLEX


@dataclass
class Replica:
    app: CacheApp
    stub: cache_pb2_grpc.CacheServiceAsyncStub


@dataclass
class Cluster:
    config: config_pb2_grpc.ConfigServiceAsyncStub
    replicas: list[Replica]


@asynccontextmanager
async def cluster(
    tmp_path: Path,
    library: FakeLibrary,
    count: int = 2,
    others: Mapping[str, FakeLibrary] | None = None,
) -> AsyncIterator[Cluster]:
    """One config_svc and ``count`` cache_svc replicas sharing one fresh database; every
    server's library is ``library`` unless ``others`` has one by its name."""

    def factory(server: str, _config: FollowedConfig) -> FakeSource:
        return (others or {}).get(server, library).source()

    async with (
        fresh_database("postgres", tmp_path) as config_db,
        fresh_database("postgres", tmp_path) as cache_db,
        running_config(config_db, tmp_path) as config_app,
        AsyncExitStack() as stack,
    ):
        config_channel = open_channel(f"127.0.0.1:{config_app.server.port}")
        stack.push_async_callback(config_channel.close, None)
        replicas = []
        for _ in range(count):
            app = await start_cache(
                cache_env(cache_db, tmp_path),
                config_address=f"127.0.0.1:{config_app.server.port}",
                source_factory=factory,
                progress_interval_ms=200,
                refresh_check_seconds=0.1,
            )
            stack.push_async_callback(app.stop, 0.2)
            channel = open_channel(f"127.0.0.1:{app.server.port}")
            stack.push_async_callback(channel.close, None)
            replicas.append(Replica(app, cache_pb2_grpc.CacheServiceStub(channel)))
        yield Cluster(config_pb2_grpc.ConfigServiceStub(config_channel), replicas)


async def update(config: config_pb2_grpc.ConfigServiceAsyncStub, **values: str) -> None:
    await config.UpdateSettings(
        cpb.UpdateSettingsRequest(
            changes=[cpb.SettingChange(key=k, value=v) for k, v in values.items()]
        ),
        timeout=TIMEOUT,
    )


async def fetching(replica: Replica) -> pb.CacheStatus:
    """Wait (bounded) until ``replica`` reports a build fetching tracks."""

    async def reported() -> pb.CacheStatus | None:
        reply = await replica.stub.GetCacheStatus(
            pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT
        )
        status = reply.statuses[0]
        under_way = (
            status.state == pb.CACHE_STATE_BUILDING
            and status.progress.phase == pb.BUILD_PHASE_FETCHING_TRACKS
        )
        return status if under_way else None

    return await eventually(reported, within=20, what="a build fetching tracks", poll=0.05)


async def the_builder(replicas: list[Replica]) -> Replica:
    """The one replica that runs the build (waits, bounded, until one does)."""

    def builders() -> list[Replica] | None:
        found = [r for r in replicas if r.app.manager.builds_here("plex")]
        return found or None

    found = await eventually(builders, within=20, what="a replica building")
    assert len(found) == 1, "one build for the cluster"
    return found[0]


async def match(replica: Replica) -> pb.MatchTracksResponse:
    return await replica.stub.MatchTracks(
        pb.MatchTracksRequest(
            target=PLEX, tracks=[pb.TrackQuery(ref="a", title="Song t7", artists=["Artist 7"])]
        ),
        timeout=TIMEOUT,
    )


async def test_enabling_builds_once_and_every_replica_serves_and_reports_it(
    tmp_path: Path,
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 450)}, gate=asyncio.Event())
    async with cluster(tmp_path, library) as stack:
        for replica in stack.replicas:
            await settle(replica.stub, pb.CACHE_STATE_DISABLED)
        await update(stack.config, PLEX_CLIENT_ENABLED="true")
        builder = await the_builder(stack.replicas)
        (other,) = [r for r in stack.replicas if r is not builder]
        seen = await fetching(other)
        assert seen.progress.mode == pb.BUILD_MODE_FULL
        assert seen.progress.started_at.seconds > 0
        for replica in stack.replicas:
            again = await replica.stub.BuildCache(
                pb.BuildCacheRequest(target=PLEX, mode=pb.BUILD_MODE_FULL), timeout=TIMEOUT
            )
            assert not again.started, "single-flight across replicas"
            assert again.status.state == pb.CACHE_STATE_BUILDING
        library.gate.set()  # type: ignore[union-attr]
        for replica in stack.replicas:
            ready = await settle(replica.stub, pb.CACHE_STATE_READY, generation=1)
            assert (ready.generation, ready.track_count) == (1, 450)
            assert list(ready.library_names) == ["Music"]
            reply = await match(replica)
            assert (reply.generation, reply.results[0].match.item_id) == (1, "t7")
        assert library.listings == 1, "one build for two replicas"
        assert not any(r.app.manager.builds_here("plex") for r in stack.replicas)


async def test_a_build_asked_on_one_replica_is_served_by_both(tmp_path: Path) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 200)})
    async with cluster(tmp_path, library) as stack:
        first, second = stack.replicas
        await update(stack.config, PLEX_CLIENT_ENABLED="true")
        for replica in stack.replicas:
            await settle(replica.stub, pb.CACHE_STATE_READY, generation=1)
        library.tracks["Music"] = make_tracks("Music", 260)
        started = await second.stub.BuildCache(
            pb.BuildCacheRequest(target=PLEX, mode=pb.BUILD_MODE_FULL), timeout=TIMEOUT
        )
        assert started.started
        for replica in (first, second):
            ready = await settle(replica.stub, pb.CACHE_STATE_READY, generation=2)
            assert ready.track_count == 260
            assert (await match(replica)).generation == 2
        assert library.listings == 2


async def test_a_survivor_takes_over_the_build_of_a_stopped_replica(tmp_path: Path) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 300)}, gate=asyncio.Event())
    async with cluster(tmp_path, library) as stack:
        await update(stack.config, CACHE_BUILD_LEASE_SECONDS="2")
        await update(stack.config, PLEX_CLIENT_ENABLED="true")
        builder = await the_builder(stack.replicas)
        (survivor,) = [r for r in stack.replicas if r is not builder]
        await fetching(survivor)
        # The builder dies: its build stops and its lease is not let go.
        await builder.app.manager.stop(release=False)
        await builder.app.stop(0.1)
        assert library.listings == 1
        library.gate.set()  # type: ignore[union-attr]
        ready = await settle(survivor.stub, pb.CACHE_STATE_READY, generation=1, limit=30)
        assert ready.track_count == 300
        assert survivor.app.manager.builds_here("plex") is False
        assert library.listings == 2, "the survivor built it once more, after the lease lapsed"
        assert (await match(survivor)).results[0].match.item_id == "t7"


async def test_a_created_server_is_built_by_one_replica_and_served_by_both(
    tmp_path: Path,
) -> None:
    plex = FakeLibrary({"Music": make_tracks("Music", 50)})
    cabin = FakeLibrary({"Music": make_tracks("Music", 320, prefix="c")}, gate=asyncio.Event())
    async with cluster(tmp_path, plex, others={"cabin": cabin}) as stack:
        made = await stack.config.CreateServer(
            cpb.CreateServerRequest(
                server=cpb.Server(
                    name="cabin",
                    kind=cpb.SERVER_KIND_PLEX,
                    url="http://cabin.lan:32400",
                    token="cabin-t0ken",
                    client_enabled=True,
                )
            ),
            timeout=TIMEOUT,
        )
        assert made.server.library_cache_enabled

        def builders() -> list[Replica] | None:
            found = [r for r in stack.replicas if r.app.manager.builds_here("cabin")]
            return found or None

        found = await eventually(builders, within=20, what="a replica building cabin")
        assert len(found) == 1, "one build of the created server for the cluster"
        (other,) = [r for r in stack.replicas if r is not found[0]]

        async def building_elsewhere() -> pb.CacheStatus | None:
            try:
                reply = await other.stub.GetCacheStatus(
                    pb.GetCacheStatusRequest(server="cabin"), timeout=TIMEOUT
                )
            except grpc.aio.AioRpcError as error:
                if error.code() is grpc.StatusCode.NOT_FOUND:
                    return None  # its watch has not brought the created server here yet
                raise
            status = reply.statuses[0]
            return status if status.state == pb.CACHE_STATE_BUILDING else None

        await eventually(building_elsewhere, within=20, what="the other replica reporting it")
        cabin.gate.set()  # type: ignore[union-attr]
        query = pb.TrackQuery(ref="a", title="Song c7", artists=["Artist 7"])
        for replica in stack.replicas:
            ready = await settle(replica.stub, pb.CACHE_STATE_READY, server="cabin", generation=1)
            assert (ready.server, ready.track_count) == ("cabin", 320)
            reply = await replica.stub.MatchTracks(
                pb.MatchTracksRequest(server="cabin", tracks=[query]), timeout=TIMEOUT
            )
            assert reply.results[0].match.item_id == "c7"
        assert cabin.listings == 1, "one build for two replicas"
        assert plex.listings == 0, "the built-in servers are off"

        await stack.config.DeleteServer(cpb.DeleteServerRequest(name="cabin"), timeout=TIMEOUT)
        for replica in stack.replicas:

            async def gone(replica: Replica = replica) -> bool:
                reply = await replica.stub.GetCacheStatus(
                    pb.GetCacheStatusRequest(), timeout=TIMEOUT
                )
                return "cabin" not in [x.server for x in reply.statuses]

            await eventually(gone, within=10, what="cabin gone from every replica")
