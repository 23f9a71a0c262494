"""Fan-out of committed revisions to watchers.

Watchers pull: each keeps its own position and reads what lies after it, from the recent
revisions held here when they cover it, else from the durable change log. A slow watcher
therefore never grows a queue and never misses a revision: it catches up from the log.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence

from common.notifier import VersionNotifier
from config_svc.events import Event

Batch = list[tuple[int, Sequence[Event]]]


class ChangeFeed:
    """The newest committed revisions, in memory, and a signal when a new one commits."""

    def __init__(self, capacity: int = 4096) -> None:
        self._recent: deque[tuple[int, Sequence[Event]]] = deque(maxlen=capacity)
        self._latest = VersionNotifier()

    def start_at(self, revision: int) -> None:
        """Set the revision already committed when the service starts."""
        self._latest.advance(to=revision)

    async def publish(self, revision: int, events: Sequence[Event]) -> None:
        """Record a committed revision with its events (this replica's own, or another's
        read from the log) and wake the watchers. A revision already recorded is ignored.
        Memory holds only an unbroken run of revisions: a gap starts a new run, and reads
        before it go to the log."""
        if revision <= self._latest.version and (
            not self._recent or revision <= self._recent[-1][0]
        ):
            return  # already recorded (read from the log before this replica published it)
        if self._recent and revision != self._recent[-1][0] + 1:
            self._recent.clear()  # a gap (written elsewhere): the log must serve older reads
        self._recent.append((revision, tuple(events)))
        self._latest.advance(to=revision)

    def note(self, revision: int) -> None:
        """Record that ``revision`` is committed (by another replica, or as read from the
        database) without its events: watchers wake and read it from the durable log."""
        self._latest.advance(to=revision)

    @property
    def latest(self) -> int:
        """The newest revision known to be committed."""
        return self._latest.version

    def recent_after(self, after: int, limit: int) -> Batch | None:
        """Up to ``limit`` revisions after ``after`` from memory; [] when there are none
        yet; None when memory does not reach back that far (read the log)."""
        if after >= self._latest.version:
            return []
        if not self._recent:
            return None
        first = self._recent[0][0]
        if not first <= after + 1 <= self._recent[-1][0]:
            return None
        start = after + 1 - first
        return list(itertools.islice(self._recent, start, start + limit))

    async def wait_beyond(self, revision: int, patience: float) -> bool:
        """Wait up to ``patience`` seconds for a revision newer than ``revision``; False
        when none committed."""
        return await self._latest.wait_beyond(revision, patience)
