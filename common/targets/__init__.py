"""Plex and Jellyfin clients behind one async interface (see docs/TARGETS.md).

Build one per target with an ``httpx.AsyncClient`` whose ``base_url`` is the server, a
token and ``ClientSettings`` (rate, concurrency, timeout, page size, retries)::

    async with httpx.AsyncClient(base_url=url) as http:
        plex = PlexClient(http, token=token, settings=ClientSettings(concurrency=8))
        choice = await plex.music_libraries(configured_names)   # says what it left out
        tracks = await plex.list_tracks(choice.chosen[0])       # complete, or an error
        report["requests"] = plex.counter.snapshot()

Failures are TargetError subclasses; listings are complete or raise TargetShortListing.
"""

from common.targets.base import LibraryReader, TargetClient
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
    TargetUnstableOrder,
    TargetUnsupportedVersion,
)
from common.targets.items import (
    ChangeSet,
    LibraryChoice,
    PlaylistEntry,
    ServerIdentity,
    SkippedLibrary,
    TargetLibrary,
    TargetPlaylist,
    TargetTrack,
)
from common.targets.jellyfin import JellyfinClient, JellyfinLogin, authenticate_by_name
from common.targets.plex import PlexClient
from common.targets.retry import RetryPolicy
from common.targets.settings import ClientSettings

__all__ = [
    "ChangeSet",
    "ClientSettings",
    "EndpointClass",
    "JellyfinClient",
    "JellyfinLogin",
    "LibraryChoice",
    "LibraryReader",
    "PlaylistEntry",
    "PlexClient",
    "RequestCounter",
    "RetryPolicy",
    "ServerIdentity",
    "SkippedLibrary",
    "TargetAuthError",
    "TargetClient",
    "TargetError",
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
    "TargetUnstableOrder",
    "TargetUnsupportedVersion",
    "authenticate_by_name",
]


def _both_are_target_clients(plex: PlexClient, jellyfin: JellyfinClient) -> list[TargetClient]:
    """Never called: mypy checks here that both clients implement the interface."""
    return [plex, jellyfin]
