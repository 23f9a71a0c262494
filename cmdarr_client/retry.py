"""How often, and how patiently, the client tries a call again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Retry:
    """Attempts and backoff for calls that are safe to repeat and for watch reconnects.

    A read that answers UNAVAILABLE is tried again up to ``attempts`` times in all (the
    channel's service config has already tried the other replicas quickly; this outlasts a
    short outage). A watch reconnects up to ``attempts`` times in a row without receiving
    anything. Delays grow from ``initial_backoff`` to ``max_backoff`` with full jitter."""

    attempts: int = 5
    initial_backoff: float = 0.2
    max_backoff: float = 2.0
    multiplier: float = 2.0
    jitter: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed attempts in a row (1 or more)."""
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier ** max(failures - 1, 0))
        return self.jitter.uniform(cap / 2, cap)
