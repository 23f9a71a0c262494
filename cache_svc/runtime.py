"""Each target's library cache in this replica's memory, with what the parts of cache_svc
share about them (serving, the shared view, the claimer, the build runner): the followed
configuration and two signals, a status changed and a build may be claimed."""

from __future__ import annotations

import asyncio
from collections.abc import ItemsView, Sequence, ValuesView
from dataclasses import dataclass

from cache_svc.build.progress import BuildProgress
from cache_svc.claims import Shared, building
from cache_svc.config_view import FollowedConfig
from cache_svc.costs import StepCost
from common.config.registry import Registry
from common.domain import Target
from common.matching import LibraryTrack, TrackIndex
from common.notifier import VersionNotifier

NO_BUILD = Shared(wanted="", holder="", live=False)


@dataclass
class TargetRuntime:
    """One target's cache in this replica's memory."""

    target: Target
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
    build: asyncio.Task[None] | None = None
    progress: BuildProgress | None = None
    request_id: int = 0  # the config decision the local build serves
    shared: Shared = NO_BUILD  # the shared database's view of the build
    remote_progress: BuildProgress | None = None  # a build running on another replica
    touched: int = 0  # local changes, so a slower read of the database never undoes them

    @property
    def building(self) -> bool:
        """A build of this target runs in this replica."""
        return self.build is not None and not self.build.done()


class Runtimes:
    """Every target's runtime, the configuration they follow, and the signals: ``changed``
    wakes the status watchers, ``wake`` the claimer."""

    def __init__(self, registry: Registry, *, replica_id: str) -> None:
        self.registry = registry
        self.replica_id = replica_id
        self.config = FollowedConfig()
        self.applied_revision = 0
        self._by_target = {t: TargetRuntime(t) for t in Target}
        self.status_changes = VersionNotifier()
        self.claim_wakeups = VersionNotifier()

    def __getitem__(self, target: Target) -> TargetRuntime:
        return self._by_target[target]

    def items(self) -> ItemsView[Target, TargetRuntime]:
        return self._by_target.items()

    def values(self) -> ValuesView[TargetRuntime]:
        return self._by_target.values()

    def active(self, target: Target) -> bool:
        """The target's client and cache are both enabled."""
        return self.config.active(self.registry, target)

    def setting(self, key: str) -> float:
        """A numeric setting of the followed configuration."""
        return self.config.number(self.registry, key)

    def building(self, target: Target) -> bool:
        """BUILDING, as every replica shows it (``claims.building``)."""
        runtime = self._by_target[target]
        return building(runtime.shared, building_here=runtime.building, me=self.replica_id)

    def changed(self) -> None:
        """A status may have changed: wake its watchers."""
        self.status_changes.advance()

    def wake(self) -> None:
        """A build may be claimable: wake the claimer."""
        self.claim_wakeups.advance()
