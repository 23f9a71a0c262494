"""A library reader whose work shows in the trace: a span per listing, and per page of
tracks absorbed (with its track count), opened from the listing callbacks so that the
clients and the build code stay as they are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from opentelemetry import trace

from common.targets.base import LibraryReader
from common.targets.counters import RequestCounter
from common.targets.items import ChangeSet, LibraryChoice, TargetLibrary, TargetTrack
from common.targets.listing import Items, ProgressCallback


class TracedReader:
    """Delegates to ``reader``; spans go to ``tracer`` (children of the build's span)."""

    def __init__(self, reader: LibraryReader, tracer: trace.Tracer) -> None:
        self._reader = reader
        self._tracer = tracer

    @property
    def counter(self) -> RequestCounter:
        return self._reader.counter

    @counter.setter
    def counter(self, value: RequestCounter) -> None:
        self._reader.counter = value

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice:
        with self._tracer.start_as_current_span("target.music_libraries"):
            return await self._reader.music_libraries(names)

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        result: list[TargetTrack] = []

        async def listing(page: Items) -> int:
            result.extend(await self._reader.list_tracks(library, on_progress, page))
            return len(result)

        await self._listing(library, on_items, listing)
        return result

    async def list_indexed(
        self,
        library: TargetLibrary,
        title: str,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> None:
        async def listing(page: Items) -> None:
            await self._reader.list_indexed(library, title, on_progress, page)

        await self._listing(library, on_items, listing)

    async def _listing(
        self,
        library: TargetLibrary,
        on_items: Items | None,
        listing: Callable[[Items], Awaitable[int | None]],
    ) -> None:
        """A listing in a ``target.list_tracks`` span, each page in a ``cache.page`` one;
        its tracks are what ``listing`` returns, else what the pages held."""
        pages = tracks = 0

        def page(items: Sequence[Any]) -> None:
            nonlocal pages, tracks
            attributes: dict[str, str | int] = {
                "cmdarr.library": library.title,
                "cmdarr.page": pages,
            }
            pages += 1
            tracks += len(items)
            with self._tracer.start_as_current_span("cache.page", attributes=attributes) as span:
                span.set_attribute("cmdarr.tracks", len(items))
                if on_items is not None:
                    on_items(items)

        attributes = {"cmdarr.library": library.title}
        with self._tracer.start_as_current_span("target.list_tracks", attributes=attributes) as s:
            listed = await listing(page)
            s.set_attributes({"cmdarr.tracks": listed or tracks, "cmdarr.pages": pages})

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet:
        attributes = {"cmdarr.library": library.title}
        with self._tracer.start_as_current_span("target.changes_since", attributes=attributes):
            return await self._reader.changes_since(library, since, known_ids)

    async def track_ids(self, library: TargetLibrary) -> set[str]:
        attributes = {"cmdarr.library": library.title}
        with self._tracer.start_as_current_span("target.track_ids", attributes=attributes) as s:
            ids = await self._reader.track_ids(library)
            s.set_attribute("cmdarr.tracks", len(ids))
            return ids

    async def track_total(self, library: TargetLibrary) -> int:
        attributes = {"cmdarr.library": library.title}
        with self._tracer.start_as_current_span("target.track_total", attributes=attributes) as s:
            total = await self._reader.track_total(library)
            s.set_attribute("cmdarr.tracks", total)
            return total
