"""Failed attempts per client address in a sliding window: over the limit, the address is
refused until its oldest failure leaves the window. Memory is bounded."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_FAILURES = 10
WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


class FailureLimiter:
    def __init__(
        self,
        *,
        limit: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._max_clients = max_clients
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str) -> deque[float]:
        found = self._failures.get(client)
        if found is None:
            return deque()
        horizon = self._clock() - self._window
        while found and found[0] <= horizon:
            found.popleft()
        if not found:
            del self._failures[client]
        return found

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= self._limit

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        recent = self._recent(client)
        if len(recent) < self._limit:
            return 0.0
        return max(0.0, recent[-self._limit] + self._window - self._clock())

    def failed(self, client: str) -> bool:
        """Record a failure; returns whether ``client`` is now blocked."""
        recent = self._recent(client)
        recent.append(self._clock())
        self._failures[client] = recent
        self._failures.move_to_end(client)
        while len(recent) > self._limit:
            recent.popleft()
        while len(self._failures) > self._max_clients:
            self._failures.popitem(last=False)
        return len(recent) >= self._limit


def peer_host(peer: str) -> str:
    """The client address of a gRPC peer (``ipv4:1.2.3.4:5``, ``ipv6:[::1]:5``)."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1:].partition("]")[0]
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return peer
