"""The emulated Lidarr's resources as its API v1 serializes them: camelCase, enums as
camelCase strings, nulls left out (``src/NzbDrone.Common/Serializer/System.Text.Json/``
``STJson.cs``). Shapes from ``src/Lidarr.Api.V1/Albums/AlbumResource.cs``
(``AlbumResourceMapper.ToResource``), ``AlbumReleaseResource.cs``,
``src/Lidarr.Api.V1/Artist/ArtistResource.cs`` (``ArtistResourceMapper.ToResource``),
``src/Lidarr.Api.V1/Commands/CommandResource.cs`` and ``RootFolders/RootFolderResource.cs``
(Lidarr/Lidarr v2.14.5.4824); only the members a client reads are filled with care."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulators.lidarr_catalog import MetaAlbum, MetaArtist, fold


@dataclass
class LidarrArtist:
    id: int
    meta: MetaArtist
    path: str
    quality_profile_id: int
    metadata_profile_id: int
    monitored: bool
    monitor_new_items: str  # all, none, new (NewItemMonitorTypes)
    added: str


@dataclass
class LidarrAlbum:
    id: int
    meta: MetaAlbum
    artist_id: int
    monitored: bool
    any_release_ok: bool = True
    searched: int = 0  # AlbumSearch commands that named it
    delivered: bool = False  # its tracks were handed to a media server (tests)


@dataclass
class LidarrCommand:
    id: int
    name: str
    body: dict[str, Any]
    queued: str
    status: str = "queued"
    album_ids: list[int] = field(default_factory=list)


def artist_resource(meta: MetaArtist, artist: LidarrArtist | None) -> dict[str, Any]:
    """An artist Lidarr has (``artist``), or one the metadata server knows (id 0: the
    defaults of a new ``Artist``: ``monitorNewItems`` "all", no path, no profiles)."""
    resource: dict[str, Any] = {
        "id": artist.id if artist else 0,
        "status": "continuing",
        "ended": False,
        "artistName": meta.name,
        "foreignArtistId": meta.mbid,
        "tadbId": 0,
        "discogsId": 0,
        "overview": "",
        "artistType": "Group",
        "disambiguation": "",
        "links": [],
        "images": [],
        "qualityProfileId": artist.quality_profile_id if artist else 0,
        "metadataProfileId": artist.metadata_profile_id if artist else 0,
        "monitored": artist.monitored if artist else False,
        "monitorNewItems": artist.monitor_new_items if artist else "all",
        "folder": meta.name,
        "genres": [],
        "cleanName": fold(meta.name).replace(" ", ""),
        "sortName": fold(meta.name),
        "tags": [],
        "added": artist.added if artist else "0001-01-01T00:00:00Z",
        "ratings": {"votes": 0, "value": 0.0},
    }
    if artist is not None:
        resource["path"] = artist.path
    return resource


def album_resource(
    meta: MetaAlbum, album: LidarrAlbum | None, artist: dict[str, Any]
) -> dict[str, Any]:
    """An album Lidarr has (``album``: its id and monitoring), or one of the metadata
    server (id 0, not monitored), with its one release (the one Lidarr would monitor: the
    release with most tracks, ``SkyHookProxy.MapAlbum``)."""
    duration = sum(t.duration_ms for t in meta.tracks)
    release = {
        "id": 0,
        "albumId": album.id if album else 0,
        "foreignReleaseId": meta.release_mbid,
        "title": meta.title,
        "status": "Official",
        "duration": duration,
        "trackCount": len(meta.tracks),
        "media": [{"mediumNumber": 1, "mediumName": "", "mediumFormat": "CD"}],
        "mediumCount": 1,
        "disambiguation": "",
        "country": [],
        "label": [],
        "format": "CD",
        "monitored": True,
    }
    return {
        "id": album.id if album else 0,
        "title": meta.title,
        "disambiguation": meta.disambiguation,
        "overview": "",
        "artistId": album.artist_id if album else 0,
        "foreignAlbumId": meta.mbid,
        "monitored": album.monitored if album else False,
        "anyReleaseOk": album.any_release_ok if album else True,
        "profileId": 0,
        "duration": duration,
        "albumType": meta.album_type,
        "secondaryTypes": [],
        "mediumCount": 1,
        "ratings": {"votes": 0, "value": 0.0},
        "releaseDate": f"{meta.release_date}T00:00:00Z",
        "releases": [release],
        "genres": [],
        "media": [{"mediumNumber": 1, "mediumName": "", "mediumFormat": "CD"}],
        "artist": artist,
        "images": [],
        "links": [],
    }


def command_resource(command: LidarrCommand) -> dict[str, Any]:
    return {
        "id": command.id,
        "name": command.name,
        "commandName": "Album Search" if command.name == "AlbumSearch" else command.name,
        "body": {**command.body, "sendUpdatesToClient": True, "trigger": "manual"},
        "priority": "normal",
        "status": command.status,
        "result": "unknown",
        "queued": command.queued,
        "trigger": "manual",
        "sendUpdatesToClient": True,
        "updateScheduledTask": True,
    }


def error_model(message: str) -> dict[str, Any]:
    """An exception other than a validation failure (``ErrorModel``: message, description)."""
    return {"message": message, "description": message}
