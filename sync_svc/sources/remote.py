"""One HTTP exchange with a remote source: body size capped while streaming, transport
failures and 5xx as Unavailable, and URLs shown without credentials or query strings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from common.errors import SourceFailed, SourceUnavailable
from sync_svc.sources.problems import SOURCE_REF, check_size, invalid


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    url: str  # where the body came from, after any redirect


async def fetch(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str | int] | None = None,
    data: Mapping[str, str] | None = None,
    auth: httpx.BasicAuth | None = None,
    follow_redirects: bool = False,
) -> Answer:
    """Send one request; ``what`` names the resource in every message ("ListenBrainz ...")."""
    try:
        async with http.stream(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
            follow_redirects=follow_redirects,
        ) as response:
            status = response.status_code
            if status >= 500:
                raise SourceUnavailable(f"{what}: the server answered HTTP {status}")
            if status == 429:
                after = response.headers.get("retry-after", "")
                hint = f"; retry after {after} s" if after.isdigit() else ""
                raise SourceUnavailable(f"{what}: the server is rate limiting (HTTP 429){hint}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit():
                check_size(int(declared), max_bytes, what)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                check_size(len(body), max_bytes, what)
            return Answer(
                status=status,
                content_type=response.headers.get("content-type", ""),
                body=bytes(body),
                url=str(response.url),
            )
    except httpx.TimeoutException:
        raise SourceUnavailable(f"{what}: the server did not answer in time") from None
    except httpx.TooManyRedirects:
        raise SourceFailed(f"{what}: too many redirects") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise invalid("is not a URL this service can fetch", SOURCE_REF) from None
    except httpx.TransportError as exc:
        raise SourceUnavailable(f"{what}: cannot reach the server ({type(exc).__name__})") from None


def answer_json(answer: Answer, what: str) -> object:
    """The body as JSON; anything else is FailedPrecondition (the source misbehaves)."""
    try:
        return json.loads(answer.body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise SourceFailed(f"{what}: the answer is not JSON") from None


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment: safe to show and to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
