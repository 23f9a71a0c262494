"""A ready client for a configured target: its own HTTP pool, limits from the settings."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from common.model import Target
from common.targets.jellyfin import JellyfinClient
from common.targets.plex import PlexClient
from common.targets.settings import ClientSettings


@dataclass
class Connection:
    """A client and the HTTP pool it owns; close() when done."""

    client: PlexClient | JellyfinClient
    http: httpx.AsyncClient

    async def close(self) -> None:
        await self.http.aclose()


def connect(
    target: Target, *, url: str, token: str, settings: ClientSettings, user_id: str = ""
) -> Connection:
    """A client for ``target`` at ``url``. The URL must be set; the token may be empty
    (the server will answer 401, reported as such)."""
    if not url:
        raise ValueError(f"{target.name}_URL is not set")
    limits = httpx.Limits(max_connections=max(4, settings.concurrency * 2))
    http = httpx.AsyncClient(base_url=url, limits=limits, timeout=settings.timeout_seconds)
    client: PlexClient | JellyfinClient
    if target is Target.PLEX:
        client = PlexClient(http, token=token, settings=settings)
    else:
        client = JellyfinClient(http, token=token, user_id=user_id, settings=settings)
    return Connection(client, http)


def client_settings(
    requests_per_second: float, concurrency: int, timeout_seconds: float
) -> ClientSettings:
    return ClientSettings(
        requests_per_second=requests_per_second,
        concurrency=concurrency,
        timeout_seconds=timeout_seconds,
    )
