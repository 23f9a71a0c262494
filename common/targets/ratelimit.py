"""A token bucket: at most ``rate`` requests per second on average, bursts up to ``burst``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class BucketState:
    """The arithmetic of the bucket, free of clocks and sleeping, so it is testable alone."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take one token at ``now``; return how long the caller must wait for it (0 = go).

        Tokens may go negative: a waiter has reserved a future token, so waiters queue
        in order without re-checking.
        """
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class TokenBucket:
    """Async rate limit; ``rate`` <= 0 means unlimited."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        size = burst if burst is not None else max(1.0, rate)
        self._state = BucketState(rate=rate, burst=size, tokens=size, stamp=clock())

    @property
    def unlimited(self) -> bool:
        return self._state.rate <= 0

    async def acquire(self) -> None:
        if self.unlimited:
            return
        wait = self._state.take(self._clock())
        if wait > 0:
            await self._sleep(wait)
