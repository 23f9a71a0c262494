"""A version counter that waiters can block on: the one way a service tells its watchers
"something changed, read again".

Watchers never receive the change itself from here: they remember the version they last
saw, wait until the counter moves past it, then read the current state (or the durable log).
So a slow watcher never grows a queue, and a wake-up can never be lost between a read and
the next wait. ``advance`` is synchronous, so callbacks on the event loop (a build's
progress, a run's message) can signal without spawning a task.
"""

from __future__ import annotations

import asyncio


class VersionNotifier:
    """A counter that only grows, and a wait until it grows past a seen value."""

    def __init__(self, start: int = 0) -> None:
        self._version = start
        self._moved = asyncio.Event()

    @property
    def version(self) -> int:
        return self._version

    def advance(self, to: int | None = None) -> int:
        """Move the counter to ``to`` (default: one more) and wake every waiter; a value
        not above the current one changes nothing. Returns the current version."""
        target = self._version + 1 if to is None else to
        if target > self._version:
            self._version = target
            self._moved.set()
            self._moved = asyncio.Event()
        return self._version

    async def wait_beyond(self, seen: int, patience: float) -> bool:
        """Wait up to ``patience`` seconds until the version exceeds ``seen``; False when it
        did not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        while self._version <= seen:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:  # not wait_for: on Python 3.11 it drops a cancel that lands with the wake-up
                async with asyncio.timeout(remaining):
                    await self._moved.wait()
            except TimeoutError:
                return self._version > seen
        return True
