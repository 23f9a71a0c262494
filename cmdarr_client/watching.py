"""The rules of the watches, shared by Client and AsyncClient: what to ask for when a
stream (re)starts, what a message means, when a watch is over, and which failure ends it.

``ConfigWatch`` follows etcd's watch contract: it remembers the last revision it yielded,
resumes after it, drops anything at or below it (a replica may replay a revision), and
starts again from a snapshot when that revision was compacted away.
"""

from __future__ import annotations

from collections.abc import Collection

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb

from cmdarr_client.errors import (
    CacheBuildFailed,
    CmdarrError,
    DeadlineExceeded,
    RevisionCompacted,
    Unavailable,
)
from cmdarr_client.events import ConfigChange, ConfigProgress, ConfigSnapshot, ConfigWatchEvent
from cmdarr_client.requests import status_server

# A build ends in one of these; DISABLED means the cache was turned off while building.
CACHE_SETTLED = frozenset(
    {
        cache_pb.CACHE_STATE_READY,
        cache_pb.CACHE_STATE_STALE,
        cache_pb.CACHE_STATE_FAILED,
        cache_pb.CACHE_STATE_DISABLED,
    }
)
CACHE_USABLE = frozenset({cache_pb.CACHE_STATE_READY, cache_pb.CACHE_STATE_STALE})
SYNC_ENDED = frozenset(
    {sync_pb.SYNC_STATE_SUCCEEDED, sync_pb.SYNC_STATE_FAILED, sync_pb.SYNC_STATE_INTERRUPTED}
)


def resumable(error: CmdarrError) -> bool:
    """Whether a watch stream that failed this way is worth opening again: the replica went
    away (UNAVAILABLE), or the stream outlived its own deadline."""
    return isinstance(error, Unavailable | DeadlineExceeded)


class ConfigWatch:
    """The position of one ``watch_config()`` across its streams."""

    def __init__(self, after_revision: int, *, progress: bool, progress_interval_ms: int) -> None:
        self.revision = after_revision
        self._progress = progress
        self._interval = progress_interval_ms
        self._compacted = False

    def request(self) -> pb.WatchConfigRequest:
        return pb.WatchConfigRequest(
            after_revision=self.revision, progress_interval_ms=self._interval
        )

    def accept(self, message: pb.WatchConfigResponse) -> ConfigWatchEvent | None:
        """The event to yield for ``message``, or None (a duplicate, or unasked progress)."""
        if message.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT:
            self.revision = message.revision
            compacted, self._compacted = self._compacted, False
            snapshot = message.snapshot
            return ConfigSnapshot(
                message.revision,
                tuple(snapshot.settings),
                tuple(snapshot.commands),
                tuple(snapshot.match_overrides),
                compacted,
            )
        if message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            if message.revision <= self.revision:
                return None
            self.revision = message.revision
            return ConfigChange(message.revision, tuple(message.events))
        if message.kind == pb.WATCH_RESPONSE_KIND_PROGRESS and self._progress:
            return ConfigProgress(message.revision)
        return None

    def failed(self, error: CmdarrError) -> bool:
        """True when the watch goes on after ``error`` (from a snapshot when the revision was
        compacted; else from the last revision, after a backoff); False when it must end."""
        if isinstance(error, RevisionCompacted):
            self.revision = 0
            self._compacted = True
            return True
        return resumable(error)


class CacheWatch:
    """Which servers' caches a watch waits for, by name; it is over once each has
    settled."""

    def __init__(self, servers: Collection[str]) -> None:
        self._servers = frozenset(servers)
        self._waiting = set(servers)
        self._follow = not self._servers

    def wanted(self, status: cache_pb.CacheStatus) -> bool:
        return self._follow or status_server(status) in self._servers

    def accept(self, status: cache_pb.CacheStatus) -> None:
        if status.state in CACHE_SETTLED:
            self._waiting.discard(status_server(status))

    @property
    def over(self) -> bool:
        return not self._follow and not self._waiting


def settled_usable(status: cache_pb.CacheStatus) -> bool:
    """For wait_for_cache: True once the cache is usable; CacheBuildFailed when its build
    failed; False while it is disabled, empty or building."""
    if status.state in CACHE_USABLE:
        return True
    if status.state == cache_pb.CACHE_STATE_FAILED:
        raise CacheBuildFailed(status)
    return False
