"""What cmdarr reads of Lidarr's answers: plain values, parsed from the JSON in
``parse.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LidarrStatus:
    """``GET /api/v1/system/status``: who answered."""

    app_name: str
    version: str
    instance_name: str = ""


@dataclass(frozen=True)
class RootFolder:
    """A root folder, and the profiles Lidarr offers by default for artists added there."""

    id: int
    name: str
    path: str
    default_quality_profile_id: int = 0
    default_metadata_profile_id: int = 0


@dataclass(frozen=True)
class Profile:
    """A quality or metadata profile."""

    id: int
    name: str


@dataclass(frozen=True)
class FoundArtist:
    """An album's artist as a lookup gives it: ``id`` 0 when Lidarr does not have it."""

    id: int
    name: str
    foreign_artist_id: str
    monitored: bool = False


@dataclass(frozen=True)
class FoundAlbum:
    """An album (a MusicBrainz release group) as a lookup or a listing gives it: ``id`` 0
    when Lidarr does not have it. ``raw`` is the resource as Lidarr sent it, which is
    what an album is added with (Lidarr's own page posts the lookup's album back)."""

    id: int
    title: str
    foreign_album_id: str
    monitored: bool
    artist: FoundArtist
    disambiguation: str = ""
    album_type: str = ""
    release_date: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def in_lidarr(self) -> bool:
        return self.id > 0

    @property
    def label(self) -> str:
        """How people read it: "Artist - Title (disambiguation, year)"."""
        extra = [x for x in (self.disambiguation, self.release_date[:4]) if x]
        suffix = f" ({', '.join(dict.fromkeys(extra))})" if extra else ""
        return f"{self.artist.name} - {self.title}{suffix}"


@dataclass(frozen=True)
class Catalogue:
    """What a hand-off chooses from: Lidarr's root folders and profiles."""

    root_folders: tuple[RootFolder, ...]
    quality_profiles: tuple[Profile, ...]
    metadata_profiles: tuple[Profile, ...]
