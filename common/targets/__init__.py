"""Plex and Jellyfin clients behind one async interface (see TARGET_API.md)."""

from common.targets.base import TargetClient
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import (
    TargetAuthError,
    TargetError,
    TargetMalformedResponse,
    TargetNotFound,
    TargetPartialWrite,
    TargetRejected,
    TargetServerError,
    TargetShortListing,
    TargetTimeout,
)
from common.targets.jellyfin import JellyfinClient
from common.targets.model import (
    ChangeSet,
    LibraryChoice,
    PlaylistEntry,
    ServerIdentity,
    SkippedLibrary,
    TargetKind,
    TargetLibrary,
    TargetPlaylist,
    TargetTrack,
)
from common.targets.plex import PlexClient
from common.targets.retry import RetryPolicy
from common.targets.settings import ClientSettings

__all__ = [
    "ChangeSet",
    "ClientSettings",
    "EndpointClass",
    "JellyfinClient",
    "LibraryChoice",
    "PlaylistEntry",
    "PlexClient",
    "RequestCounter",
    "RetryPolicy",
    "ServerIdentity",
    "SkippedLibrary",
    "TargetAuthError",
    "TargetClient",
    "TargetError",
    "TargetKind",
    "TargetLibrary",
    "TargetMalformedResponse",
    "TargetNotFound",
    "TargetPartialWrite",
    "TargetPlaylist",
    "TargetRejected",
    "TargetServerError",
    "TargetShortListing",
    "TargetTimeout",
    "TargetTrack",
]
