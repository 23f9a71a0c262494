"""How the stored rows and the environment read: effective settings, setting states as
callers see them, and the typed ConfigView the warning rules take."""

from __future__ import annotations

from collections.abc import Mapping

from common.config.registry import Registry
from common.domain import BUILDER_NAME, Command, ConfiguredServer, ConfigView
from config_svc.events import SettingState
from config_svc.policy import ConfigState, Stored
from config_svc.server_spec import BUILTIN, KIND_OF_TARGET, Server


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
        self,
        stored: Mapping[str, Stored],
        commands: Mapping[str, Command],
        servers: Mapping[str, Server] | None = None,
    ) -> ConfigView:
        """``servers``: the created servers (the built-in ones are in the settings)."""
        state = self.state(stored, commands)
        typed = {
            spec.key: spec.parse(state.effective(self.registry, spec.key)[0])
            for spec in self.registry
        }
        created = tuple(
            ConfiguredServer(s.name, s.kind, s.client_enabled, s.cache_enabled)
            for s in sorted((servers or {}).values(), key=lambda s: s.name)
        )
        return ConfigView(typed, tuple(commands[name] for name in sorted(commands)), created)

    def builtin_servers(
        self, stored: Mapping[str, Stored], commands: Mapping[str, Command]
    ) -> dict[str, Server]:
        """The servers "plex" and "jellyfin" as their settings define them, tokens
        included; mod_revision is the newest revision of those settings, token_revision
        that of the token setting (0 when only the environment or nobody set it)."""
        state = self.state(stored, commands)
        out = {}
        for name, target in BUILTIN.items():
            keys = (target.client_enabled_key, target.cache_enabled_key, *target.connection_keys)
            value = {key: state.effective(self.registry, key)[0] for key in keys}
            cache_origin = state.effective(self.registry, target.cache_enabled_key)[1]
            revisions = [stored[key].mod_revision for key in keys if key in stored]
            names = value[target.library_names_key]
            out[name] = Server(
                name=name,
                kind=KIND_OF_TARGET[target],
                url=value[target.url_key],
                library_names=tuple(names.split(",")) if names else (),
                client_enabled=value[target.client_enabled_key] == "true",
                cache_enabled=value[target.cache_enabled_key] == "true",
                cache_origin=cache_origin,
                jellyfin_user_id=value[target.user_id_key] if target.user_id_key else "",
                built_in=True,
                mod_revision=max(revisions, default=0),
                token_revision=stored[target.token_key].mod_revision
                if target.token_key in stored
                else 0,
            ).with_token(value[target.token_key])
        return out
