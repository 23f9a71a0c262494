"""What a build needs of a target server: the part of common.targets' client interface
the cache uses, as structural types, and the conversion of its tracks for the index."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from common.matching import LibraryTrack

Progress = Callable[[int, int], None]


class SourceLibrary(Protocol):
    @property
    def title(self) -> str: ...


class SourceChoice(Protocol):
    @property
    def chosen(self) -> tuple[SourceLibrary, ...]: ...

    def describe(self) -> str: ...


class SourceTrack(Protocol):
    @property
    def item_id(self) -> str: ...
    @property
    def library(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def artists(self) -> tuple[str, ...]: ...
    @property
    def album_artist(self) -> str: ...
    @property
    def album(self) -> str: ...
    @property
    def duration_ms(self) -> int | None: ...
    @property
    def mbid(self) -> str: ...
    @property
    def updated_at(self) -> int: ...


class SourceChanges(Protocol):
    @property
    def changed(self) -> Sequence[SourceTrack]: ...
    @property
    def deleted_ids(self) -> frozenset[str]: ...


class LibrarySource(Protocol):
    """A target client, as far as a build is concerned. ``library`` arguments are always
    objects its own ``music_libraries`` returned (typed Any: each client has its own)."""

    async def music_libraries(self, names: Sequence[str] = ()) -> SourceChoice: ...

    async def list_tracks(
        self,
        library: Any,
        on_progress: Progress | None = None,
        on_items: Callable[[Sequence[Any]], None] | None = None,
    ) -> Sequence[SourceTrack]: ...

    async def changes_since(
        self, library: Any, since: int, known_ids: Collection[str] | None = None
    ) -> SourceChanges: ...

    def request_total(self) -> int:
        """Requests sent so far (for build history)."""
        ...

    async def close(self) -> None: ...


def to_library_track(track: SourceTrack, library: str) -> LibraryTrack:
    """The index's form of a track; ``library`` is the library's title (clients report
    their own ids there), which reports show and refreshes group by."""
    return LibraryTrack(
        item_id=track.item_id,
        library=library,
        title=track.title,
        artists=tuple(track.artists),
        album_artist=track.album_artist,
        album=track.album,
        duration_ms=int(track.duration_ms or 0),
        mbid=track.mbid.lower(),
        updated_at=int(track.updated_at),
    )
