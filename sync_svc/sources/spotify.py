"""Spotify: a playlist by URL, URI or id, read with an app's client-credentials token.

Tracks come from ``/v1/playlists/{id}/items`` (``item`` per entry), or from the older
``/tracks`` (``track`` per entry) when ``/items`` is not there. ``external_ids.isrc`` is
no longer returned to every app, so it is optional.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from common.errors import FailedPrecondition, SourceFailed
from sync_svc.sources import shape
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings, SourceTrack
from sync_svc.sources.problems import SOURCE_REF, ShapeError, check_count, invalid
from sync_svc.sources.remote import Answer, answer_json, fetch

log = logging.getLogger(__name__)

CLIENT_ID = "SPOTIFY_CLIENT_ID"
CLIENT_SECRET = "SPOTIFY_CLIENT_SECRET"
PLAYLIST_ID = re.compile(r"[A-Za-z0-9]{22}")
WEB_HOSTS = ("open.spotify.com", "play.spotify.com")
PAGE_SIZE = 100


def spotify_playlist_id(ref: str) -> str:
    """The id from ``https://open.spotify.com/playlist/<id>?si=..``, ``spotify:playlist:<id>``
    or the bare id."""
    ref = ref.strip()
    candidate = ref
    if ref.startswith("spotify:"):
        parts = ref.split(":")
        candidate = parts[-1] if len(parts) >= 3 and parts[-2] == "playlist" else ""
    elif "://" in ref:
        url = urlsplit(ref)
        segments = [segment for segment in url.path.split("/") if segment]
        candidate = ""
        if url.hostname in WEB_HOSTS and "playlist" in segments[:-1]:
            candidate = segments[segments.index("playlist") + 1]
    if not PLAYLIST_ID.fullmatch(candidate):
        raise invalid(
            "must be a Spotify playlist URL, a spotify:playlist:<id> URI or a playlist id",
            SOURCE_REF,
        )
    return candidate


async def load_spotify_playlist(
    ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    playlist_id = spotify_playlist_id(ref)
    what = f"Spotify playlist {playlist_id}"
    token = await client_token(http, settings)
    auth = {"Authorization": f"Bearer {token}"}
    api = settings.spotify_api.rstrip("/")
    answer = await fetch(
        http,
        "GET",
        f"{api}/v1/playlists/{playlist_id}",
        what=what,
        max_bytes=settings.max_bytes,
        headers=auth,
        params={"fields": "name,description,images(url)"},
    )
    refuse(answer, what)
    try:
        head = shape.obj(answer_json(answer, what), "(answer)")
        title = shape.text(head, "name", "(answer)")
        description = shape.text(head, "description", "(answer)")
        image_url = largest_image(head, "(answer)")
    except ShapeError as exc:
        raise malformed(what, exc) from None
    tracks = await read_items(playlist_id, what, http, settings, auth)
    return SourcePlaylist(
        title=title, tracks=tracks, origin=what, description=description, image_url=image_url
    )


def largest_image(head: dict[str, object], path: str) -> str:
    """The first of a playlist's ``images``, which Spotify lists largest first ("" when
    there is none: an empty playlist without a picture has ``images`` null or [])."""
    images = head.get("images")
    if images is None:
        return ""
    listed = shape.items(images, f"{path}.images")
    if not listed:
        return ""
    return shape.text(shape.obj(listed[0], f"{path}.images[0]"), "url", f"{path}.images[0]")


async def client_token(http: httpx.AsyncClient, settings: SourceSettings) -> str:
    """An app access token (client-credentials flow); the secret only goes into Basic auth."""
    missing = [
        name
        for name, value in (
            (CLIENT_ID, settings.spotify_client_id),
            (CLIENT_SECRET, settings.spotify_client_secret),
        )
        if not value
    ]
    if missing:
        raise SourceFailed(f"reading Spotify playlists needs {' and '.join(missing)}")
    what = "Spotify's token endpoint"
    answer = await fetch(
        http,
        "POST",
        f"{settings.spotify_accounts.rstrip('/')}/api/token",
        what=what,
        max_bytes=settings.max_bytes,
        data={"grant_type": "client_credentials"},
        auth=httpx.BasicAuth(settings.spotify_client_id, settings.spotify_client_secret),
    )
    if answer.status in (400, 401, 403):
        raise SourceFailed(
            f"Spotify refused the app credentials (HTTP {answer.status}): "
            f"check {credential_at_fault(answer)}"
        )
    if answer.status >= 300:
        raise SourceFailed(f"{what} answered HTTP {answer.status}")
    try:
        document = shape.obj(answer_json(answer, what), "(answer)")
        return shape.text(document, "access_token", "(answer)", required=True)
    except ShapeError as exc:
        raise malformed(what, exc) from None


def credential_at_fault(answer: Answer) -> str:
    """Which setting Spotify's ``error_description`` points at, without echoing it."""
    try:
        document = answer_json(answer, "token")
        description = document.get("error_description") if isinstance(document, dict) else None
    except FailedPrecondition:
        description = None
    if description == "Invalid client secret":
        return CLIENT_SECRET
    if description == "Invalid client":
        return CLIENT_ID
    return f"{CLIENT_ID} and {CLIENT_SECRET}"


