"""Emulators on ephemeral loopback ports, one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from emulators.library import generate
from emulators.server import Emulator, running_jellyfin, running_plex
from tests.support.emulator_http import JF_AUTH, client_tls


@pytest.fixture
async def plex() -> AsyncIterator[Emulator]:
    async with running_plex(catalog=generate(seed=1, tracks=600)) as emulator:
        yield emulator


@pytest.fixture
async def jellyfin() -> AsyncIterator[Emulator]:
    async with running_jellyfin(catalog=generate(seed=1, tracks=600)) as emulator:
        yield emulator


@pytest.fixture
async def plex_http(plex: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Plex-Token": plex.token}
    async with httpx.AsyncClient(base_url=plex.url, headers=headers, verify=client_tls()) as http:
        yield http


@pytest.fixture
async def jf_http(jellyfin: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": JF_AUTH.format(jellyfin.token)}
    async with httpx.AsyncClient(
        base_url=jellyfin.url, headers=headers, verify=client_tls()
    ) as http:
        yield http
