"""The key in force, checked in constant time, and the one it replaced during a short grace."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable

# After a rotation, inter-service gRPC calls already signed with the old key (and services
# that have not yet re-read the key) keep working this long. Browser sessions and HTTP
# bearer calls get no grace: a rotation ends them at once.
ROTATION_GRACE_SECONDS = 10.0
KEY_BYTES = 32  # 256 bits


def new_key() -> str:
    """A fresh random key (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(KEY_BYTES)


def same(given: str | bytes, expected: str | bytes) -> bool:
    """Constant-time comparison (the time does not tell how much of a guess was right)."""
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


class KeyRing:
    """The current key (None: no key required), and the previous one for a short grace."""

    def __init__(
        self,
        key: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        grace: float = ROTATION_GRACE_SECONDS,
    ) -> None:
        self._current = key or None
        self._previous: str | None = None
        self._previous_until = 0.0
        self._clock = clock
        self._grace = grace

    @property
    def required(self) -> bool:
        return self._current is not None

    def current(self) -> str | None:
        return self._current

    def replace(self, key: str) -> bool:
        """Put ``key`` in force; the old one stays valid for inter-service calls during the
        grace. Returns whether anything changed."""
        if not key or key == self._current:
            return False
        self._previous = self._current
        self._previous_until = self._clock() + self._grace
        self._current = key
        return True

    def accepts(self, given: str, *, allow_previous: bool = False) -> bool:
        if self._current is None:
            return True
        ok = same(given, self._current)
        if allow_previous and self._previous is not None and self._clock() < self._previous_until:
            ok = same(given, self._previous) | ok  # both compared, whatever the first says
        return ok
