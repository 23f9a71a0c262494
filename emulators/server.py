"""Serving the emulators with uvicorn on 127.0.0.1: in-process for tests and benchmarks
(an async context manager on an ephemeral port), or for the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from common.runtime.tcp import listening_socket
from emulators.jellyfin import JellyfinApp, build_jellyfin
from emulators.knobs import Knobs
from emulators.library import Catalog, generate
from emulators.plex import PlexApp, build_plex

HOST = "127.0.0.1"
DEFAULT_PLEX_TOKEN = "emulated-plex-token"
DEFAULT_JELLYFIN_TOKEN = "emulated-jellyfin-token"
# A Jellyfin API key: authenticates as no user (playlist routes that need one answer 400).
DEFAULT_JELLYFIN_API_KEY = "emulated-jellyfin-api-key"
START_TIMEOUT = 10.0


@dataclass
class Emulator:
    """A running emulator: where it listens, its token and the levers to pull."""

    kind: str
    url: str
    token: str
    knobs: Knobs
    app: Any  # PlexApp or JellyfinApp: state for assertions
    api_key: str = ""  # Jellyfin: a token that carries no user

    @property
    def plex(self) -> PlexApp:
        assert isinstance(self.app, PlexApp)
        return self.app

    @property
    def jellyfin(self) -> JellyfinApp:
        assert isinstance(self.app, JellyfinApp)
        return self.app


@asynccontextmanager
async def serve(app: ASGIApp, closing: asyncio.Event, port: int = 0) -> AsyncIterator[int]:
    """Run ``app`` on 127.0.0.1:``port`` (0 = any free port) until the block ends."""
    sock = listening_socket(HOST, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the emulator stopped while starting")
            if loop.time() > deadline:
                raise RuntimeError("the emulator did not start in time")
            await asyncio.sleep(0.01)
        yield bound
    finally:
        closing.set()
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=START_TIMEOUT)
        finally:
            sock.close()


def _catalog(catalog: Catalog | None, seed: int, tracks: int, music_libraries: int) -> Catalog:
    return catalog or generate(seed=seed, tracks=tracks, music_libraries=music_libraries)


@asynccontextmanager
async def running_plex(
    *,
    tracks: int = 500,
    seed: int = 1,
    music_libraries: int = 2,
    token: str = DEFAULT_PLEX_TOKEN,
    knobs: Knobs | None = None,
    catalog: Catalog | None = None,
    port: int = 0,
) -> AsyncIterator[Emulator]:
    knobs = knobs or Knobs()
    closing = asyncio.Event()
    app, state = build_plex(_catalog(catalog, seed, tracks, music_libraries), knobs, token, closing)
    async with serve(app, closing, port) as bound:
        yield Emulator("plex", f"http://{HOST}:{bound}", token, knobs, state)


@asynccontextmanager
async def running_jellyfin(
    *,
    tracks: int = 500,
    seed: int = 1,
    music_libraries: int = 2,
    token: str = DEFAULT_JELLYFIN_TOKEN,
    api_key: str = DEFAULT_JELLYFIN_API_KEY,
    knobs: Knobs | None = None,
    catalog: Catalog | None = None,
    port: int = 0,
) -> AsyncIterator[Emulator]:
    knobs = knobs or Knobs()
    closing = asyncio.Event()
    built = _catalog(catalog, seed, tracks, music_libraries)
    app, state = build_jellyfin(built, knobs, token, closing, api_key)
    async with serve(app, closing, port) as bound:
        yield Emulator("jellyfin", f"http://{HOST}:{bound}", token, knobs, state, api_key)
