"""Every client test runs against Plex (XML and JSON) and Jellyfin emulators on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.target_clients import KINDS, Target, target


@pytest.fixture(params=KINDS)
async def tgt(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    async with target(request.param) as value:
        yield value
