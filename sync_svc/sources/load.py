"""The one entry point: a command's source kind and reference to a playlist."""

from __future__ import annotations

import logging

import httpx

from common.domain import SourceKind
from sync_svc.sources.deezer import load_deezer_playlist
from sync_svc.sources.files import load_file
from sync_svc.sources.listenbrainz import load_created_for, load_listenbrainz_playlist
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings
from sync_svc.sources.problems import SOURCE_REF, invalid
from sync_svc.sources.spotify import load_spotify_playlist
from sync_svc.sources.web import load_url

log = logging.getLogger(__name__)


async def load_playlist(
    kind: SourceKind, ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    """Read the playlist ``ref`` names.

    Raises InvalidArgument (bad reference or content), FailedPrecondition (the source is
    missing, refuses the credentials or answers nonsense) or Unavailable (try again later).
    """
    ref = ref.strip()
    if not ref:
        raise invalid("is required", SOURCE_REF)
    if kind is SourceKind.FILE:
        playlist = await load_file(ref, settings=settings)
    elif kind is SourceKind.URL:
        playlist = await load_url(ref, http=http, settings=settings)
    elif kind is SourceKind.LISTENBRAINZ_PLAYLIST:
        playlist = await load_listenbrainz_playlist(ref, http=http, settings=settings)
    elif kind is SourceKind.LISTENBRAINZ_CREATED_FOR:
        playlist = await load_created_for(ref, http=http, settings=settings)
    elif kind is SourceKind.SPOTIFY_PLAYLIST:
        playlist = await load_spotify_playlist(ref, http=http, settings=settings)
    elif kind is SourceKind.DEEZER_PLAYLIST:
        playlist = await load_deezer_playlist(ref, http=http, settings=settings)
    else:  # pragma: no cover - every kind is handled above
        raise invalid(f"source kind {kind.value} is not supported", "source.kind")
    log.info("read %s: %d tracks", playlist.origin, len(playlist.tracks))
    return playlist
