"""How the stored rows and the environment read: effective settings, setting states as
callers see them, and the typed ConfigView the warning rules take."""

from __future__ import annotations

from collections.abc import Mapping

from common.config.registry import Registry
from common.domain import BUILDER_NAME, Command, ConfigView
from config_svc.events import SettingState
from config_svc.policy import ConfigState, Stored


class ConfigViews:
    """Reads of a state; ``env`` holds the settings pinned by the environment."""

    def __init__(self, registry: Registry, env: Mapping[str, str]) -> None:
        self.registry = registry
        self.env: Mapping[str, str] = dict(env)

    def state(self, stored: Mapping[str, Stored], commands: Mapping[str, Command]) -> ConfigState:
        return ConfigState(self.env, stored, commands[BUILDER_NAME])

    def setting(self, state: ConfigState, key: str) -> SettingState:
        value, origin = state.effective(self.registry, key)
        stored = state.stored.get(key)
        secret = self.registry[key].secret
        return SettingState(
            key=key,
            value="" if secret else value,
            origin=origin,
            mod_revision=stored.mod_revision if stored else 0,
            is_set=bool(value),
        )

    def config_view(
        self, stored: Mapping[str, Stored], commands: Mapping[str, Command]
    ) -> ConfigView:
        state = self.state(stored, commands)
        typed = {
            spec.key: spec.parse(state.effective(self.registry, spec.key)[0])
            for spec in self.registry
        }
        return ConfigView(typed, tuple(commands[name] for name in sorted(commands)))
