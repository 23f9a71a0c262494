"""Deezer: a public playlist by id or www.deezer.com link, read through Deezer's public API
without a token (docs/TARGETS.md lists the facts and their sources).

``GET /playlist/{id}`` gives the title and ``nb_tracks``; its embedded ``tracks.data`` may
be partial, so the tracks come from ``GET /playlist/{id}/tracks?index=&limit=``, page by
page, each next ``index`` taken from the page's ``next`` (a page may hold fewer entries
than asked). Those entries carry no ISRC and a single artist: asking ``/track/{id}`` for
each would cost one request per track against a quota of about 50 requests in 5 seconds,
so a playlist costs 1 + ceil(n / 100) requests and the ISRC is read only where an entry
has one. Deezer answers its errors with HTTP 200 and ``{"error": {"type", "message",
"code"}}``: the quota (4) and "service busy" (700) are retried a bounded number of times,
the rest end the read naming the cause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from common.errors import ServiceError, SourceFailed, SourceUnavailable
from common.source_refs import deezer_playlist_id
from sync_svc.sources import shape
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings, SourceTrack
from sync_svc.sources.problems import SOURCE_REF, ShapeError, check_count, invalid
from sync_svc.sources.remote import answer_json, fetch, public_url

log = logging.getLogger(__name__)

API_SETTING = "DEEZER_API_URL"
PAGE_SIZE = 100
# Deezer's error codes (developers.deezer.com/api/errors, as quoted by clients; the
# exceptions deezer-py raises for each in deezer/api.py API.api_call).
QUOTA = 4
PERMISSION = 200
SERVICE_BUSY = 700
DATA_NOT_FOUND = 800
RETRIED = frozenset({QUOTA, SERVICE_BUSY})
MAX_SHOWN = 200  # characters of Deezer's own error message kept in ours


@dataclass(frozen=True)
class DeezerError:
    """The error object Deezer answers with HTTP 200."""

    code: int
    type: str
    message: str

    def shown(self) -> str:
        text = " ".join(f"{self.type} {self.code}: {self.message}".split())
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def playlist_id(ref: str) -> str:
    try:
        return deezer_playlist_id(ref)
    except ValueError as exc:
        raise invalid(str(exc), SOURCE_REF) from None


async def load_deezer_playlist(
    ref: str, *, http: httpx.AsyncClient, settings: SourceSettings
) -> SourcePlaylist:
    ident = playlist_id(ref)
    reader = Reader(http, settings, f"Deezer playlist {ident}")
    api = settings.deezer_api.rstrip("/")
    head = await reader.get(f"{api}/playlist/{ident}")
    try:
        title, count = playlist_head(head)
        description, image_url = playlist_looks(head)
    except ShapeError as exc:
        raise reader.malformed(exc) from None
    check_count(count, settings.max_tracks)  # refuse before paging
    tracks = await reader.tracks(f"{api}/playlist/{ident}/tracks")
    log.info(
        "%s: %d tracks in %d requests (%d of them retries)",
        reader.what, len(tracks), reader.requests, reader.retries,
    )  # fmt: skip
    return SourcePlaylist(
        title=title or reader.what,
        tracks=tracks,
        origin=reader.what,
        description=description,
        image_url=image_url,
    )


class Reader:
    """The requests of one playlist's read: each answer checked for Deezer's error object,
    the quota retried with the settings' waits, and every request counted."""

    def __init__(self, http: httpx.AsyncClient, settings: SourceSettings, what: str) -> None:
        self._http = http
        self._settings = settings
        self.what = what
        self.requests = 0
        self.retries = 0

    async def get(self, url: str, params: Mapping[str, str | int] | None = None) -> object:
        """The JSON of a successful answer; a refusal raises, naming its cause."""
        delays = self._settings.deezer_retry_delays
        for attempt in range(len(delays) + 1):
            self.requests += 1
            answer = await fetch(
                self._http,
                "GET",
                url,
                what=self.what,
                max_bytes=self._settings.max_bytes,
                params=params,
            )
            if answer.status >= 300:
                # Deezer answers its own errors with HTTP 200 (and 5xx and 429 were
                # already Unavailable): something else answered.
                raise SourceFailed(
                    f"{self.what}: the API at {public_url(self._settings.deezer_api)} "
                    f"answered HTTP {answer.status}; check {API_SETTING}"
                )
            document = answer_json(answer, self.what)
            try:
                error = error_of(document)
            except ShapeError as exc:
                raise self.malformed(exc) from None
            if error is None:
                return document
            if error.code not in RETRIED or attempt == len(delays):
                raise refusal(error, self.what, attempts=attempt + 1)
            log.warning(
                "%s: Deezer answered %s; retrying in %.1f s", self.what, error.shown(),
                delays[attempt],
            )  # fmt: skip
            self.retries += 1
            await asyncio.sleep(delays[attempt])
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def tracks(self, url: str) -> tuple[SourceTrack, ...]:
        """Every page of ``url``, following each page's ``next`` index, at most
        ``max_tracks / PAGE_SIZE + 2`` pages."""
        max_tracks = self._settings.max_tracks
        max_pages = max_tracks // PAGE_SIZE + 2
        tracks: list[SourceTrack] = []
        skipped = 0
        index = 0
        for _ in range(max_pages):
            document = await self.get(url, {"index": index, "limit": PAGE_SIZE})
            try:
                page, total, following = tracks_page(document)
            except ShapeError as exc:
                raise self.malformed(exc) from None
            check_count(total, max_tracks)
            for track in page:
                if track is None:
                    skipped += 1
                else:
                    tracks.append(track)
            check_count(len(tracks), max_tracks)
            if following is None:
                break
            if following <= index:
                raise self.malformed(ShapeError("(answer).next", f"goes back to index {following}"))
            index = following
        else:
            raise SourceFailed(f"{self.what}: still paging after {max_pages} pages")
        if skipped:
            log.info("%s: skipped %d entries that are not tracks", self.what, skipped)
        return tuple(tracks)

    def malformed(self, exc: ShapeError) -> SourceFailed:
        return SourceFailed(f"{self.what}: malformed answer: {exc.path}: {exc.problem}")