async def read_items(
    playlist_id: str,
    what: str,
    http: httpx.AsyncClient,
    settings: SourceSettings,
    auth: dict[str, str],
) -> tuple[SourceTrack, ...]:
    """Every page, following ``next``; entries without a usable track are skipped."""
    api = settings.spotify_api.rstrip("/")
    url = f"{api}/v1/playlists/{playlist_id}/items"
    params: dict[str, str | int] | None = {"limit": PAGE_SIZE, "offset": 0}
    tracks: list[SourceTrack] = []
    skipped = 0
    max_pages = settings.max_tracks // PAGE_SIZE + 2
    for page_number in range(max_pages):
        answer = await fetch(
            http,
            "GET",
            url,
            what=what,
            max_bytes=settings.max_bytes,
            headers=auth,
            params=params,
        )
        if answer.status == 404 and page_number == 0 and url.endswith("/items"):
            url = f"{api}/v1/playlists/{playlist_id}/tracks"  # the API before /items
            answer = await fetch(
                http,
                "GET",
                url,
                what=what,
                max_bytes=settings.max_bytes,
                headers=auth,
                params=params,
            )
        refuse(answer, what)
        try:
            page, next_url = read_page(answer_json(answer, what), settings.max_tracks)
        except ShapeError as exc:
            raise malformed(what, exc) from None
        for track in page:
            if track is None:
                skipped += 1
            else:
                tracks.append(track)
        check_count(len(tracks), settings.max_tracks)
        if not next_url or not page:
            break
        if not same_origin(next_url, api):
            raise SourceFailed(f"{what}: the next page is on another server")
        url, params = next_url, None
    else:
        raise SourceFailed(f"{what}: still paging after {max_pages} pages")
    if skipped:
        log.info("%s: skipped %d entries without a track", what, skipped)
    return tuple(tracks)


def read_page(document: object, max_tracks: int) -> tuple[list[SourceTrack | None], str]:
    root = shape.obj(document, "(answer)")
    check_count(shape.count(root, "total", "(answer)"), max_tracks)  # fail before paging
    entries = shape.items(root.get("items"), "items")
    page = [entry_track(entry, f"items[{i}]") for i, entry in enumerate(entries)]
    return page, shape.text(root, "next", "(answer)")


def entry_track(value: object, path: str) -> SourceTrack | None:
    """The track of one playlist entry, or None for a removed track, an episode or a
    local file without a name."""
    entry = shape.obj(value, path)
    key = "item" if "item" in entry else "track"
    if entry.get(key) is None:
        return None
    path = f"{path}.{key}"
    track = shape.obj(entry[key], path)
    if track.get("type") == "episode":
        return None
    name = shape.text(track, "name", path)
    if not name:
        return None
    return SourceTrack(
        title=name,
        artists=artist_names(track, path),
        album=member_text(track, "album", "name", path),
        duration_ms=shape.count(track, "duration_ms", path),
        isrc=member_text(track, "external_ids", "isrc", path).upper().replace("-", ""),
    )


def member_text(track: dict[str, Any], member: str, key: str, path: str) -> str:
    """``track[member][key]`` as text; an absent or null member reads as ""."""
    value = track.get(member)
    if value is None:
        return ""
    return shape.text(shape.obj(value, f"{path}.{member}"), key, f"{path}.{member}")


def artist_names(track: dict[str, Any], path: str) -> tuple[str, ...]:
    value = track.get("artists")
    if value is None:
        return ()
    names = []
    for i, artist in enumerate(shape.items(value, f"{path}.artists")):
        name = shape.text(shape.obj(artist, f"{path}.artists[{i}]"), "name", f"{path}.artists[{i}]")
        if name:
            names.append(name)
    return tuple(names)


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is on the API server: the bearer token goes nowhere else."""
    first, second = httpx.URL(url), httpx.URL(base)
    return (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)


def refuse(answer: Answer, what: str) -> None:
    """Raise for a 4xx answer from the Web API (5xx and 429 were already Unavailable)."""
    if answer.status == 404:
        raise SourceFailed(
            f"{what} not found (playlists made by Spotify itself are not open to apps)"
        )
    if answer.status == 401:
        raise SourceFailed(f"{what}: Spotify refused the token made with {CLIENT_ID} (HTTP 401)")
    if answer.status == 403:
        raise SourceFailed(f"{what}: Spotify denied this app access (HTTP 403)")
    if answer.status >= 300:
        raise SourceFailed(f"{what}: Spotify answered HTTP {answer.status}")


def malformed(what: str, exc: ShapeError) -> SourceFailed:
    return SourceFailed(f"{what}: malformed answer: {exc.path}: {exc.problem}")
