"""A ready client for a configured server (a built-in target from its settings, or any
server from its connection values): its own HTTP pool, limits from the settings."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import httpx

from common.config.values import SettingValues
from common.domain import ServerKind, Target
from common.targets.counters import RequestCounter
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


Instrument = Callable[[httpx.AsyncClient], None]


@cache
def default_tls() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR), made
    once per process and shared by every client, as ``verify=``. A client left to make its
    own loads the roots again: about 25 ms of CPU for each connection, more than the
    requests of a warm sync."""
    return httpx.create_ssl_context()


def connect(
    kind: ServerKind,
    *,
    url: str,
    token: str,
    settings: ClientSettings,
    user_id: str = "",
    instrument: Instrument | None = None,
    url_name: str = "the server's URL",
    counter: RequestCounter | None = None,
) -> Connection:
    """A client for a server of ``kind`` at ``url``. The URL must be set (``url_name``
    says what sets it); the token may be empty (the server will answer 401, reported as
    such). ``instrument`` sees the HTTP pool first (tracing: common/runtime/tracing.py
    ``Tracing.instrument_http``); ``counter`` counts its requests (a new one when None)."""
    if not url:
        raise ValueError(f"{url_name} is not set")
    limits = httpx.Limits(max_connections=max(4, settings.concurrency * 2))
    http = httpx.AsyncClient(
        base_url=url, limits=limits, timeout=settings.timeout_seconds, verify=default_tls()
    )
    if instrument is not None:
        instrument(http)
    client: PlexClient | JellyfinClient
    if kind is ServerKind.PLEX:
        client = PlexClient(http, token=token, settings=settings, counter=counter)
    else:
        client = JellyfinClient(
            http, token=token, user_id=user_id, settings=settings, counter=counter
        )
    return Connection(client, http)


def client_settings(settings: SettingValues) -> ClientSettings:
    """The request limits every target client runs with (TARGET_MAX_*, TARGET_TIMEOUT_*)."""
    return ClientSettings(
        requests_per_second=settings.number("TARGET_MAX_REQUESTS_PER_SECOND"),
        concurrency=settings.integer("TARGET_MAX_CONCURRENCY"),
        timeout_seconds=settings.number("TARGET_TIMEOUT_SECONDS"),
    )


def connect_server(
    kind: ServerKind,
    *,
    url: str,
    token: str,
    user_id: str,
    settings: SettingValues,
    url_name: str,
    instrument: Instrument | None = None,
) -> Connection:
    """A client for a server given by its connection values (a created server's, or a
    built-in one's read from its settings), limited as the settings say. The token comes
    apart: config_svc reveals it for each use and it is never stored."""
    return connect(
        kind,
        url=url,
        token=token,
        user_id=user_id,
        instrument=instrument,
        settings=client_settings(settings),
        url_name=url_name,
    )


def connect_configured(
    target: Target, settings: SettingValues, *, token: str, instrument: Instrument | None = None
) -> Connection:
    """A client for ``target`` as the settings say: its URL, user and request limits."""
    user_key = target.user_id_key
    return connect_server(
        target.kind,
        url=settings.text(target.url_key),
        token=token,
        user_id=settings.text(user_key) if user_key else "",
        settings=settings,
        url_name=target.url_key,
        instrument=instrument,
    )
