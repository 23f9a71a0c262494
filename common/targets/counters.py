"""Requests counted by endpoint class, so a report can say what a sync cost the server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum


class EndpointClass(StrEnum):
    LIBRARY_LISTING = "library_listing"
    TRACK_PAGE = "track_page"
    SEARCH = "search"
    PLAYLIST_READ = "playlist_read"
    PLAYLIST_WRITE = "playlist_write"
    OTHER = "other"


@dataclass
class Tally:
    """The requests sent and response bytes received inside one ``tallying()`` block,
    by the task that opened it and the tasks it started."""

    requests: int = 0
    bytes: int = 0


# The open tallies of the running task: a context variable, so that steps running at once
# (each in its own task) keep their costs apart on one client's counter.
_TALLIES: ContextVar[tuple[Tally, ...]] = ContextVar("cmdarr_request_tallies", default=())


@contextmanager
def tallying() -> Iterator[Tally]:
    """Count what this task (and the tasks it starts) sends inside the block."""
    tally = Tally()
    token = _TALLIES.set((*_TALLIES.get(), tally))
    try:
        yield tally
    finally:
        _TALLIES.reset(token)


class RequestCounter:
    """Counts every HTTP request sent (retries included), how many were retries, and the
    response bytes received (bodies of successful answers).

    One per client; the caller reads ``snapshot()`` into its report and may ``reset()``.
    """

    def __init__(self) -> None:
        self._sent: dict[EndpointClass, int] = dict.fromkeys(EndpointClass, 0)
        self.retries = 0
        self.bytes_received = 0

    def count(self, endpoint: EndpointClass, *, retry: bool = False) -> None:
        self._sent[endpoint] += 1
        if retry:
            self.retries += 1
        for tally in _TALLIES.get():
            tally.requests += 1

    def received(self, size: int) -> None:
        self.bytes_received += size
        for tally in _TALLIES.get():
            tally.bytes += size

    def get(self, endpoint: EndpointClass) -> int:
        return self._sent[endpoint]

    @property
    def total(self) -> int:
        return sum(self._sent.values())

    def snapshot(self) -> dict[str, int]:
        return {endpoint.value: n for endpoint, n in self._sent.items()}

    def reset(self) -> None:
        for endpoint in self._sent:
            self._sent[endpoint] = 0
        self.retries = 0
        self.bytes_received = 0
