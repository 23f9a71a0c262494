"""An in-memory library source with the shape of a target client, for lifecycle tests of
cache_svc that need exact control of timing and failures (HTTP is covered elsewhere)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from common.matching import LibraryTrack
from common.targets import (
    ChangeSet,
    EndpointClass,
    LibraryChoice,
    RequestCounter,
    TargetLibrary,
    TargetTrack,
)
from common.targets.listing import Items, ProgressCallback


@dataclass
class FakeLibrary:
    """The server side: tracks by library, a failure to raise, a gate to hold builds."""

    tracks: dict[str, list[LibraryTrack]] = field(default_factory=dict)
    fail_with: Exception | None = None
    gate: asyncio.Event | None = None
    listings: int = 0
    delta_calls: int = 0
    sweeps: int = 0
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


def _as_target_track(track: LibraryTrack) -> TargetTrack:
    return TargetTrack(
        item_id=track.item_id,
        library=track.library,
        title=track.title,
        artists=track.artists,
        album_artist=track.album_artist,
        album=track.album,
        duration_ms=track.duration_ms,
        mbid=track.mbid,
        updated_at=track.updated_at,
    )


class FakeSource:
    """A library reader over a FakeLibrary; opened and closed like a real connection."""

    def __init__(self, library: FakeLibrary) -> None:
        self._lib = library
        self.counter = RequestCounter()

    async def __aenter__(self) -> FakeSource:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None

    def _request(self, endpoint: EndpointClass) -> None:
        self._lib.requests += 1
        self.counter.count(endpoint)

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice:
        self._request(EndpointClass.LIBRARY_LISTING)
        return LibraryChoice(
            tuple(
                TargetLibrary(library_id=t, title=t, kind="artist", is_music=True)
                for t in self._lib.tracks
                if not names or t in names
            )
        )

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        self._lib.listings += 1
        items = [_as_target_track(t) for t in self._lib.tracks[library.title]]
        for start in range(0, max(1, len(items)), 100):
            self._request(EndpointClass.TRACK_PAGE)
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

    async def list_indexed(
        self,
        library: TargetLibrary,
        title: str,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> None:
        def page(items: Sequence[TargetTrack]) -> None:
            if on_items:
                on_items([t.indexed(title) for t in items])

        await self.list_tracks(library, on_progress, page)

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet:
        self._lib.delta_calls += 1
        self._request(EndpointClass.TRACK_PAGE)
        self._request(EndpointClass.TRACK_PAGE)
        if self._lib.fail_with is not None:
            raise self._lib.fail_with
        items = self._lib.tracks[library.title]
        present = {t.item_id for t in items}
        return ChangeSet(
            tuple(_as_target_track(t) for t in items if t.updated_at >= since),
            frozenset(set(known_ids or ()) - present),
        )

    async def track_ids(self, library: TargetLibrary) -> set[str]:
        """The id sweep: one request."""
        self._lib.sweeps += 1
        self._request(EndpointClass.TRACK_PAGE)
        if self._lib.fail_with is not None:
            raise self._lib.fail_with
        return {t.item_id for t in self._lib.tracks[library.title]}

    async def track_total(self, library: TargetLibrary) -> int:
        """The library's count: one request."""
        self._request(EndpointClass.TRACK_PAGE)
        if self._lib.fail_with is not None:
            raise self._lib.fail_with
        return len(self._lib.tracks[library.title])
