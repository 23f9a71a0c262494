"""Domain objects the target clients return: plain, frozen, independent of Plex or Jellyfin."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.domain import Target
from common.matching.query import LibraryTrack


@dataclass(frozen=True)
class ServerIdentity:
    """Who answered: the id is needed for Plex playlist URIs and to notice a swapped server."""

    kind: Target
    server_id: str
    name: str
    version: str


@dataclass(frozen=True)
class TargetLibrary:
    """One library (Plex section, Jellyfin view) as the server describes it."""

    library_id: str
    title: str
    kind: str  # Plex section type ("artist" = music) or Jellyfin CollectionType
    agent: str = ""
    is_music: bool = False
    is_audiobook: bool = False
    updated_at: int = 0  # epoch seconds when the server says the content changed


@dataclass(frozen=True)
class SkippedLibrary:
    library: TargetLibrary
    reason: str


@dataclass(frozen=True)
class LibraryChoice:
    """Which libraries a sync uses and why the others were left out, so it can be shown."""

    chosen: tuple[TargetLibrary, ...]
    skipped: tuple[SkippedLibrary, ...] = ()
    missing: tuple[str, ...] = ()  # configured names the server does not have

    def describe(self) -> str:
        parts = ["chosen: " + (", ".join(repr(lib.title) for lib in self.chosen) or "none")]
        if self.skipped:
            parts.append(
                "skipped: " + ", ".join(f"{s.library.title!r} ({s.reason})" for s in self.skipped)
            )
        if self.missing:
            parts.append("not found: " + ", ".join(repr(name) for name in self.missing))
        return "; ".join(parts)


@dataclass(frozen=True)
class TargetTrack:
    """One track of a target library, in the fields matching needs."""

    item_id: str
    library: str
    title: str
    artists: tuple[str, ...]  # track artists (Plex originalTitle, Jellyfin Artists)
    album_artist: str
    album: str
    duration_ms: int | None = None
    track_index: int | None = None
    disc_index: int | None = None
    year: int | None = None
    mbid: str = ""  # recording MBID or ""
    added_at: int = 0  # epoch seconds
    updated_at: int = 0  # epoch seconds
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz artist ids, lower case, when tagged
    path: str = ""  # the file's path on the server (Plex Part file, Jellyfin Path)

    def indexed(self, library: str) -> LibraryTrack:
        """The matching index's form of this track. ``library`` is the library's title
        (the clients' ``library`` is its id), which reports show and refreshes group by."""
        mbids = self.artist_mbids
        return LibraryTrack(
            item_id=self.item_id,
            library=library,
            title=self.title,
            artists=tuple(self.artists),
            album_artist=self.album_artist,
            album=self.album,
            duration_ms=int(self.duration_ms or 0),
            mbid=self.mbid.lower(),
            updated_at=int(self.updated_at),
            artist_mbids=tuple([m.lower() for m in mbids]) if mbids else (),
            path=self.path,
        )


@dataclass(frozen=True)
class ChangeSet:
    """What changed in a library since a point: tracks added or edited, and ids now gone."""

    changed: tuple[TargetTrack, ...]
    deleted_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TargetPlaylist:
    playlist_id: str
    title: str
    summary: str = ""
    item_count: int = 0
    smart: bool = False  # Plex: filled by rules, never written item by item
    # Where the server serves the playlist's picture (a path under its URL), "" for none:
    # Plex's ``thumb`` (an uploaded poster), else its ``composite``; Jellyfin's primary
    # image when the item lists one.
    image: str = ""


@dataclass(frozen=True)
class PlaylistEntry:
    """One slot of a playlist: the entry id (Plex playlistItemID, Jellyfin PlaylistItemId)
    is what removal needs. On Plex it differs from the item id; Jellyfin 10.10 on reports
    the item's own id, so entries of one item share it."""

    entry_id: str
    item_id: str
    title: str = ""
