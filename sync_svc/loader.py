"""Reading a run's source playlist with the credentials of the run's settings."""

from __future__ import annotations

import httpx

from common.config.registry import Registry
from common.domain import SourceKind
from common.targets.connect import default_tls
from sync_svc.runs import SourceRead, Track
from sync_svc.sources import SourceSettings, load_playlist

SOURCE_TIMEOUT = 30.0
DEEZER_API = Registry()["DEEZER_API_URL"]


async def load_source(kind: SourceKind, ref: str, values: dict[str, str]) -> SourceRead:
    """The playlist's title, tracks, description and picture. ``values`` are the run's
    settings, secrets included."""
    settings = SourceSettings(
        spotify_client_id=values.get("SPOTIFY_CLIENT_ID", ""),
        spotify_client_secret=values.get("SPOTIFY_CLIENT_SECRET", ""),
        listenbrainz_token=values.get("LISTENBRAINZ_TOKEN", ""),
        # Empty means the registry's default, as for every setting.
        deezer_api=values.get(DEEZER_API.key) or DEEZER_API.default,
    )
    async with httpx.AsyncClient(
        timeout=SOURCE_TIMEOUT, follow_redirects=True, verify=default_tls()
    ) as http:
        playlist = await load_playlist(kind, ref, http=http, settings=settings)
    tracks = [
        Track(
            t.title,
            t.artists,
            t.album,
            t.duration_ms,
            t.recording_mbid,
            t.isrc,
            t.artist_mbids,
            t.release_group_mbid,
        )
        for t in playlist.tracks
    ]
    return SourceRead(playlist.title, tracks, playlist.description, playlist.image_url)
