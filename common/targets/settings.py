"""How a client talks to its server: limits and sizes, passed in by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.targets.retry import RetryPolicy


@dataclass(frozen=True)
class ClientSettings:
    """Per-target knobs. ``page_size`` 500 is a size real Plex and Jellyfin servers serve
    without strain; ``url_limit`` keeps every URL under the ~8 KB proxies and servers take."""

    requests_per_second: float = 20.0
    burst: float | None = None
    concurrency: int = 4
    timeout_seconds: float = 30.0
    page_size: int = 500
    # Id sweeps ask for the fewest fields, so far larger pages stay light; 0 takes the
    # client's own size (Plex 25,000, Jellyfin 10,000). A server that serves fewer per page
    # is followed at its own size, and one that cannot answer a page in time is swept
    # again in ``page_size`` pages (common/targets/sweep.py).
    sweep_page_size: int = 0
    url_limit: int = 8000
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    client_name: str = "cmdarr"
    client_version: str = "0.1.0"
    device_id: str = "cmdarr"

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.sweep_page_size < 0:
            raise ValueError("sweep_page_size must be 0 (the client's own) or positive")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.url_limit < 256:
            raise ValueError("url_limit is too small to carry any request")
        if self.retry.max_tries < 1:
            raise ValueError("retry.max_tries must be at least 1")
