"""Lidarr's JSON (camelCase, ``STJson``) to ``model.py`` values. A body that lacks what
the API promises raises TargetMalformedResponse naming the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from common.lidarr.model import FoundAlbum, FoundArtist, LidarrStatus, Profile, RootFolder
from common.targets.errors import TargetMalformedResponse


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TargetMalformedResponse(f"Lidarr: {what} is not a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise TargetMalformedResponse(f"Lidarr: {what} is not a JSON list")
    return value


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TargetMalformedResponse(f"Lidarr: {what} has no integer {key!r}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def status(body: Any) -> LidarrStatus:
    data = _object(body, "GET /api/v1/system/status")
    if not _text(data, "version"):
        raise TargetMalformedResponse("Lidarr: GET /api/v1/system/status carries no version")
    return LidarrStatus(_text(data, "appName"), _text(data, "version"), _text(data, "instanceName"))


def root_folders(body: Any) -> list[RootFolder]:
    what = "GET /api/v1/rootfolder"
    return [
        RootFolder(
            _int(item, "id", what),
            _text(item, "name"),
            _text(item, "path"),
            _int(item, "defaultQualityProfileId", what),
            _int(item, "defaultMetadataProfileId", what),
        )
        for item in (_object(i, what) for i in _list(body, what))
    ]


def profiles(body: Any, what: str) -> list[Profile]:
    return [
        Profile(_int(item, "id", what), _text(item, "name"))
        for item in (_object(i, what) for i in _list(body, what))
    ]


def album(body: Any, what: str) -> FoundAlbum:
    data = _object(body, what)
    # A listing may leave the artist out (AlbumResource.Artist is null when not loaded):
    # then its id is the album's artistId.
    given = data.get("artist")
    artist = _object(given, f"{what}: an album's artist") if given is not None else {}
    foreign = _text(data, "foreignAlbumId")
    if not foreign:
        raise TargetMalformedResponse(f"Lidarr: {what}: an album has no foreignAlbumId")
    return FoundAlbum(
        id=_int(data, "id", what),
        title=_text(data, "title"),
        foreign_album_id=foreign,
        monitored=data.get("monitored") is True,
        artist=FoundArtist(
            _int(artist, "id", what) if artist else _int(data, "artistId", what),
            _text(artist, "artistName"),
            _text(artist, "foreignArtistId"),
            artist.get("monitored") is True,
        ),
        disambiguation=_text(data, "disambiguation"),
        album_type=_text(data, "albumType"),
        release_date=_text(data, "releaseDate")[:10],
        raw=data,
    )


def albums(body: Any, what: str) -> list[FoundAlbum]:
    return [album(item, what) for item in _list(body, what)]
