"""ListenBrainz: a playlist by MBID (JSPF), or the newest playlist created for a user."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from common.errors import SourceFailed
from sync_svc.sources import shape
from sync_svc.sources.jspf import jspf_playlist
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings
from sync_svc.sources.problems import SOURCE_REF, ShapeError, invalid
from sync_svc.sources.remote import Answer, answer_json, fetch

TOKEN_SETTING = "LISTENBRAINZ_TOKEN"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PLAYLIST_URL = re.compile(rf"/playlist/({UUID})")
PAGE_SIZE = 100
MAX_PAGES = 20  # created-for playlists are few; ListenBrainz drops the old ones
OLDEST = datetime.min.replace(tzinfo=UTC)


def playlist_mbid(ref: str) -> str:
    """A playlist MBID from a bare UUID or a ``https://listenbrainz.org/playlist/<mbid>`` URL."""
    ref = ref.strip()
    if re.fullmatch(UUID, ref):
        return ref.lower()
    found = PLAYLIST_URL.search(ref) if "://" in ref else None
    if found:
        return found.group(1).lower()
    raise invalid("must be a ListenBrainz playlist MBID (a UUID) or its URL", SOURCE_REF)


async def load_listenbrainz_playlist(
    ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    mbid = playlist_mbid(ref)
    return await fetch_playlist(mbid, http, settings, origin=f"ListenBrainz playlist {mbid}")


async def load_created_for(
    ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    """``user`` (the newest playlist created for them) or ``user/Title Prefix``."""
    user, _, prefix = ref.strip().partition("/")
    user, prefix = user.strip(), prefix.strip()
    if not user:
        raise invalid("must be a ListenBrainz user name, optionally followed by /Title", SOURCE_REF)
    mbid = await newest_created_for(user, prefix, http, settings)
    origin = f"ListenBrainz playlist {mbid}, created for {user}"
    return await fetch_playlist(mbid, http, settings, origin=origin)


async def fetch_playlist(
    mbid: str, http: httpx.AsyncClient, settings: SourceSettings, *, origin: str
) -> SourcePlaylist:
    what = f"ListenBrainz playlist {mbid}"
    answer = await fetch(
        http,
        "GET",
        f"{settings.listenbrainz_api.rstrip('/')}/1/playlist/{mbid}",
        what=what,
        max_bytes=settings.max_bytes,
        headers=headers(settings),
    )
    refuse(answer, what, settings, not_found=f"{what} not found")
    document = answer_json(answer, what)
    try:
        return jspf_playlist(document, origin=origin, max_tracks=settings.max_tracks)
    except ShapeError as exc:
        raise SourceFailed(f"{what}: malformed answer: {exc.path}: {exc.problem}") from None


async def newest_created_for(
    user: str, prefix: str, http: httpx.AsyncClient, settings: SourceSettings
) -> str:
    """The MBID of the newest playlist created for ``user`` whose title starts with ``prefix``."""
    what = f"ListenBrainz playlists created for {user}"
    api = settings.listenbrainz_api.rstrip("/")
    url = f"{api}/1/user/{quote(user, safe='')}/playlists/createdfor"
    wanted = prefix.casefold()
    best: tuple[datetime, int, str] | None = None
    seen = 0
    for _ in range(MAX_PAGES):
        answer = await fetch(
            http,
            "GET",
            url,
            what=what,
            max_bytes=settings.max_bytes,
            headers=headers(settings),
            params={"count": PAGE_SIZE, "offset": seen},
        )
        refuse(answer, what, settings, not_found=f"ListenBrainz user {user} not found")
        try:
            page, total = created_for_page(answer_json(answer, what))
        except ShapeError as exc:
            raise SourceFailed(f"{what}: malformed answer: {exc.path}: {exc.problem}") from None
        for index, (title, date, mbid) in enumerate(page, start=seen):
            if title.casefold().startswith(wanted):
                # Newest first; among equal (or unknown) dates, the one listed first.
                candidate = (date, -index, mbid)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        seen += len(page)
        if not page or seen >= total:
            break
    if best is None:
        which = f" whose title starts with '{prefix}'" if prefix else ""
        raise SourceFailed(f"ListenBrainz has no playlist created for {user}{which}")
    return best[2]


def created_for_page(document: object) -> tuple[list[tuple[str, datetime, str]], int]:
    """(title, date, mbid) of each playlist on a page, and how many there are in all."""
    root = shape.obj(document, "(answer)")
    entries = shape.items(root.get("playlists"), "playlists")
    found = []
    for i, entry in enumerate(entries):
        path = f"playlists[{i}].playlist"
        playlist = shape.obj(shape.obj(entry, f"playlists[{i}]").get("playlist"), path)
        identifier = shape.text(playlist, "identifier", path, required=True)
        mbid = PLAYLIST_URL.search(identifier)
        if not mbid:
            raise ShapeError(f"{path}.identifier", "holds no playlist MBID")
        date = parse_date(shape.text(playlist, "date", path))
        found.append((shape.text(playlist, "title", path), date, mbid.group(1).lower()))
    total = shape.count(root, "playlist_count", "(answer)") if "playlist_count" in root else 0
    return found, total


def parse_date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return OLDEST
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def headers(settings: SourceSettings) -> dict[str, str]:
    if not settings.listenbrainz_token:
        return {}
    return {"Authorization": f"Token {settings.listenbrainz_token}"}


def refuse(answer: Answer, what: str, settings: SourceSettings, *, not_found: str) -> None:
    """Raise for a 4xx answer (5xx and 429 were already Unavailable)."""
    if answer.status == 404:
        raise SourceFailed(not_found)
    if answer.status in (401, 403):
        if settings.listenbrainz_token:
            raise SourceFailed(
                f"{what}: ListenBrainz refused {TOKEN_SETTING} (HTTP {answer.status})"
            )
        raise SourceFailed(
            f"{what}: ListenBrainz wants a user token (HTTP {answer.status}); set {TOKEN_SETTING}"
        )
    if answer.status >= 300:
        raise SourceFailed(f"{what}: ListenBrainz answered HTTP {answer.status}")
