"""Enabling Plex on a server older than the client needs: the build that follows at once
fails, and the cache status says which version runs and which one is needed."""

from __future__ import annotations

from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.app import start as start_cache
from common.wire.channels import open_channel
from emulators.knobs import Knobs
from emulators.library import generate
from emulators.server import running_plex
from tests.support.cache_service import cache_env, settle
from tests.support.config_service import running_config
from tests.support.rpc import STOP_GRACE, TIMEOUT


async def test_enabling_plex_on_a_too_old_server_fails_the_build_with_both_versions(
    database_url: str, tmp_path: Path
) -> None:
    catalog = generate(seed=3, tracks=300, music_libraries=1, audiobooks=0)
    knobs = Knobs(plex_version="1.20.0.3133-fede5bdc7")
    async with (
        running_plex(catalog=catalog, knobs=knobs) as plex,
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
            config = config_pb2_grpc.ConfigServiceStub(config_channel)
            cache = cache_pb2_grpc.CacheServiceStub(cache_channel)
            values = {
                "PLEX_URL": plex.url,
                "PLEX_TOKEN": plex.token,
                "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                "PLEX_CLIENT_ENABLED": "true",
            }
            changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
            await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT)
            failed = await settle(cache, pb.CACHE_STATE_FAILED, limit=60)
            assert "TargetUnsupportedVersion" in failed.last_error
            assert "1.20.0.3133-fede5bdc7 is too old" in failed.last_error
            assert "1.24.3.5033 or later" in failed.last_error
            # Refused at the first round trip: the sections, asked beside the version, at
            # most, and no track listed.
            assert plex.knobs.counts["library_listing"] <= 1
            assert plex.knobs.counts["track_page"] == 0
        finally:
            await cache_channel.close(None)
            await cache_app.stop(STOP_GRACE)
            await config_channel.close(None)
