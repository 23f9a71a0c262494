"""The whole stack in-process on loopback: emulated Plex and Jellyfin, config_svc,
cache_svc and sync_svc (and the gateway on request) with real HTTP and gRPC between them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from cache_svc.app import start as start_cache
from common.auth.keys import KeyRing
from common.env import ServiceEnv
from common.errors import FailedPrecondition
from common.runtime.telemetry import Telemetry
from common.wire.channels import open_channel
from emulators.library import Catalog, generate
from emulators.server import Emulator, running_jellyfin, running_plex
from gateway.app import GatewayApp
from gateway.app import start as start_gateway
from sync_svc.app import start as start_sync
from sync_svc.loader import load_source
from tests.support.config_service import running_config
from tests.support.ports import free_port
from tests.support.rpc import STOP_GRACE, TIMEOUT

# 520 music tracks a library: a build lists each in two pages of 500 (ClientSettings), and
# the longest playlist a test draws is 500 tracks of MUSIC.
CATALOG = generate(seed=3, tracks=1040, music_libraries=2, audiobooks=20)
MUSIC = [t for s in CATALOG.sections if s.kind == "music" for t in s.tracks]
PLEX, JELLYFIN = tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN


def playlist(count: int, absent: int = 0) -> list[pb.InlineTrack]:
    """``count`` tracks of the catalog's music, the last ``absent`` of them not in it."""
    chosen = MUSIC[: count - absent]
    tracks = [
        pb.InlineTrack(
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            duration_ms=t.duration_ms,
        )
        for t in chosen
    ]
    tracks += [
        pb.InlineTrack(title=f"Nowhere Song {i}", artists=["Zed Quillfeather"])
        for i in range(absent)
    ]
    return tracks


async def no_sources(_kind: object, _ref: str, _values: dict[str, str]) -> tuple[str, list[object]]:
    """A playlist loader for tests whose commands must never read a source."""
    raise FailedPrecondition("no sources in this test")


@dataclass
class Stack:
    plex: Emulator
    jellyfin: Emulator
    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub
    sync: sync_pb2_grpc.SyncServiceAsyncStub
    addresses: dict[str, str]


def env(service: str, tmp_path: Path, url: str, address: str = "127.0.0.1:0") -> ServiceEnv:
    return ServiceEnv(service, address, tmp_path, url, None, 0.3, "INFO")


@asynccontextmanager
async def stack(
    database_url: str,
    tmp_path: Path,
    *,
    cache_up: bool = True,
    telemetry: Callable[[str], Telemetry] = lambda _service: Telemetry(),
    plex_catalog: Catalog = CATALOG,
    jellyfin_catalog: Catalog = CATALOG,
) -> AsyncIterator[Stack]:
    """The stack; with ``cache_up`` false, sync_svc is pointed at a port nobody listens on.
    ``telemetry`` gives each service (``config``, ``cache``, ``sync``) its telemetry; cache
    builds run in this process, so their spans reach it too."""
    cache_address = f"127.0.0.1:{free_port()}"
    async with (
        running_plex(catalog=plex_catalog) as plex,
        running_jellyfin(catalog=jellyfin_catalog) as jellyfin,
        running_config(database_url, tmp_path, telemetry=telemetry("config")) as config_app,
    ):
        config_address = f"127.0.0.1:{config_app.server.port}"
        cache_app = await start_cache(
            env(
                "cache",
                tmp_path,
                f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}",
                cache_address if cache_up else "127.0.0.1:0",
            ),
            config_address=config_address,
            progress_interval_ms=200,
            telemetry=telemetry("cache"),
            in_process_builds=True,
        )
        sync_app = await start_sync(
            env("sync", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}"),
            config_address=config_address,
            cache_address=cache_address,
            load_playlist=load_source,
            telemetry=telemetry("sync"),
        )
        try:
            sync_address = f"127.0.0.1:{sync_app.server.port}"
            yield Stack(
                plex,
                jellyfin,
                config_pb2_grpc.ConfigServiceStub(open_channel(config_address)),
                cache_pb2_grpc.CacheServiceStub(open_channel(f"127.0.0.1:{cache_app.server.port}")),
                sync_pb2_grpc.SyncServiceStub(open_channel(sync_address)),
                {"config": config_address, "cache": cache_address, "sync": sync_address},
            )
        finally:
            await sync_app.stop(STOP_GRACE)
            await cache_app.stop(STOP_GRACE)


@asynccontextmanager
async def with_gateway(
    s: Stack, tmp_path: Path, api_key: str | None = None, keys: KeyRing | None = None
) -> AsyncIterator[GatewayApp]:
    """A gateway in front of the stack ``s``, its HTTP side on an ephemeral port too; with
    ``keys``, it requires the key in force there (the stack behind it does not)."""
    app = await start_gateway(
        ServiceEnv("gateway", "127.0.0.1:0", tmp_path, "", api_key, 0.2, "INFO", keys=keys),
        http_address="127.0.0.1:0",
        config_address=s.addresses["config"],
        cache_address=s.addresses["cache"],
        sync_address=s.addresses["sync"],
    )
    try:
        yield app
    finally:
        await app.stop(STOP_GRACE)


async def configure(s: Stack, **values: str) -> None:
    changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    await s.config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT)


async def enable_targets(s: Stack, **extra: str) -> None:
    """Points config at both emulators and enables both targets (caches follow)."""
    await configure(
        s,
        PLEX_URL=s.plex.url,
        PLEX_TOKEN=s.plex.token,
        JELLYFIN_URL=s.jellyfin.url,
        JELLYFIN_TOKEN=s.jellyfin.token,
        TARGET_MAX_REQUESTS_PER_SECOND="1000",
        **extra,
        PLEX_CLIENT_ENABLED="true",
        JELLYFIN_CLIENT_ENABLED="true",
    )