def error_of(document: object) -> DeezerError | None:
    """Deezer's error object in an answer, if it is one."""
    if not isinstance(document, dict) or "error" not in document:
        return None
    error = shape.obj(document["error"], "(answer).error")
    return DeezerError(
        code=shape.count(error, "code", "(answer).error"),
        type=shape.text(error, "type", "(answer).error"),
        message=shape.text(error, "message", "(answer).error"),
    )


def refusal(error: DeezerError, what: str, *, attempts: int) -> ServiceError:
    """The domain error for a Deezer error object: what went wrong, and what to do."""
    said = f"(Deezer: {error.shown()})"
    if error.code in RETRIED:
        return SourceUnavailable(
            f"{what}: Deezer is rate limiting or busy, still after {attempts} attempts; "
            f"try again later {said}"
        )
    if error.code == DATA_NOT_FOUND:
        return SourceFailed(f"{what} does not exist: check {SOURCE_REF} {said}")
    if error.code == PERMISSION:
        return SourceFailed(
            f"{what} is private: Deezer's public API serves public playlists only; make it "
            f"public in Deezer, or export it to a file {said}"
        )
    return SourceFailed(f"{what}: Deezer refused the request {said}")


def playlist_head(document: object) -> tuple[str, int]:
    """The title and the announced track count of ``GET /playlist/{id}``."""
    root = shape.obj(document, "(answer)")
    return shape.text(root, "title", "(answer)"), shape.count(root, "nb_tracks", "(answer)")


def playlist_looks(document: object) -> tuple[str, str]:
    """The description and the largest picture of ``GET /playlist/{id}``: ``picture_xl``
    (1000 x 1000), else ``picture_big`` (500 x 500), as browniebroke/deezer-python's
    recorded ``TestPlaylist`` answers carry them."""
    root = shape.obj(document, "(answer)")
    picture = shape.text(root, "picture_xl", "(answer)") or shape.text(
        root, "picture_big", "(answer)"
    )
    return shape.text(root, "description", "(answer)"), picture


def tracks_page(document: object) -> tuple[list[SourceTrack | None], int, int | None]:
    """A page's entries (None for one that is no track), the total, and the next page's
    index (None on the last page)."""
    root = shape.obj(document, "(answer)")
    entries = shape.items(root.get("data"), "(answer).data")
    page = [entry_track(entry, f"(answer).data[{i}]") for i, entry in enumerate(entries)]
    total = shape.count(root, "total", "(answer)")
    following = shape.text(root, "next", "(answer)")
    return page, total, next_index(following) if following else None


def next_index(url: str) -> int:
    """The ``index`` of a ``next`` URL. Only the index is used: the next request goes to
    the configured API, whatever host Deezer's URL names."""
    values = parse_qs(urlsplit(url).query).get("index", [])
    if len(values) != 1 or not values[0].isdigit():
        raise ShapeError("(answer).next", "names no index")
    return int(values[0])


def entry_track(value: object, path: str) -> SourceTrack | None:
    """One playlist entry as a track; None for an entry of another type or without a title."""
    entry = shape.obj(value, path)
    if entry.get("type", "track") != "track":
        return None
    title = full_title(entry, path)
    if not title:
        return None
    artist = member_text(entry, "artist", "name", path)
    return SourceTrack(
        title=title,
        artists=(artist,) if artist else (),
        album=member_text(entry, "album", "title", path),
        duration_ms=shape.count(entry, "duration", path) * 1000,
        isrc=shape.text(entry, "isrc", path).upper().replace("-", ""),
    )


def full_title(entry: dict[str, Any], path: str) -> str:
    """``title`` is ``title_short`` and ``title_version`` ("Roses (Imanbek Remix)"), as the
    matcher reads a version (a Spotify name carries it as " - Remastered 2011"). The
    version is added when ``title`` lacks it, and the parts stand in for a missing title."""
    title = shape.text(entry, "title", path)
    version = shape.text(entry, "title_version", path)
    if not title:
        title = shape.text(entry, "title_short", path)
    if version and version.casefold() not in title.casefold():
        title = f"{title} {version}".strip()
    return title


def member_text(entry: dict[str, Any], member: str, key: str, path: str) -> str:
    """``entry[member][key]`` as text; an absent or null member reads as ""."""
    value = entry.get(member)
    if value is None:
        return ""
    return shape.text(shape.obj(value, f"{path}.{member}"), key, f"{path}.{member}")
