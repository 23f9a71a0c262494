"""Serving the emulators with uvicorn on 127.0.0.1: in-process for tests and benchmarks
(an async context manager on an ephemeral port), or for the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from common.runtime.tcp import listening_socket
from emulators.household import (
    HouseholdSpec,
    default_household,
    jellyfin_catalogs,
    plex_catalogs,
    section_numbers,
)
from emulators.jellyfin import JellyfinApp, build_jellyfin
from emulators.jellyfin_users import JUser
from emulators.knobs import LIDARR_CLASSES, PLEX_TV_CLASSES, Knobs
from emulators.library import Catalog, generate
from emulators.lidarr import (
    DEFAULT_LIDARR_API_KEY,
    LidarrApp,
    LidarrState,
    build_lidarr,
    demo_state,
)
from emulators.plex import OWNER_ACCOUNT_ID, PlexApp, Viewer, build_plex
from emulators.plex_tv import Account, PlexTvApp, PlexTvState, Server, build_plex_tv

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

    @property
    def plex_tv(self) -> PlexTvApp:
        assert isinstance(self.app, PlexTvApp)
        return self.app

    @property
    def lidarr(self) -> LidarrApp:
        assert isinstance(self.app, LidarrApp)
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
    name: str = "cmdarr-emulated-plex",
    machine_id: str = "",
) -> AsyncIterator[Emulator]:
    knobs = knobs or Knobs()
    closing = asyncio.Event()
    built = _catalog(catalog, seed, tracks, music_libraries)
    app, state = build_plex(built, knobs, token, closing, name=name, machine_id=machine_id)
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
    name: str = "cmdarr-emulated-jellyfin",
) -> AsyncIterator[Emulator]:
    knobs = knobs or Knobs()
    closing = asyncio.Event()
    built = _catalog(catalog, seed, tracks, music_libraries)
    app, state = build_jellyfin(built, knobs, token, closing, api_key, name=name)
    async with serve(app, closing, port) as bound:
        yield Emulator("jellyfin", f"http://{HOST}:{bound}", token, knobs, state, api_key)


@asynccontextmanager
async def running_plex_tv(
    state: PlexTvState, *, knobs: Knobs | None = None, port: int = 0
) -> AsyncIterator[Emulator]:
    """The emulated plex.tv over ``state``; its URL is what PLEX_TV_URL would name."""
    knobs = knobs or Knobs(classes=PLEX_TV_CLASSES)
    closing = asyncio.Event()
    app, served = build_plex_tv(state, knobs, closing)
    async with serve(app, closing, port) as bound:
        yield Emulator("plex.tv", f"http://{HOST}:{bound}", state.owner.token, knobs, served)


@asynccontextmanager
async def running_lidarr(
    state: LidarrState | None = None,
    *,
    api_key: str = DEFAULT_LIDARR_API_KEY,
    knobs: Knobs | None = None,
    port: int = 0,
) -> AsyncIterator[Emulator]:
    """The emulated Lidarr over ``state`` (``demo_state(api_key)`` when None); its
    ``token`` is the API key LIDARR_API_KEY would hold."""
    state = state or demo_state(api_key)
    knobs = knobs or Knobs(classes=LIDARR_CLASSES)
    closing = asyncio.Event()
    app, served = build_lidarr(state, knobs, closing)
    async with serve(app, closing, port) as bound:
        yield Emulator("lidarr", f"http://{HOST}:{bound}", state.api_key, knobs, served)


@dataclass
class Household:
    """Running servers by name, and the emulated plex.tv that knows the Plex ones."""

    spec: HouseholdSpec
    plex: dict[str, Emulator] = field(default_factory=dict)
    jellyfin: dict[str, Emulator] = field(default_factory=dict)
    plex_tv: Emulator | None = None
    lidarr: Emulator | None = None

    @property
    def tv(self) -> Emulator:
        assert self.plex_tv is not None
        return self.plex_tv

    def plex_token(self, server: str, title: str) -> str:
        """``title``'s own token for Plex ``server`` (as plex.tv hands it out)."""
        state = self.tv.plex_tv.state
        account = next(a for a in state.accounts.values() if a.title == title)
        machine = self.plex[server].plex.state.machine_id
        share = next(s for s in state.shares_of(account.account_id) if s.machine_id == machine)
        return share.access_token

    def jellyfin_user(self, server: str, name: str) -> JUser:
        found = self.jellyfin[server].jellyfin.state.user_named(name)
        assert found is not None, name
        return found

    def servers(self) -> list[tuple[str, str, str]]:
        """(kind, name, url) of every server, plex.tv last."""
        rows = [("plex", n, e.url) for n, e in self.plex.items()]
        rows += [("jellyfin", n, e.url) for n, e in self.jellyfin.items()]
        rows += [("lidarr", "lidarr", self.lidarr.url)] if self.lidarr else []
        return rows + ([("plex.tv", "plex.tv", self.plex_tv.url)] if self.plex_tv else [])


