"""A playlist's cover: the source's picture, fetched once per run, bounded in size and
time, and checked to be an image by its first bytes. Every failure is a ``CoverProblem``
the run reports as a warning, never a failed sync: the tracks are what the sync is for."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from common.targets.connect import default_tls

MAX_COVER_BYTES = 10 * 2**20  # Spotify's and Deezer's largest pictures are well under 1 MB
COVER_TIMEOUT = 15.0

# The formats both servers show, by their magic numbers.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class Cover:
    image: bytes
    content_type: str

    @property
    def key(self) -> str:
        """What the managed playlist keeps: the image's SHA-256 (an unchanged picture is
        never sent twice)."""
        return hashlib.sha256(self.image).hexdigest()


@dataclass(frozen=True)
class CoverProblem:
    """Why there is no cover to send, for the run's warnings."""

    message: str


def image_type(data: bytes) -> str | None:
    """The Content-Type of a JPEG, PNG, GIF or WebP by its first bytes; None otherwise."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def shown(url: str) -> str:
    """The URL as a warning may show it: no query string (it may carry a token)."""
    return url.split("?", 1)[0].split("#", 1)[0]


async def fetch_cover(
    http: httpx.AsyncClient, url: str, *, max_bytes: int = MAX_COVER_BYTES
) -> Cover | CoverProblem:
    """The picture at ``url``, read while streaming and dropped past ``max_bytes``."""
    where = shown(url)
    if not url.startswith(("http://", "https://")):
        return CoverProblem(f"cover: {where!r} is not an http(s) URL: not set")
    try:
        async with http.stream("GET", url, timeout=COVER_TIMEOUT) as answer:
            if answer.status_code >= 400:
                return CoverProblem(f"cover: {where} answered {answer.status_code}: not set")
            body = bytearray()
            async for chunk in answer.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    return CoverProblem(f"cover: {where} is over {max_bytes // 2**20} MB: not set")
    except httpx.HTTPError as exc:
        return CoverProblem(f"cover: {where} could not be fetched ({type(exc).__name__}): not set")
    data = bytes(body)
    content_type = image_type(data)
    if content_type is None:
        return CoverProblem(f"cover: {where} is not a JPEG, PNG, WebP or GIF image: not set")
    return Cover(data, content_type)


async def fetch_cover_at(url: str) -> Cover | CoverProblem:
    """``fetch_cover`` with a client of its own (redirects followed: image hosts use them)."""
    async with httpx.AsyncClient(follow_redirects=True, verify=default_tls()) as http:
        return await fetch_cover(http, url)


class RunCover:
    """A run's cover: fetched when the first destination asks, then the same for all
    (``got``: one the source read itself, never fetched)."""

    def __init__(
        self,
        url: str,
        fetch: Callable[[str], Awaitable[Cover | CoverProblem]] = fetch_cover_at,
        *,
        got: Cover | CoverProblem | None = None,
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._got: Cover | CoverProblem | None = got
        self._lock = asyncio.Lock()

    def fetched(self) -> Cover | None:
        """The cover, once a destination asked for it and it could be had."""
        return self._got if isinstance(self._got, Cover) else None

    async def get(self) -> Cover | CoverProblem:
        async with self._lock:
            if self._got is None:
                self._got = await self._fetch(self._url)
            return self._got
