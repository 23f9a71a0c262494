"""Fakes of the remote sources on an ephemeral loopback port, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.source_fakes import State, running_fakes


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[State, httpx.AsyncClient]]:
    async with running_fakes() as running:
        yield running
