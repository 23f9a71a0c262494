"""The part of the configuration cache_svc follows, and the decisions a change calls for.

Pure: FollowedConfig is built from WatchConfig snapshots and events; ``decide`` compares
two of them.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import BUILDER_NAME, Target
from common.matching.override_json import override_from_dict, override_to_dict
from common.matching.overrides import MatchOverride, SourceKey


@dataclass(frozen=True)
class FollowedConfig:
    """Effective setting values (secrets as the revision that last set them), whether
    the cache builder command is enabled, and the match overrides by (target, key)."""

    values: Mapping[str, str] = field(default_factory=dict)
    revisions: Mapping[str, int] = field(default_factory=dict)
    builder_enabled: bool = False
    overrides: Mapping[tuple[Target, SourceKey], MatchOverride] = field(default_factory=dict)

    def settings(self, registry: Registry) -> SettingValues:
        """The followed values, read as their types."""
        return SettingValues(registry, self.values)

    def flag(self, registry: Registry, key: str) -> bool:
        return self.settings(registry).flag(key)

    def number(self, registry: Registry, key: str) -> float:
        return self.settings(registry).number(key)

    def names(self, registry: Registry, key: str) -> tuple[str, ...]:
        return self.settings(registry).names(key)

    def active(self, registry: Registry, target: Target) -> bool:
        """The cache of ``target`` is to be built and served: cache and client enabled."""
        return self.flag(registry, target.cache_enabled_key) and self.flag(
            registry, target.client_enabled_key
        )

    def connection(self, target: Target) -> tuple[str, ...]:
        """What identifies the libraries being indexed; a change calls for a rebuild.
        The token is represented by the revision that last changed it."""
        return tuple(
            f"{k}@{self.revisions.get(k, 0)}" if k == target.token_key else self.values.get(k, "")
            for k in target.connection_keys
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "values": dict(self.values),
                "revisions": dict(self.revisions),
                "builder": self.builder_enabled,
                "overrides": [override_to_dict(o) for o in self.overrides.values()],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> FollowedConfig:
        data = json.loads(text)
        overrides = (override_from_dict(o) for o in data.get("overrides", ()))
        return cls(
            data["values"],
            {k: int(v) for k, v in data["revisions"].items()},
            bool(data["builder"]),
            {o.ident: o for o in overrides},
        )

    def with_setting(self, key: str, value: str, revision: int) -> FollowedConfig:
        return replace(
            self, values={**self.values, key: value}, revisions={**self.revisions, key: revision}
        )

    def with_builder(self, name: str, enabled: bool) -> FollowedConfig:
        if name != BUILDER_NAME:
            return self
        return replace(self, builder_enabled=enabled)

    def with_override(self, override: MatchOverride) -> FollowedConfig:
        return replace(self, overrides={**self.overrides, override.ident: override})

    def without_override(self, target: Target, key: SourceKey) -> FollowedConfig:
        return replace(
            self, overrides={i: o for i, o in self.overrides.items() if i != (target, key)}
        )


class Action(enum.Enum):
    BUILD = "build"  # build now (immediate build on enablement, or a rebuild)
    DISABLE = "disable"  # stop serving (data kept)
    ENABLE = "enable"  # serve what is stored; build later on schedule


@dataclass(frozen=True)
class Decision:
    target: Target
    action: Action
    reason: str
    full: bool = False  # a full rebuild: the stored generation belongs to other libraries


def decide(registry: Registry, old: FollowedConfig | None, new: FollowedConfig) -> list[Decision]:
    """What a configuration change means for each target's cache."""
    decisions: list[Decision] = []
    immediate = new.flag(registry, "IMMEDIATE_CACHE_BUILD")
    for target in Target:
        was = old is not None and old.active(registry, target)
        now = new.active(registry, target)
        if now and not was:
            if immediate:
                decisions.append(
                    Decision(target, Action.BUILD, f"{target.label} library cache enabled")
                )
            else:
                decisions.append(
                    Decision(target, Action.ENABLE, f"{target.label} library cache enabled")
                )
        elif was and not now:
            decisions.append(
                Decision(target, Action.DISABLE, f"{target.label} library cache disabled")
            )
        elif now and old is not None and old.connection(target) != new.connection(target):
            decisions.append(
                Decision(
                    target, Action.BUILD, f"{target.label} server or libraries changed", full=True
                )
            )
    return decisions
