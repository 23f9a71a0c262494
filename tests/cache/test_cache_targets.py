"""cache_svc against the Plex and Jellyfin emulators over real HTTP: builds of every music
library (the audiobook trap left out), matching, incremental refresh, target faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from cache_svc.app import start as start_cache
from common.wire.channels import open_channel
from emulators.catalog_extra import artist_mbid
from emulators.knobs import Fault
from emulators.library import Catalog, generate
from emulators.server import Emulator, running_jellyfin, running_plex
from tests.support.cache_service import cache_env, settle
from tests.support.config_service import running_config
from tests.support.rpc import STOP_GRACE, TIMEOUT

CATALOG = generate(seed=3, tracks=1200, music_libraries=2, audiobooks=40)
MUSIC = sum(len(s.tracks) for s in CATALOG.sections if s.kind == "music")


@dataclass
class Stack:
    plex: Emulator
    jellyfin: Emulator
    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub


@asynccontextmanager
async def stack(
    database_url: str, tmp_path: Path, catalog: Catalog = CATALOG
) -> AsyncIterator[Stack]:
    async with (
        running_plex(catalog=catalog) as plex,
        running_jellyfin(catalog=catalog) as jellyfin,
        running_config(database_url, tmp_path) as config_app,
    ):
        config_channel = open_channel(f"127.0.0.1:{config_app.server.port}")
        cache_app = await start_cache(
            cache_env(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}", tmp_path),
            config_address=f"127.0.0.1:{config_app.server.port}",
            progress_interval_ms=200,
        )
        cache_channel = open_channel(f"127.0.0.1:{cache_app.server.port}")
        try:
            yield Stack(
                plex,
                jellyfin,
                config_pb2_grpc.ConfigServiceStub(config_channel),
                cache_pb2_grpc.CacheServiceStub(cache_channel),
            )
        finally:
            await cache_channel.close(None)
            await cache_app.stop(STOP_GRACE)
            await config_channel.close(None)


async def configure(s: Stack, **values: str) -> cpb.UpdateSettingsResponse:
    changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    return await s.config.UpdateSettings(
        cpb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT
    )


async def enable_both(s: Stack) -> cpb.UpdateSettingsResponse:
    return await configure(
        s,
        PLEX_URL=s.plex.url,
        PLEX_TOKEN=s.plex.token,
        JELLYFIN_URL=s.jellyfin.url,
        JELLYFIN_TOKEN=s.jellyfin.token,
        TARGET_MAX_REQUESTS_PER_SECOND="1000",
        PLEX_CLIENT_ENABLED="true",
        JELLYFIN_CLIENT_ENABLED="true",
    )


async def test_enabling_both_targets_builds_both_caches_over_http(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        response = await enable_both(s)
        assert (
            sum(
                "Library cache will be enabled automatically" in n.message
                for n in response.notifications
            )
            == 2
        )
        for target in (tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN):
            ready = await settle(s.cache, pb.CACHE_STATE_READY, target=target, limit=60)
            assert ready.track_count == MUSIC, "every music track, no audiobook chapter"
            assert sorted(ready.library_names) == ["Lossless", "Music"]
        hard = next(t for t in CATALOG.all_tracks() if t.title == "Ace of Spades")
        for target in (tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN):
            reply = await s.cache.MatchTracks(
                pb.MatchTracksRequest(
                    target=target,
                    tracks=[
                        pb.TrackQuery(
                            ref="1",
                            title="Ace Of Spades",
                            artists=["Motorhead"],
                            duration_ms=hard.duration_ms,
                        ),
                        pb.TrackQuery(
                            ref="2", title="Ace of Spades", artists=["The Velvet Tangerines"]
                        ),
                    ],
                ),
                timeout=TIMEOUT,
            )
            hit, miss = reply.results
            assert hit.method == pb.MATCH_METHOD_EXACT
            assert hit.match.title == "Ace of Spades"
            assert miss.method == pb.MATCH_METHOD_NONE
            assert miss.authoritative


async def test_a_revoked_token_fails_the_build_and_keeps_the_old_generation(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_both(s)
        await settle(s.cache, pb.CACHE_STATE_READY, limit=60)
        s.plex.knobs.faults.append(Fault(kind="revoke_token", skip=2))
        await s.cache.BuildCache(
            pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_FULL), timeout=TIMEOUT
        )
        failed = await settle(s.cache, pb.CACHE_STATE_FAILED, limit=60)
        assert "401" in failed.last_error or "token" in failed.last_error.lower()
        assert s.plex.token not in failed.last_error
        assert failed.generation == 1
        assert failed.track_count == MUSIC
        reply = await s.cache.MatchTracks(
            pb.MatchTracksRequest(
                target=tpb.TARGET_PLEX,
                tracks=[pb.TrackQuery(ref="x", title="Halo", artists=["Beyoncé"])],
            ),
            timeout=TIMEOUT,
        )
        assert reply.results[0].method == pb.MATCH_METHOD_EXACT
        assert reply.generation == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="status", status=503, count=50, endpoint="track_page"),
        Fault(kind="malformed", count=50, endpoint="track_page"),
        Fault(kind="short_page", count=50, endpoint="track_page"),
    ],
    ids=["5xx storm", "malformed page", "short page"],
)
async def test_target_faults_end_in_failed_with_a_reason(
    database_url: str, tmp_path: Path, fault: Fault
) -> None:
    async with stack(database_url, tmp_path) as s:
        s.jellyfin.knobs.faults.append(fault)
        await configure(
            s,
            JELLYFIN_URL=s.jellyfin.url,
            JELLYFIN_TOKEN=s.jellyfin.token,
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
            JELLYFIN_CLIENT_ENABLED="true",
        )
        failed = await settle(s.cache, pb.CACHE_STATE_FAILED, target=tpb.TARGET_JELLYFIN, limit=90)
        assert failed.last_error
        assert failed.generation == 0
        reply = await s.cache.MatchTracks(
            pb.MatchTracksRequest(
                target=tpb.TARGET_JELLYFIN, tracks=[pb.TrackQuery(ref="x", title="Halo")]
            ),
            timeout=TIMEOUT,
        )
        assert list(reply.results) == [], "nothing half-built is served"


async def test_incremental_refresh_picks_up_changes_and_deletions(
    database_url: str, tmp_path: Path
) -> None:
    catalog = generate(seed=4, tracks=3000, music_libraries=2, audiobooks=0)
    async with stack(database_url, tmp_path, catalog) as s:
        await enable_both(s)
        await settle(s.cache, pb.CACHE_STATE_READY, limit=60)
        keys = sorted(s.plex.plex.state.index)[:3]
        artist = s.plex.plex.state.index[keys[0]][1].artists[0]
        s.plex.plex.mutate({"touch": [keys[0]], "title": "Brand New Title"})
        s.plex.plex.mutate({"delete": keys[1:]})
        await s.cache.BuildCache(
            pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_INCREMENTAL),
            timeout=TIMEOUT,
        )
        ready = await settle(s.cache, pb.CACHE_STATE_READY, generation=2, limit=60)
        assert ready.track_count == 3000 - 2
        reply = await s.cache.MatchTracks(
            pb.MatchTracksRequest(
                target=tpb.TARGET_PLEX,
                tracks=[pb.TrackQuery(ref="n", title="Brand New Title", artists=[artist])],
            ),
            timeout=TIMEOUT,
        )
        assert reply.results[0].match.item_id == keys[0]


async def test_bad_url_is_a_clear_failure(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await configure(s, PLEX_CLIENT_ENABLED="true")
        failed = await settle(s.cache, pb.CACHE_STATE_FAILED, limit=30)
        assert "PLEX_URL is not set" in failed.last_error
        await asyncio.sleep(0)


async def test_incremental_refresh_costs_far_fewer_requests(
    database_url: str, tmp_path: Path
) -> None:
    catalog = generate(seed=4, tracks=6000, music_libraries=2, audiobooks=0)
    async with stack(database_url, tmp_path, catalog) as s:
        await enable_both(s)
        await settle(s.cache, pb.CACHE_STATE_READY, limit=60)
        full = sum(s.plex.knobs.reset_counts().values())
        await s.cache.BuildCache(
            pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_INCREMENTAL),
            timeout=TIMEOUT,
        )
        ready = await settle(s.cache, pb.CACHE_STATE_READY, generation=2, limit=60)
        incremental = sum(s.plex.knobs.counts.values())
        assert ready.track_count == 6000
        # The server's identity (its version is checked), the library listing, an updatedAt
        # and an addedAt delta per library, and a one-track count per library, whatever the
        # library size: the counts show no track gone, so no library is swept.
        assert incremental == 1 + 1 + 2 * 2 + 2 * 1, (incremental, full)
        steps = {c.step: c for c in ready.last_build_costs}
        assert [c.step for c in ready.last_build_costs] == ["libraries", "delta", "count"]
        assert (steps["delta"].requests, steps["count"].requests) == (4, 2)
        assert all(c.bytes > 0 for c in ready.last_build_costs)
        # A track deleted: its library's count falls short, and that library alone is
        # swept, in one page (its 3,000 ids fit one).
        s.plex.plex.mutate({"delete": [sorted(s.plex.plex.state.index)[0]]})
        s.plex.knobs.reset_counts()
        await s.cache.BuildCache(
            pb.BuildCacheRequest(target=tpb.TARGET_PLEX, mode=pb.BUILD_MODE_INCREMENTAL),
            timeout=TIMEOUT,
        )
        ready = await settle(s.cache, pb.CACHE_STATE_READY, generation=3, limit=60)
        assert ready.track_count == 6000 - 1
        steps = {c.step: c for c in ready.last_build_costs}
        assert list(steps) == ["libraries", "delta", "count", "sweep"]
        assert steps["sweep"].requests == 1


async def test_a_server_too_slow_to_answer_ends_in_failed(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        s.jellyfin.knobs.faults.append(
            Fault(kind="slow", seconds=3.0, count=50, endpoint="track_page")
        )
        await configure(
            s,
            JELLYFIN_URL=s.jellyfin.url,
            JELLYFIN_TOKEN=s.jellyfin.token,
            TARGET_TIMEOUT_SECONDS="0.3",
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
            JELLYFIN_CLIENT_ENABLED="true",
        )
        failed = await settle(s.cache, pb.CACHE_STATE_FAILED, target=tpb.TARGET_JELLYFIN, limit=90)
        assert "tim" in failed.last_error.lower(), failed.last_error
        assert failed.generation == 0


async def test_artist_mbids_from_jellyfin_match_a_stage_name_across_a_refresh(
    database_url: str, tmp_path: Path
) -> None:
    catalog = generate(seed=5, tracks=800, music_libraries=1, audiobooks=0, extra=True)
    stronger = pb.TrackQuery(
        ref="ye", title="Stronger", artists=["Ye"], artist_mbids=[artist_mbid("Ye").upper()]
    )
    nameless = pb.TrackQuery(ref="name only", title="Stronger", artists=["Ye"])
    async with stack(database_url, tmp_path, catalog) as s:
        await configure(
            s,
            JELLYFIN_URL=s.jellyfin.url,
            JELLYFIN_TOKEN=s.jellyfin.token,
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
            JELLYFIN_CLIENT_ENABLED="true",
        )
        await settle(s.cache, pb.CACHE_STATE_READY, target=tpb.TARGET_JELLYFIN, limit=60)
        for generation in (1, 2):
            if generation == 2:  # the refreshed generation is built on the stored one
                await s.cache.BuildCache(
                    pb.BuildCacheRequest(
                        target=tpb.TARGET_JELLYFIN, mode=pb.BUILD_MODE_INCREMENTAL
                    ),
                    timeout=TIMEOUT,
                )
                await settle(
                    s.cache,
                    pb.CACHE_STATE_READY,
                    target=tpb.TARGET_JELLYFIN,
                    generation=2,
                    limit=60,
                )
            reply = await s.cache.MatchTracks(
                pb.MatchTracksRequest(target=tpb.TARGET_JELLYFIN, tracks=[stronger, nameless]),
                timeout=TIMEOUT,
            )
            by_id, by_name = reply.results
            assert reply.generation == generation
            assert by_id.method == pb.MATCH_METHOD_FUZZY
            assert by_id.match.title == "Stronger"
            assert by_name.method == pb.MATCH_METHOD_NONE
