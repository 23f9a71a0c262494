"""A ready Lidarr client from the settings: its own HTTP pool, the API key in the
X-Api-Key header, the shared transport's limits and bounded retries."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from common.config.values import SettingValues
from common.lidarr.client import LidarrClient
from common.targets.connect import Instrument, default_tls
from common.targets.retry import RetryPolicy
from common.targets.settings import ClientSettings
from common.targets.transport import Transport

# Reads are tried three times in all on a 429, a 5xx or a timeout; a POST only when
# Lidarr cannot have acted on it (common/targets/retry.py).
LIDARR_RETRY = RetryPolicy(max_tries=3, base_delay=0.25, max_delay=2.0, max_retry_after=10.0)


@dataclass
class LidarrConnection:
    client: LidarrClient
    http: httpx.AsyncClient

    async def close(self) -> None:
        await self.http.aclose()


def open_lidarr(
    url: str,
    api_key: str,
    *,
    settings: ClientSettings | None = None,
    instrument: Instrument | None = None,
) -> LidarrConnection:
    """A client for the Lidarr at ``url`` (which must be set). The key may be empty:
    Lidarr answers 401, reported as such."""
    if not url:
        raise ValueError("LIDARR_URL is not set")
    settings = settings or ClientSettings(timeout_seconds=15.0, retry=LIDARR_RETRY)
    http = httpx.AsyncClient(base_url=url, timeout=settings.timeout_seconds, verify=default_tls())
    if instrument is not None:
        instrument(http)
    headers = {"X-Api-Key": api_key, "Accept": "application/json"}
    transport = Transport(http=http, target="Lidarr", settings=settings, headers=headers)
    return LidarrConnection(LidarrClient(transport), http)


def lidarr_settings(settings: SettingValues) -> ClientSettings:
    """The request limits a hand-off runs with: the targets' rate and timeout, Lidarr's
    own bounded retries."""
    return ClientSettings(
        requests_per_second=settings.number("TARGET_MAX_REQUESTS_PER_SECOND"),
        concurrency=1,
        timeout_seconds=settings.number("TARGET_TIMEOUT_SECONDS"),
        retry=LIDARR_RETRY,
    )
