"""When to retry a request and how long to wait: pure functions, unit-tested alone."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses that mean the server did not act on the request, so even a POST may be resent.
NOT_PROCESSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded tries with exponential backoff and full jitter; Retry-After wins, capped."""

    max_tries: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, policy: RetryPolicy, rand: random.Random) -> float:
    """Full-jitter exponential backoff for the given 1-based attempt that just failed."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
    return rand.uniform(0.0, ceiling)


def is_retryable(
    status: int | None, timed_out: bool, connect_failed: bool, idempotent: bool
) -> bool:
    """Whether a failure may be retried at all. A request that never reached the server
    (connection refused) always may; one that may have been applied only if idempotent."""
    if connect_failed:
        return True
    if timed_out:
        return idempotent
    if status is None or status not in RETRYABLE_STATUSES:
        return False
    return idempotent or status in NOT_PROCESSED_STATUSES


def retry_delay(
    *,
    attempt: int,
    policy: RetryPolicy,
    rand: random.Random,
    status: int | None = None,
    timed_out: bool = False,
    connect_failed: bool = False,
    retry_after: str | None = None,
    idempotent: bool = True,
    now: datetime | None = None,
) -> float | None:
    """Seconds to wait before the next try, or None when the failure is final.

    ``attempt`` is the 1-based try that just failed. A non-idempotent request is resent only
    when the server cannot have acted on it (429, 503, connection refused). ``now`` is
    the caller's clock, for a Retry-After given as a date.
    """
    if attempt >= policy.max_tries:
        return None
    if not is_retryable(status, timed_out, connect_failed, idempotent):
        return None
    hinted = parse_retry_after(retry_after, now) if status in (429, 503) else None
    if hinted is not None:
        return min(hinted, policy.max_retry_after)
    return backoff_delay(attempt, policy, rand)
