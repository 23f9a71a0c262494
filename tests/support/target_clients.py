"""Helpers for target tests: emulators on loopback, clients on them, and a sleep that
records the waits chosen instead of measuring time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from common.targets import ClientSettings, JellyfinClient, PlexClient, RetryPolicy
from emulators.knobs import Fault, Knobs
from emulators.library import Catalog, generate
from emulators.server import Emulator, running_jellyfin, running_plex
from tests.support.emulator_http import client_tls

KINDS = ["plex-xml", "plex-json", "jellyfin"]


@dataclass
class RecordingSleep:
    """Stands in for asyncio.sleep: remembers each wait, yields to the loop, waits 0."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def fast_settings(**overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "requests_per_second": 0,
        "concurrency": 4,
        "timeout_seconds": 5.0,
        "page_size": 100,
        "retry": RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.05),
    }
    values.update(overrides)
    return ClientSettings(**values)


@dataclass
class Target:
    kind: str
    emulator: Emulator
    client: PlexClient | JellyfinClient
    http: httpx.AsyncClient
    sleep: RecordingSleep

    def add_fault(self, **spec: Any) -> None:
        self.emulator.knobs.faults.append(Fault.from_json(spec))

    def server_counts(self) -> dict[str, int]:
        return dict(self.emulator.knobs.counts)

    def reset_counts(self) -> None:
        self.emulator.knobs.reset_counts()
        self.client.counter.reset()


@asynccontextmanager
async def emulator_for(
    kind: str, catalog: Catalog | None = None, knobs: Knobs | None = None, tracks: int = 600
) -> AsyncIterator[Emulator]:
    catalog = catalog or generate(seed=1, tracks=tracks, music_libraries=2, audiobooks=40)
    runner = running_jellyfin if kind == "jellyfin" else running_plex
    async with runner(catalog=catalog, knobs=knobs or Knobs()) as emulator:
        yield emulator


def client_for(
    kind: str,
    emulator: Emulator,
    http: httpx.AsyncClient,
    settings: ClientSettings,
    sleep: RecordingSleep,
    token: str | None = None,
) -> PlexClient | JellyfinClient:
    token = emulator.token if token is None else token
    if kind == "jellyfin":
        return JellyfinClient(http, token=token, settings=settings, sleep=sleep)
    return PlexClient(
        http, token=token, settings=settings, use_json=kind == "plex-json", sleep=sleep
    )


@asynccontextmanager
async def target(
    kind: str,
    *,
    tracks: int = 600,
    settings: ClientSettings | None = None,
    token: str | None = None,
    knobs: Knobs | None = None,
) -> AsyncIterator[Target]:
    async with (
        emulator_for(kind, knobs=knobs, tracks=tracks) as emulator,
        httpx.AsyncClient(base_url=emulator.url, verify=client_tls()) as http,
    ):
        sleep = RecordingSleep()
        client = client_for(kind, emulator, http, settings or fast_settings(), sleep, token)
        yield Target(kind, emulator, client, http, sleep)
