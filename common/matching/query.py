"""What is matched (a Query) against what (LibraryTracks), and the outcome (a Match)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LibraryTrack:
    """A track on a target, as the index needs it."""

    item_id: str
    library: str
    title: str
    artists: tuple[str, ...]  # the track artists (Plex originalTitle, Jellyfin Artists)
    album_artist: str = ""
    album: str = ""
    duration_ms: int = 0
    mbid: str = ""  # recording MBID, lower case, or ""
    updated_at: int = 0  # epoch seconds, as the target reports it (for incremental refresh)
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz artist ids (track or album artists)
    # The file's path as the server gives it. The index keeps only the hash of its last
    # components (common/matching/paths.py), so a track read back from an index has none.
    path: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    """A playlist track to find."""

    title: str
    artists: tuple[str, ...] = ()
    album: str = ""
    duration_ms: int = 0
    mbid: str = ""
    isrc: str = ""
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz ids of the credited artists, lower case
    path: str = ""  # the file's path on the server the track was read from, when known


class MatchMethod(enum.Enum):
    MBID = "mbid"
    PATH = "path"  # the same file: the path's artist folder, album folder and file name
    EXACT = "exact"
    FUZZY = "fuzzy"
    NONE = "none"
    OVERRIDE = "override"  # a user's pin (with a track) or rejection (without)


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome for one query: the match (or, for NONE, the best candidate seen)."""

    method: MatchMethod
    track: LibraryTrack | None
    confidence: float
    reason: str
    best: LibraryTrack | None = None

    @property
    def matched(self) -> bool:
        return self.method is not MatchMethod.NONE and self.track is not None