def jellyfin_token(server: str, name: str) -> str:
    """The session token a household's Jellyfin user starts with (they may log in too)."""
    return hashlib.sha1(f"jellyfin-{server}-{name}".encode()).hexdigest()[:32]


@asynccontextmanager
async def running_household(
    spec: HouseholdSpec | None = None,
    *,
    knobs: Callable[[str], Knobs] | None = None,
    plex_tv_knobs: Knobs | None = None,
    ports: Mapping[str, int] | None = None,
    plex_token: str = DEFAULT_PLEX_TOKEN,
    jellyfin_admin_token: str = DEFAULT_JELLYFIN_TOKEN,
    api_key: str = DEFAULT_JELLYFIN_API_KEY,
    lidarr: bool = False,
) -> AsyncIterator[Household]:
    """Every server of ``spec`` (``default_household()`` when None) on its own port (from
    ``ports`` by server name, "plex.tv" for plex.tv; 0 = any), then the emulated plex.tv
    that knows the Plex ones. One owner: ``plex_token`` is every Plex server's admin token
    and the owner's plex.tv token. ``knobs`` gives each server (by name) its levers. With
    ``lidarr``, the household's Lidarr too (``demo_state``; port ``ports["lidarr"]``)."""
    spec = spec or default_household()
    ports = ports or {}
    make = knobs or (lambda _name: Knobs())
    household = Household(spec)
    async with contextlib.AsyncExitStack() as stack:
        catalogs = plex_catalogs(spec)
        for plex_spec in spec.plex:
            household.plex[plex_spec.name] = await stack.enter_async_context(
                running_plex(
                    catalog=catalogs[plex_spec.name],
                    token=plex_token,
                    knobs=make(plex_spec.name),
                    port=ports.get(plex_spec.name, 0),
                    name=plex_spec.name,
                    machine_id=plex_spec.machine_id,
                )
            )
        for jf_spec, catalog in zip(spec.jellyfin, jellyfin_catalogs(spec).values(), strict=True):
            emulator = await stack.enter_async_context(
                running_jellyfin(
                    catalog=catalog,
                    token=jellyfin_admin_token,
                    api_key=api_key,
                    knobs=make(jf_spec.name),
                    port=ports.get(jf_spec.name, 0),
                    name=jf_spec.name,
                )
            )
            household.jellyfin[jf_spec.name] = emulator
        _add_jellyfin_people(household)
        if spec.plex:
            state = _plex_directory(household, plex_token)
            household.plex_tv = await stack.enter_async_context(
                running_plex_tv(state, knobs=plex_tv_knobs, port=ports.get("plex.tv", 0))
            )
        if lidarr:
            household.lidarr = await stack.enter_async_context(
                running_lidarr(port=ports.get("lidarr", 0))
            )
        yield household


def _add_jellyfin_people(household: Household) -> None:
    for person in household.spec.jellyfin_people:
        for server, libraries in person.servers:
            household.jellyfin[server].jellyfin.state.add_user(
                person.name,
                person.password,
                admin=person.admin,
                libraries=libraries,
                token=jellyfin_token(server, person.name),
            )


def _plex_directory(household: Household, owner_token: str) -> PlexTvState:
    """plex.tv's view of the household, and each share granted on its server."""
    spec = household.spec
    owner = Account(int(OWNER_ACCOUNT_ID), spec.owner_title, spec.owner_title, token=owner_token)
    state = PlexTvState(owner)
    for name, emulator in household.plex.items():
        plex = emulator.plex.state
        plex.owner = replace(plex.owner, name=spec.owner_title)
        plex.grant(owner_token, plex.owner)
        sections = tuple((s.number, s.title, "artist") for s in plex.catalog.sections)
        state.servers[plex.machine_id] = Server(name, plex.machine_id, emulator.url, sections)
    for person in spec.plex_people:
        account = state.add_account(
            Account(
                person.account_id,
                person.title,
                username=person.username,
                email=f"{person.username}@example.invalid" if person.username else "",
                home=person.home,
                pin=person.pin,
                restricted=person.restricted,
            )
        )
        for server, libraries in person.servers:
            plex = household.plex[server].plex.state
            numbers = section_numbers(plex.catalog, libraries)
            share = state.share(account.account_id, plex.machine_id, numbers)
            plex.grant(share.access_token, Viewer(str(account.account_id), person.title, numbers))
    return state
