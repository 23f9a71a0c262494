"""An in-memory library source with the shape of a target client, for lifecycle tests of
cache_svc that need exact control of timing and failures (HTTP is covered elsewhere)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.matching import LibraryTrack


@dataclass(frozen=True)
class Lib:
    title: str


@dataclass(frozen=True)
class Choice:
    chosen: tuple[Lib, ...]

    def describe(self) -> str:
        return "chosen: " + ", ".join(lib.title for lib in self.chosen)


@dataclass(frozen=True)
class Changes:
    changed: tuple[LibraryTrack, ...]
    deleted_ids: frozenset[str]


@dataclass
class FakeLibrary:
    """The server side: tracks by library, a failure to raise, a gate to hold builds."""

    tracks: dict[str, list[LibraryTrack]] = field(default_factory=dict)
    fail_with: Exception | None = None
    gate: asyncio.Event | None = None
    listings: int = 0
    delta_calls: int = 0
    requests: int = 0

    def source(self) -> FakeSource:
        return FakeSource(self)


def make_tracks(library: str, count: int, prefix: str = "t") -> list[LibraryTrack]:
    return [
        LibraryTrack(
            f"{prefix}{i}",
            library,
            f"Song {prefix}{i}",
            (f"Artist {i % 50}",),
            f"Artist {i % 50}",
            f"Album {i % 20}",
            200_000 + i,
            updated_at=100,
        )
        for i in range(count)
    ]


class FakeSource:
    def __init__(self, library: FakeLibrary) -> None:
        self._lib = library

    async def music_libraries(self, names: Sequence[str] = ()) -> Choice:
        self._lib.requests += 1
        return Choice(tuple(Lib(t) for t in self._lib.tracks if not names or t in names))

    async def list_tracks(
        self,
        library: Lib,
        on_progress: Callable[[int, int], None] | None = None,
        on_items: Callable[[Sequence[Any]], None] | None = None,
    ) -> list[LibraryTrack]:
        self._lib.listings += 1
        items = list(self._lib.tracks[library.title])
        for start in range(0, max(1, len(items)), 100):
            self._lib.requests += 1
            if self._lib.gate is not None:
                await self._lib.gate.wait()
            if self._lib.fail_with is not None:
                raise self._lib.fail_with
            if on_items:
                on_items(items[start : start + 100])
            if on_progress:
                on_progress(min(start + 100, len(items)), len(items))
            await asyncio.sleep(0)
        return items

    async def changes_since(
        self, library: Lib, since: int, known_ids: Collection[str] | None = None
    ) -> Changes:
        self._lib.delta_calls += 1
        self._lib.requests += 2
        if self._lib.fail_with is not None:
            raise self._lib.fail_with
        items = self._lib.tracks[library.title]
        present = {t.item_id for t in items}
        return Changes(
            tuple(t for t in items if t.updated_at >= since),
            frozenset(set(known_ids or ()) - present),
        )

    def request_total(self) -> int:
        return self._lib.requests

    async def close(self) -> None:
        return None
