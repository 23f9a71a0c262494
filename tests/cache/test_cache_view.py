"""The shared view loads a generation another replica activated, but not while this
replica builds that cache: the build serves what it activates itself, and reading it back
from the database meanwhile would hold a second copy of the index and its image."""

from __future__ import annotations

import asyncio
from typing import cast

from cache_svc.leases import LeaseRow, LeaseStore
from cache_svc.runtime import Runtimes, ServerRuntime
from cache_svc.serving import Serving
from cache_svc.store import CacheRow, CacheStore
from cache_svc.view import SharedView
from common.config.registry import Registry


class _Store:
    def __init__(self, rows: dict[str, CacheRow]) -> None:
        self.rows = rows

    async def caches(self) -> dict[str, CacheRow]:
        return self.rows


class _Leases:
    async def all(self) -> dict[str, LeaseRow]:
        return {}


class _Serving:
    def __init__(self) -> None:
        self.loaded: list[tuple[str, int]] = []

    async def load(self, runtime: ServerRuntime, row: CacheRow) -> bool:
        self.loaded.append((runtime.server, row.generation))
        runtime.generation = row.generation
        return True


async def test_a_generation_is_not_read_back_while_this_replica_builds_it() -> None:
    runtimes = Runtimes(Registry(), replica_id="here")
    name = runtimes.names()[0]
    row = CacheRow(name, 2, 0, 10, (), 0, "", "", "")
    serving = _Serving()
    view = SharedView(
        runtimes,
        cast(CacheStore, _Store({name: row})),
        cast(LeaseStore, _Leases()),
        cast(Serving, serving),
    )
    building = asyncio.Event()

    async def build() -> None:
        await building.wait()

    task = runtimes[name].build = asyncio.create_task(build())

    await view.refresh()
    assert serving.loaded == [], "a local build's generation is served by the build"

    building.set()
    await task
    await view.refresh()
    assert serving.loaded == [(name, 2)], "once no build runs here, a newer one is loaded"
