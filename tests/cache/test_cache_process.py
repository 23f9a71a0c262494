"""cache_svc as a process, killed (SIGKILL) in the middle of a build and restarted: the old
generation serves at once, and the next build succeeds."""

from __future__ import annotations

from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import emulators
from common.wire.channels import open_channel
from tests.support.cache_service import settle
from tests.support.processes import service
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

TRACKS = 20_000


async def wait_mid_build(cache: cache_pb2_grpc.CacheServiceAsyncStub) -> pb.CacheStatus:
    async def mid_build() -> pb.CacheStatus | None:
        reply = await cache.GetCacheStatus(
            pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=TIMEOUT
        )
        status = reply.statuses[0]
        building = status.state == pb.CACHE_STATE_BUILDING and status.progress.tracks_done > 0
        return status if building else None

    return await eventually(mid_build, within=60, what="a build under way")


async def test_sigkill_mid_build_then_restart(tmp_path: Path) -> None:
    data = {"CMDARR_DATA_DIR": str(tmp_path / "data")}
    async with (
        emulators(tmp_path, tracks=TRACKS, latency_ms=150) as emu,
        service("config_svc", tmp_path, env=data) as config_proc,
    ):
        env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
        changes = {
            "PLEX_URL": emu.plex_url,
            "PLEX_TOKEN": "emulated-plex-token",
            "PLEX_CLIENT_ENABLED": "true",
        }
        async with service("cache_svc", tmp_path, env=env) as first:
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(first.address))
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
                ),
                timeout=TIMEOUT,
            )
            ready = await settle(cache, pb.CACHE_STATE_READY, limit=120)
            assert ready.generation == 1
            assert ready.track_count == TRACKS
            await cache.BuildCache(
                pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_FULL),
                timeout=TIMEOUT,
            )
            mid = await wait_mid_build(cache)
            assert 0 < mid.progress.tracks_done < TRACKS
            await first.kill()

        async with service("cache_svc", tmp_path, env=env) as second:
            cache = cache_pb2_grpc.CacheServiceStub(open_channel(second.address))
            status = (
                await cache.GetCacheStatus(
                    pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=TIMEOUT
                )
            ).statuses[0]
            assert status.state == pb.CACHE_STATE_READY, "the old generation serves at once"
            assert (status.generation, status.track_count) == (1, TRACKS)
            reply = await cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=tpb.TARGET_PLEX,
                    tracks=[pb.TrackQuery(ref="h", title="Halo", artists=["Beyoncé"])],
                ),
                timeout=TIMEOUT,
            )
            assert reply.results[0].method == pb.MATCH_METHOD_EXACT
            started = await cache.BuildCache(
                pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_FULL),
                timeout=TIMEOUT,
            )
            assert started.started
            again = await settle(cache, pb.CACHE_STATE_READY, generation=2, limit=120)
            assert again.track_count == TRACKS
            assert again.last_error == ""
