"""The one interface sync and cache code use for any target server."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from common.domain import Target
from common.targets.counters import RequestCounter
from common.targets.items import (
    ChangeSet,
    LibraryChoice,
    PlaylistEntry,
    ServerIdentity,
    TargetLibrary,
    TargetPlaylist,
    TargetTrack,
)
from common.targets.listing import Items, ProgressCallback


class LibraryReader(Protocol):
    """The part of a target client that reads whole libraries: all a cache build needs.
    Every method raises a TargetError subclass on failure; listings are complete or raise
    TargetShortListing."""

    counter: RequestCounter

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice: ...

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]: ...

    async def list_indexed(
        self,
        library: TargetLibrary,
        title: str,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> None:
        """``list_tracks`` for a build: each page's tracks reach ``on_items`` as the index
        takes them (LibraryTrack, their library named ``title``), in server order, with no
        TargetTrack built and converted in between."""

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet: ...

    async def track_ids(self, library: TargetLibrary) -> set[str]: ...

    async def track_total(self, library: TargetLibrary) -> int:
        """How many tracks the library holds, for one small request."""
        ...


class TargetClient(LibraryReader, Protocol):
    """What a playlist sync needs of Plex or Jellyfin, on top of reading libraries."""

    kind: Target

    async def identify(self) -> ServerIdentity: ...

    async def libraries(self) -> list[TargetLibrary]: ...

    async def search(
        self, library: TargetLibrary, query: str, limit: int = 20
    ) -> list[TargetTrack]: ...

    async def artist_tracks(
        self, library: TargetLibrary, artist: str, limit: int = 500
    ) -> list[TargetTrack]: ...

    async def artist_names(
        self, library: TargetLibrary, start: int, size: int
    ) -> tuple[list[str], int]:
        """One page of the library's artists' names, and how many it has."""
        ...

    async def playlists(self) -> list[TargetPlaylist]: ...

    async def playlist_items(self, playlist_id: str) -> list[PlaylistEntry]: ...

    async def playlist_tracks(self, playlist_id: str) -> list[TargetTrack]:
        """A playlist's items as tracks (what a listing carries, the file path included),
        in order, repeats kept."""
        ...

    async def read_image(self, path: str, max_bytes: int) -> tuple[bytes, str]:
        """The bytes and Content-Type of an image the server serves at ``path`` (a
        playlist's ``image``); TargetRejected past ``max_bytes``."""
        ...

    async def writable(self, playlist: TargetPlaylist) -> bool:
        """Whether a playlist found by title is one this client may take over and write
        (not a Plex smart playlist, not another Jellyfin user's)."""
        ...

    async def keeps_repeats(self) -> bool:
        """Whether the server keeps an item more than once in a playlist."""
        ...

    async def create_playlist(
        self, title: str, item_ids: Sequence[str], summary: str = ""
    ) -> TargetPlaylist: ...

    async def add_to_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None: ...

    async def remove_from_playlist(self, playlist_id: str, entry_ids: Sequence[str]) -> None: ...

    async def replace_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None: ...

    async def move_entry(
        self,
        playlist_id: str,
        entry_id: str,
        new_index: int,
        current: Sequence[PlaylistEntry],
    ) -> None: ...

    async def update_playlist(
        self, playlist_id: str, *, title: str | None = None, summary: str | None = None
    ) -> None: ...

    async def upload_cover(self, playlist_id: str, image: bytes, content_type: str) -> None:
        """Set the playlist's cover to ``image`` (``content_type`` image/jpeg, image/png,
        ...). Raises TargetAuthError where the server takes it from administrators only."""
        ...

    async def delete_playlist(self, playlist_id: str) -> None: ...
