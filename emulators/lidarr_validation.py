"""The emulated Lidarr's validation of ``POST /api/v1/album`` and ``POST /api/v1/artist``:
the rules of Lidarr's controllers, in their order, each answered as Lidarr answers a
FluentValidation failure (Lidarr/Lidarr v2.14.5.4824).

- Rules: ``src/Lidarr.Api.V1/Albums/AlbumController.cs`` and
  ``src/Lidarr.Api.V1/Artist/ArtistController.cs`` (constructors: ``PostValidator`` and
  ``SharedValidator``).
- Messages: the validators' ``GetDefaultMessageTemplate`` (``src/NzbDrone.Core/Validation/``
  ``QualityProfileExistsValidator.cs``, ``MetadataProfileExistsValidator.cs``,
  ``Paths/AlbumExistsValidator.cs``, ``Paths/ArtistExistsValidator.cs``,
  ``Paths/RootFolderExistsValidator.cs``, ``Paths/PathValidator.cs``); ``ValidId`` is
  FluentValidation's ``GreaterThanValidator(0)`` and ``NotEmpty``/``NotNull`` its own
  (``src/Lidarr.Http/Validation/RuleBuilderExtensions.cs``), with FluentValidation 9's
  English templates. How FluentValidation words the display name of a nested property
  (``Artist.QualityProfileId``) is *unverified*: the last member is used.
- The answer: 400 with the list of failures (``src/Lidarr.Http/ErrorManagement/``
  ``LidarrErrorPipeline.cs``, the ``ValidationException`` branch), each serialized camelCase
  (``STJson``): ``propertyName``, ``errorMessage``, ``attemptedValue``, ``severity``,
  ``errorCode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Failure = dict[str, Any]


def failure(prop: str, message: str, attempted: Any, code: str) -> Failure:
    return {
        "propertyName": prop,
        "errorMessage": message,
        "attemptedValue": attempted,
        "severity": "error",
        "errorCode": code,
    }


def _display(prop: str) -> str:
    """FluentValidation's display name: the member's name split at capitals."""
    last = prop.rsplit(".", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", last)


def _not_empty(prop: str, value: Any) -> list[Failure]:
    if value in (None, "", 0, [], {}):
        return [failure(prop, f"'{_display(prop)}' must not be empty.", value, "NotEmptyValidator")]
    return []


def _profile(prop: str, value: Any, exists: Callable[[int], bool], missing: str) -> list[Failure]:
    """``ValidId`` then the exists validator, cascading (the first failure stops)."""
    number = value if isinstance(value, int) else 0
    if number <= 0:
        message = f"'{_display(prop)}' must be greater than '0'."
        return [failure(prop, message, value, "GreaterThanValidator")]
    if not exists(number):
        return [failure(prop, missing, value, f"{missing.split()[0]}ProfileExistsValidator")]
    return []


def _root_folder(prop: str, value: Any, root_paths: set[str]) -> list[Failure]:
    text = value if isinstance(value, str) else ""
    if not text.startswith("/"):
        return [failure(prop, f"Invalid Path: '{text}'", value, "PathValidator")]
    if text.rstrip("/") not in root_paths:
        message = f"Root folder '{text}' does not exist"
        return [failure(prop, message, value, "RootFolderExistsValidator")]
    return []


class Rules:
    """What the validators look up: the profiles and root folders Lidarr has, and whether
    an album or an artist (by MusicBrainz id) is already added."""

    def __init__(
        self,
        *,
        quality: Callable[[int], bool],
        metadata: Callable[[int], bool],
        root_paths: Callable[[], set[str]],
        album_added: Callable[[str], bool],
        artist_added: Callable[[str], bool],
    ) -> None:
        self.quality = quality
        self.metadata = metadata
        self.root_paths = root_paths
        self.album_added = album_added
        self.artist_added = artist_added

    def _artist_fields(self, prefix: str, artist: Mapping[str, Any]) -> list[Failure]:
        found = _profile(
            f"{prefix}QualityProfileId",
            artist.get("qualityProfileId"),
            self.quality,
            "Quality Profile does not exist",
        )
        found += _profile(
            f"{prefix}MetadataProfileId",
            artist.get("metadataProfileId"),
            self.metadata,
            "Metadata profile does not exist",
        )
        if not artist.get("path"):
            found += _root_folder(
                f"{prefix}RootFolderPath", artist.get("rootFolderPath"), self.root_paths()
            )
        return found

    def album_failures(self, body: Mapping[str, Any]) -> list[Failure]:
        """``AlbumController``'s ``PostValidator``, rule by rule."""
        found: list[Failure] = []
        foreign = body.get("foreignAlbumId")
        found += _not_empty("ForeignAlbumId", foreign)
        if foreign and self.album_added(str(foreign)):
            message = "This album has already been added."
            found.append(failure("ForeignAlbumId", message, foreign, "AlbumExistsValidator"))
        artist = body.get("artist")
        if not isinstance(artist, Mapping):
            found.append(failure("Artist", "'Artist' must not be empty.", None, "NotNullValidator"))
            return found
        found += _not_empty("Artist.ForeignArtistId", artist.get("foreignArtistId"))
        return found + self._artist_fields("Artist.", artist)

    def artist_failures(self, body: Mapping[str, Any]) -> list[Failure]:
        """``ArtistController``'s ``SharedValidator`` and ``PostValidator``."""
        found = self._artist_fields("", body)
        found += _not_empty("ArtistName", body.get("artistName"))
        foreign = body.get("foreignArtistId")
        found += _not_empty("ForeignArtistId", foreign)
        if foreign and self.artist_added(str(foreign)):
            message = "This artist has already been added."
            found.append(failure("ForeignArtistId", message, foreign, "ArtistExistsValidator"))
        return found
