"""cache_svc driven by a real config_svc: immediate builds on enablement, status, matching,
atomic generations, failures, restarts and lossless config following."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from cache_svc.app import CacheApp
from cache_svc.app import start as start_cache
from cache_svc.config_view import FollowedConfig
from common.wire.channels import open_channel
from tests.support.cache_service import cache_env, settle
from tests.support.clocks import SteppedClock
from tests.support.config_service import running_config
from tests.support.databases import PostgresPool, backend_of, sqlite_database
from tests.support.library_fakes import FakeLibrary, FakeSource, make_tracks
from tests.support.ports import free_port
from tests.support.processes import config_process
from tests.support.rpc import STOP_GRACE, TIMEOUT
from tests.support.waiting import eventually

PLEX = tpb.TARGET_PLEX


@asynccontextmanager
async def running_cache(
    database_url: str,
    tmp_path: Path,
    config_port: int,
    library: FakeLibrary,
    clock: Callable[[], float] = time.time,
    seconds_per_minute: float = 60.0,
) -> AsyncIterator[CacheApp]:
    def factory(_server: str, _config: FollowedConfig) -> FakeSource:
        return library.source()

    app = await start_cache(
        cache_env(database_url, tmp_path),
        config_address=f"127.0.0.1:{config_port}",
        source_factory=factory,
        progress_interval_ms=200,
        refresh_check_seconds=0.1,
        clock=clock,
        seconds_per_minute=seconds_per_minute,
    )
    try:
        yield app
    finally:
        await app.stop(STOP_GRACE)


@asynccontextmanager
async def config_and_cache(
    database_url: str, cache_db: str, tmp_path: Path, library: FakeLibrary, **options: Any
) -> AsyncIterator[
    tuple[config_pb2_grpc.ConfigServiceAsyncStub, cache_pb2_grpc.CacheServiceAsyncStub]
]:
    """A config_svc and a cache_svc following it (building from ``library``), as stubs."""
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(
            cache_db, tmp_path, config_app.server.port, library, **options
        ) as cache_app:
            yield (
                config,
                cache_pb2_grpc.CacheServiceStub(open_channel(f"127.0.0.1:{cache_app.server.port}")),
            )


async def applied(cache: cache_pb2_grpc.CacheServiceAsyncStub, revision: int) -> None:
    """Wait (bounded) until cache_svc has applied config ``revision``."""

    async def reached() -> bool:
        reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT)
        return reply.statuses[0].applied_config_revision >= revision

    await eventually(reached, within=TIMEOUT, what=f"config revision {revision} applied")


async def enable_plex(config: config_pb2_grpc.ConfigServiceAsyncStub) -> cpb.UpdateSettingsResponse:
    # wait_for_ready: a server restarted in-process may take a moment to accept.
    return await config.UpdateSettings(
        cpb.UpdateSettingsRequest(
            changes=[cpb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true")]
        ),
        timeout=TIMEOUT,
        wait_for_ready=True,
    )


@pytest.fixture
async def cache_db(
    database_url: str, tmp_path: Path, postgres_pool: PostgresPool | None
) -> AsyncIterator[str]:
    """cache_svc's own empty database, on config_svc's backend (PostgreSQL: from the pool,
    as new as a created one and a second cheaper)."""
    if backend_of(database_url) == "sqlite":
        yield sqlite_database(tmp_path)
        return
    assert postgres_pool is not None
    async with postgres_pool.database() as url:
        yield url


async def test_enabling_plex_builds_at_once_and_matches(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary(
        {"Music": make_tracks("Music", 450), "More": make_tracks("More", 120, "m")}
    )
    async with running_config(database_url, tmp_path) as config_app:
        config_channel = open_channel(f"127.0.0.1:{config_app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(config_channel)
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            channel = open_channel(f"127.0.0.1:{cache_app.server.port}")
            cache = cache_pb2_grpc.CacheServiceStub(channel)
            assert (await settle(cache, pb.CACHE_STATE_DISABLED)).generation == 0
            library.gate = asyncio.Event()
            watch = cache.WatchCacheStatus(pb.WatchCacheStatusRequest(target=PLEX), timeout=30)
            await enable_plex(config)
            building = await settle(cache, pb.CACHE_STATE_BUILDING)
            assert building.progress.mode == pb.BUILD_MODE_FULL
            library.gate.set()
            ready = await settle(cache, pb.CACHE_STATE_READY)
            assert (ready.track_count, ready.generation, sorted(ready.library_names)) == (
                570,
                1,
                ["More", "Music"],
            )
            assert ready.memory_bytes > 0
            assert ready.applied_config_revision >= 1
            states = []
            async for message in watch:
                states.append(message.status.state)
                if message.status.state == pb.CACHE_STATE_READY:
                    break
            assert pb.CACHE_STATE_BUILDING in states
            watch.cancel()

            reply = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=PLEX,
                    tracks=[
                        pb.TrackQuery(ref="a", title="Song t7", artists=["Artist 7"]),
                        pb.TrackQuery(ref="b", title="Not There", artists=["Nobody"]),
                    ],
                ),
                timeout=TIMEOUT,
            )
            assert reply.state == pb.CACHE_STATE_READY
            first, second = reply.results
            assert (first.ref, first.method, first.match.item_id) == (
                "a",
                pb.MATCH_METHOD_EXACT,
                "t7",
            )
            assert second.method == pb.MATCH_METHOD_NONE
            assert second.authoritative
            assert library.listings == 2
            await channel.close(None)
        await config_channel.close(None)


async def test_restart_serves_the_last_generation_without_rebuilding(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 300)})
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await enable_plex(config)
            await settle(cache, pb.CACHE_STATE_READY)
        listings = library.listings
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            status = await settle(cache, pb.CACHE_STATE_READY)
            assert status.generation == 1
            assert status.track_count == 300
            assert library.listings == listings, "no rebuild after a restart"


DAMAGE = {
    "checksum": "UPDATE cache_targets SET checksum = 'x' WHERE target = 'plex'",
    "count": "UPDATE cache_targets SET track_count = track_count + 1 WHERE target = 'plex'",
    "format": "UPDATE cache_targets SET format_version = 0 WHERE target = 'plex'",
    "image": "DELETE FROM cache_index_images WHERE target = 'plex'",
}
WHY = {
    "checksum": "checksum disagrees",
    "count": "holds 300 tracks, not 301",
    "format": "index format is 0",
    "image": "no index image",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
async def test_a_stored_generation_that_does_not_load_whole_is_never_served_and_rebuilt(
    database_url: str, cache_db: str, tmp_path: Path, damage: str
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 300)})
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await enable_plex(config)
            await settle(cache, pb.CACHE_STATE_READY)
        engine = create_async_engine(cache_db)
        async with engine.begin() as connection:
            await connection.execute(text(DAMAGE[damage]))
        await engine.dispose()
        listings = library.listings
        library.gate = asyncio.Event()  # hold the rebuild to see the refusal first
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )

            async def refused() -> bool:
                reply = await cache.GetCacheStatus(
                    pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT
                )
                return WHY[damage] in reply.statuses[0].last_error

            await eventually(refused, within=TIMEOUT, what="the damaged generation refused")
            reply = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=PLEX,
                    tracks=[pb.TrackQuery(ref="a", title="Song t1", artists=["Artist 1"])],
                ),
                timeout=TIMEOUT,
            )
            assert list(reply.results) == []
            library.gate.set()
            status = await settle(cache, pb.CACHE_STATE_READY)
            assert status.generation == 2
            assert status.track_count == 300
            assert status.last_error == ""
            assert library.listings > listings, "rebuilt in full"


async def test_a_failed_build_keeps_the_old_generation_serving(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 200)})
    async with config_and_cache(database_url, cache_db, tmp_path, library) as (config, cache):
        await enable_plex(config)
        await settle(cache, pb.CACHE_STATE_READY)
        library.fail_with = RuntimeError("server error 503 after 4 tries")
        library.tracks["Music"] = make_tracks("Music", 50, "new")
        started = await cache.BuildCache(
            pb.BuildCacheRequest(target=PLEX, mode=pb.BUILD_MODE_FULL), timeout=TIMEOUT
        )
        assert started.started
        failed = await settle(cache, pb.CACHE_STATE_FAILED)
        assert "503 after 4 tries" in failed.last_error
        assert failed.generation == 1
        reply = await cache.MatchTracks(
            pb.MatchTracksRequest(
                target=PLEX,
                tracks=[pb.TrackQuery(ref="x", title="Song t3", artists=["Artist 3"])],
            ),
            timeout=TIMEOUT,
        )
        assert reply.results[0].match.item_id == "t3"
        assert reply.generation == 1
        assert not reply.results[0].authoritative
        library.fail_with = None
        await cache.BuildCache(
            pb.BuildCacheRequest(target=PLEX, mode=pb.BUILD_MODE_FULL), timeout=TIMEOUT
        )
        ready = await settle(cache, pb.CACHE_STATE_READY)
        assert (ready.generation, ready.track_count, ready.last_error) == (2, 50, "")


async def test_build_requests_are_single_flight(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 100)})
    async with config_and_cache(database_url, cache_db, tmp_path, library) as (config, cache):
        library.gate = asyncio.Event()
        await enable_plex(config)
        await settle(cache, pb.CACHE_STATE_BUILDING)
        replies = await asyncio.gather(
            *(
                cache.BuildCache(pb.BuildCacheRequest(target=PLEX), timeout=TIMEOUT)
                for _ in range(5)
            )
        )
        assert not any(r.started for r in replies)
        library.gate.set()
        await settle(cache, pb.CACHE_STATE_READY)
        assert library.listings == 1


async def test_incremental_refresh_uses_the_delta(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    tracks = make_tracks("Music", 1000)
    library = FakeLibrary({"Music": tracks})
    async with config_and_cache(database_url, cache_db, tmp_path, library) as (config, cache):
        await enable_plex(config)
        await settle(cache, pb.CACHE_STATE_READY)
        full_requests = library.requests
        new = replace(tracks[0], item_id="fresh", title="Brand New", updated_at=10**10)
        library.tracks["Music"] = [new, *tracks[2:]]  # one added, two deleted
        await cache.BuildCache(
            pb.BuildCacheRequest(target=PLEX, mode=pb.BUILD_MODE_INCREMENTAL), timeout=TIMEOUT
        )
        ready = await settle(cache, pb.CACHE_STATE_READY, generation=2)
        assert ready.track_count == 999
        assert ready.generation == 2
        assert library.listings == 1
        assert library.delta_calls == 1
        assert library.requests - full_requests < full_requests
        reply = await cache.MatchTracks(
            pb.MatchTracksRequest(
                target=PLEX,
                tracks=[pb.TrackQuery(ref="n", title="Brand New", artists=["Artist 0"])],
            ),
            timeout=TIMEOUT,
        )
        assert reply.results[0].match.item_id == "fresh"


async def test_disabling_stops_serving_and_keeps_data(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 100)})
    async with config_and_cache(database_url, cache_db, tmp_path, library) as (config, cache):
        await enable_plex(config)
        await settle(cache, pb.CACHE_STATE_READY)
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key="LIBRARY_CACHE_PLEX_ENABLED", value="false")]
            ),
            timeout=TIMEOUT,
        )
        disabled = await settle(cache, pb.CACHE_STATE_DISABLED)
        assert disabled.generation == 1
        assert disabled.track_count == 100
        reply = await cache.MatchTracks(
            pb.MatchTracksRequest(
                target=PLEX,
                tracks=[pb.TrackQuery(ref="x", title="Song t1", artists=["Artist 1"])],
            ),
            timeout=TIMEOUT,
        )
        assert list(reply.results) == []
        assert reply.state == pb.CACHE_STATE_DISABLED
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await cache.BuildCache(pb.BuildCacheRequest(target=PLEX), timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_config_restart_while_watching_misses_nothing(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    """config_svc (its own process) is killed while cache_svc follows it; the change made
    after it comes back on the same address must arrive."""
    library = FakeLibrary({"Music": make_tracks("Music", 100)})
    address = f"127.0.0.1:{free_port()}"
    env = {"CMDARR_CONFIG_DATABASE_URL": database_url}
    async with config_process(tmp_path, address, **env) as first:
        async with running_cache(
            cache_db, tmp_path, int(address.rsplit(":", 1)[1]), library
        ) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await settle(cache, pb.CACHE_STATE_DISABLED)
            first.process.kill()
            await first.process.wait()
            async with config_process(tmp_path, address, **env):
                config = config_pb2_grpc.ConfigServiceStub(open_channel(address))
                response = await enable_plex(config)
                status = await settle(cache, pb.CACHE_STATE_READY)
                assert status.applied_config_revision >= response.revision


async def test_bad_match_requests_are_refused(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 10)})
    async with running_config(database_url, tmp_path) as config_app:
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            config = config_pb2_grpc.ConfigServiceStub(
                open_channel(f"127.0.0.1:{config_app.server.port}")
            )
            await enable_plex(config)
            await settle(cache, pb.CACHE_STATE_READY)
            cases = [
                pb.MatchTracksRequest(
                    target=tpb.TARGET_UNSPECIFIED, tracks=[pb.TrackQuery(title="x")]
                ),
                pb.MatchTracksRequest(target=PLEX, tracks=[pb.TrackQuery(title="")]),
                pb.MatchTracksRequest(target=PLEX, tracks=[pb.TrackQuery(title="x" * 1_000_000)]),
                pb.MatchTracksRequest(target=PLEX, tracks=[pb.TrackQuery(title="x")] * 10_001),
                pb.MatchTracksRequest(
                    target=PLEX, tracks=[pb.TrackQuery(title="x")], min_confidence=2
                ),
            ]
            for request in cases:
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await cache.MatchTracks(request, timeout=TIMEOUT)
                assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            # A lone surrogate cannot be sent through protobuf: send its UTF-8-like bytes raw.
            channel = open_channel(f"127.0.0.1:{cache_app.server.port}")
            raw = channel.unary_unary(
                "/cmdarr.cache.v1.CacheService/MatchTracks",
                request_serializer=lambda b: b,
                response_deserializer=lambda b: b,
            )
            query = b"\x12\x05\x0a\x03\xed\xa0\x80"  # TrackQuery{ref: "\ud800"}
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await raw(b"\x08\x01\x12" + bytes([len(query)]) + query, timeout=TIMEOUT)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            await channel.close(None)
            many = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=PLEX,
                    tracks=[
                        pb.TrackQuery(ref=str(i), title=f"Song t{i % 10}") for i in range(10_000)
                    ],
                ),
                timeout=60,
            )
            assert len(many.results) == 10_000
            status = (
                await cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=TIMEOUT)
            ).statuses
            assert len(status) == 2, "the service still answers"
            empty = await cache.MatchTracks(pb.MatchTracksRequest(target=PLEX), timeout=TIMEOUT)
            assert list(empty.results) == []
            odd = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=PLEX, tracks=[pb.TrackQuery(ref="c", title="\x00\x07ti\ttle\u202e")]
                ),
                timeout=TIMEOUT,
            )
            assert list(odd.results) == [] or odd.results[0].ref == "c"


async def test_a_library_too_large_for_the_memory_limit_fails_clearly(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 100_000)})
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        await config.UpdateSettings(
            cpb.UpdateSettingsRequest(
                changes=[cpb.SettingChange(key="LIBRARY_CACHE_MEMORY_LIMIT_MB", value="16")]
            ),
            timeout=TIMEOUT,
        )
        async with running_cache(cache_db, tmp_path, config_app.server.port, library) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await enable_plex(config)
            failed = await settle(cache, pb.CACHE_STATE_FAILED, limit=60)
            assert "100,000 tracks" in failed.last_error
            assert "LIBRARY_CACHE_MEMORY_LIMIT_MB=16" in failed.last_error
            assert failed.generation == 0


async def test_scheduled_refresh_runs_when_due_while_the_builder_is_enabled(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 300)})
    clock = SteppedClock()
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(
            cache_db, tmp_path, config_app.server.port, library, clock=clock
        ) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await enable_plex(config)  # the policy enables the builder too
            await settle(cache, pb.CACHE_STATE_READY)
            clock.advance(23 * 3600)
            await clock.read_again(3)  # the refresh check has seen the new time
            status = (
                await cache.GetCacheStatus(pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT)
            ).statuses[0]
            assert status.generation == 1, "not due before LIBRARY_CACHE_REFRESH_HOURS"
            clock.advance(2 * 3600)
            refreshed = await settle(cache, pb.CACHE_STATE_READY, generation=2)
            assert refreshed.track_count == 300
            assert library.delta_calls == 1


async def test_without_the_builder_an_old_cache_goes_stale(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 100)})
    clock = SteppedClock()
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(
            cache_db, tmp_path, config_app.server.port, library, clock=clock
        ) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await enable_plex(config)
            await settle(cache, pb.CACHE_STATE_READY)
            disabled = await config.UpdateCommand(
                cpb.UpdateCommandRequest(
                    command=cpb.Command(name="library_cache_builder", enabled=False),
                    update_mask=FieldMask(paths=["enabled"]),
                ),
                timeout=TIMEOUT,
            )
            await applied(cache, disabled.revision)
            clock.advance(25 * 3600)
            stale = await settle(cache, pb.CACHE_STATE_STALE)
            assert stale.generation == 1
            assert library.delta_calls == 0


async def test_a_build_past_its_timeout_fails_and_keeps_nothing(
    database_url: str, cache_db: str, tmp_path: Path
) -> None:
    library = FakeLibrary({"Music": make_tracks("Music", 300)}, gate=asyncio.Event())
    async with running_config(database_url, tmp_path) as config_app:
        config = config_pb2_grpc.ConfigServiceStub(
            open_channel(f"127.0.0.1:{config_app.server.port}")
        )
        async with running_cache(
            cache_db, tmp_path, config_app.server.port, library, seconds_per_minute=0.2
        ) as cache_app:
            cache = cache_pb2_grpc.CacheServiceStub(
                open_channel(f"127.0.0.1:{cache_app.server.port}")
            )
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key="CACHE_BUILD_TIMEOUT_MINUTES", value="1")]
                ),
                timeout=TIMEOUT,
            )
            await enable_plex(config)  # the server never answers: the gate stays shut
            failed = await settle(cache, pb.CACHE_STATE_FAILED)
            assert "CACHE_BUILD_TIMEOUT_MINUTES=1" in failed.last_error
            assert failed.generation == 0
