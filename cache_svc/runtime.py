"""Each server's library cache in this replica's memory, with what the parts of cache_svc
share about them (serving, the shared view, the claimer, the build runner): the followed
configuration and two signals, a status changed and a build may be claimed. A cache is
named by its server's name; the set of caches follows the configuration's servers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from cache_svc.build.progress import BuildProgress
from cache_svc.claims import Shared, building
from cache_svc.config_view import FollowedConfig, FollowedServer
from cache_svc.costs import StepCost
from common.config.registry import Registry
from common.matching import LibraryTrack, TrackIndex
from common.matching.image import FORMAT_VERSION
from common.notifier import VersionNotifier

NO_BUILD = Shared(wanted="", holder="", live=False)


@dataclass
class ServerRuntime:
    """One server's cache in this replica's memory."""

    server: str
    index: TrackIndex | None = None
    tracks: Sequence[LibraryTrack] = ()
    generation: int = 0
    built_at: int = 0
    library_names: tuple[str, ...] = ()
    changes_since: int = 0
    build_costs: tuple[StepCost, ...] = ()  # what the serving generation's build cost
    last_error: str = ""
    failed: bool = False
    memory_bytes: int = 0
    # The serving index's image format: one older than this version's is never refreshed
    # incrementally (it lacks what newer formats index, such as paths): its next build is full.
    format_version: int = 0
    build: asyncio.Task[None] | None = None
    progress: BuildProgress | None = None
    request_id: int = 0  # the config decision the local build serves
    shared: Shared = NO_BUILD  # the shared database's view of the build
    remote_progress: BuildProgress | None = None  # a build running on another replica
    touched: int = 0  # local changes, so a slower read of the database never undoes them

    @property
    def refreshable(self) -> bool:
        """An index a build may refresh incrementally: one of this version's format."""
        return self.index is not None and self.format_version == FORMAT_VERSION

    @property
    def building(self) -> bool:
        """A build of this server's cache runs in this replica."""
        return self.build is not None and not self.build.done()


class Runtimes:
    """Every server's runtime, the configuration they follow, and the signals: ``changed``
    wakes the status watchers, ``wake`` the claimer."""

    def __init__(self, registry: Registry, *, replica_id: str) -> None:
        self.registry = registry
        self.replica_id = replica_id
        self.config = FollowedConfig()
        self.applied_revision = 0
        self._by_server = {n: ServerRuntime(n) for n in self.config.server_names()}
        self.status_changes = VersionNotifier()
        self.claim_wakeups = VersionNotifier()

    def follow(self, config: FollowedConfig) -> list[ServerRuntime]:
        """Follow ``config``: a runtime for each server it has, none for the others;
        returns the runtimes of the servers it no longer has (their builds are the
        caller's to stop)."""
        self.config = config
        names = config.server_names()
        for name in names:
            if name not in self._by_server:
                self._by_server[name] = ServerRuntime(name)
        gone = [r for n, r in self._by_server.items() if n not in names]
        for runtime in gone:
            del self._by_server[runtime.server]
        return gone

    def __getitem__(self, server: str) -> ServerRuntime:
        return self._by_server[server]

    def get(self, server: str) -> ServerRuntime | None:
        return self._by_server.get(server)

    def names(self) -> list[str]:
        """The servers with a cache here, in the configuration's order."""
        return list(self._by_server)

    def items(self) -> list[tuple[str, ServerRuntime]]:
        """A copy: the servers may change while a caller awaits between them."""
        return list(self._by_server.items())

    def values(self) -> list[ServerRuntime]:
        return list(self._by_server.values())

    def server(self, name: str) -> FollowedServer | None:
        """The followed server ``name`` (None when there is none)."""
        return self.config.server(self.registry, name)

    def active(self, server: str) -> bool:
        """The server's client and cache are both enabled."""
        return self.config.active(self.registry, server)

    def setting(self, key: str) -> float:
        """A numeric setting of the followed configuration."""
        return self.config.number(self.registry, key)

    def building(self, server: str) -> bool:
        """BUILDING, as every replica shows it (``claims.building``)."""
        runtime = self._by_server[server]
        return building(runtime.shared, building_here=runtime.building, me=self.replica_id)

    def changed(self) -> None:
        """A status may have changed: wake its watchers."""
        self.status_changes.advance()

    def wake(self) -> None:
        """A build may be claimable: wake the claimer."""
        self.claim_wakeups.advance()
