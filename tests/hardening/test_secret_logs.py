"""cache_svc and sync_svc mask in their logs the target tokens config_svc reveals to them,
and every service the API key it is started with."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from cache_svc.app import start as start_cache
from common.env import ServiceEnv
from common.runtime.logs import MASK, JsonFormatter, Redactor, configure_logging
from common.wire.channels import open_channel
from emulators.library import generate
from emulators.server import running_plex
from sync_svc.app import start as start_sync
from sync_svc.loader import load_source
from tests.support.cache_service import settle
from tests.support.config_service import running_config
from tests.support.rpc import STOP_GRACE, TIMEOUT

# No credential keyword next to it: only a redactor that was told the value can mask it.
PLEX_SECRET = "Plex-s3cret-5f2a9c"
CATALOG = generate(seed=5, tracks=60, music_libraries=1, audiobooks=0)


def env(service: str, tmp_path: Path) -> ServiceEnv:
    url = f"sqlite+aiosqlite:///{tmp_path / (service + '.db')}"
    return ServiceEnv(service, "127.0.0.1:0", tmp_path, url, None, 0.3, "INFO")


@contextmanager
def service_log(logger: str, redactor: Redactor) -> Iterator[io.StringIO]:
    """What ``logger`` writes, formatted as the service's stderr handler formats it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter(logger, redactor))
    log = logging.getLogger(logger)
    log.addHandler(handler)
    try:
        yield out
    finally:
        log.removeHandler(handler)


def careless_line(logger: str) -> None:
    """A log line that carries the token, as an exception message or a debug line might."""
    logging.getLogger(logger).warning("target answered for credential %s", PLEX_SECRET)
    try:
        raise RuntimeError(f"request with {PLEX_SECRET} failed")
    except RuntimeError:
        logging.getLogger(logger).exception("target call failed")


async def test_cache_and_sync_logs_mask_the_token_config_reveals(
    database_url: str, tmp_path: Path
) -> None:
    cache_redactor, sync_redactor = Redactor(), Redactor()
    async with (
        running_plex(catalog=CATALOG, token=PLEX_SECRET) as plex,
        running_config(database_url, tmp_path) as config_app,
    ):
        config_address = f"127.0.0.1:{config_app.server.port}"
        cache_app = await start_cache(
            env("cache", tmp_path),
            config_address=config_address,
            progress_interval_ms=200,
            redactor=cache_redactor,
        )
        sync_app = await start_sync(
            env("sync", tmp_path),
            config_address=config_address,
            cache_address=f"127.0.0.1:{cache_app.server.port}",
            load_playlist=load_source,
            redactor=sync_redactor,
        )
        channels = [
            open_channel(config_address),
            open_channel(f"127.0.0.1:{cache_app.server.port}"),
            open_channel(f"127.0.0.1:{sync_app.server.port}"),
        ]
        config = config_pb2_grpc.ConfigServiceStub(channels[0])
        cache = cache_pb2_grpc.CacheServiceStub(channels[1])
        sync = sync_pb2_grpc.SyncServiceStub(channels[2])
        try:
            with (
                service_log("cache_svc", cache_redactor) as cache_log,
                service_log("sync_svc", sync_redactor) as sync_log,
            ):
                changes = {
                    "PLEX_URL": plex.url,
                    "PLEX_TOKEN": PLEX_SECRET,
                    "PLEX_CLIENT_ENABLED": "true",
                }
                await config.UpdateSettings(
                    cpb.UpdateSettingsRequest(
                        changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
                    ),
                    timeout=TIMEOUT,
                )
                await settle(cache, cache_pb.CACHE_STATE_READY, limit=60)
                careless_line("cache_svc.manager")

                track = CATALOG.sections[0].tracks[0]
                spec = pb.SyncSpec(
                    playlist_title="Masked",
                    targets=[tpb.TARGET_PLEX],
                    tracks=[pb.InlineTrack(title=track.title, artists=[track.album_artist])],
                )
                run_id = (
                    await sync.RunSync(pb.RunSyncRequest(spec=spec, dry_run=True), timeout=TIMEOUT)
                ).run_id
                states = [
                    m.progress.state
                    async for m in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=60)
                ]
                assert states[-1] == pb.SYNC_STATE_SUCCEEDED
                careless_line("sync_svc.runner")
        finally:
            for channel in channels:
                await channel.close(None)
            await sync_app.stop(STOP_GRACE)
            await cache_app.stop(STOP_GRACE)

    for written in (cache_log.getvalue(), sync_log.getvalue()):
        assert PLEX_SECRET not in written
        assert "target answered for credential" in written
        assert MASK in written
    unaware = JsonFormatter("svc", Redactor())
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "for %s", (PLEX_SECRET,), None)
    assert PLEX_SECRET in unaware.format(record), "the line leaks without the wiring"


def test_the_api_key_from_the_environment_is_masked_from_the_start() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        redactor = configure_logging("svc", "INFO", secrets=["key-9d41e7b2", None])
        assert redactor.redact("refused key-9d41e7b2") == f"refused {MASK}"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_at_debug_the_libraries_do_not_log_statements_or_urls() -> None:
    """aiosqlite logs each statement with its parameters at DEBUG (a stored token among
    them), httpx each URL at INFO: a service at LOG_LEVEL=DEBUG logs neither."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in ("aiosqlite", "httpx")}
    try:
        configure_logging("svc", "DEBUG")
        assert logging.getLogger("cache_svc").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in libraries.items():
            logging.getLogger(name).setLevel(was)
