"""A playlist file on the web: http(s) only, redirects followed, size capped."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from common.errors import SourceFailed
from sync_svc.sources.detect import parse_playlist
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings
from sync_svc.sources.problems import SOURCE_REF, invalid
from sync_svc.sources.remote import fetch, public_url


async def load_url(
    ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    parts = urlsplit(ref)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("must be an http:// or https:// URL", SOURCE_REF)
    what = f"URL {public_url(ref)}"
    # Credentials in the URL travel as a Basic auth header, never in the request line
    # (HTTP client logs show the whole URL).
    auth = None
    if parts.username is not None or parts.password is not None:
        auth = httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
        ref = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    answer = await fetch(
        http,
        "GET",
        ref,
        what=what,
        max_bytes=settings.max_bytes,
        auth=auth,
        follow_redirects=True,
    )
    if answer.status in (404, 410):
        raise SourceFailed(f"{what} not found (HTTP {answer.status})")
    if answer.status in (401, 403):
        raise SourceFailed(f"{what} refused access (HTTP {answer.status})")
    if answer.status >= 300:
        raise SourceFailed(f"{what} answered HTTP {answer.status}")
    path = unquote(urlsplit(answer.url).path)
    return parse_playlist(
        answer.body,
        where=what,
        max_tracks=settings.max_tracks,
        name=path,
        content_type=answer.content_type,
        default_title=PurePosixPath(path).stem,
    )
