"""The auto-enable policy: which automatic changes follow from a configuration change.

Pure. Rules (flow 1 of the design):

* With AUTO_ENABLE_LIBRARY_CACHE off, nothing happens automatically.
* A target whose client is enabled gets its library cache enabled (origin AUTO) unless the
  cache setting was ever set explicitly, by a user or by the environment: an explicit "off"
  is respected and never flipped back. Resetting the setting hands it back to the policy.
* The library_cache_builder is enabled while any cache is enabled and disabled when none
  is. A user's own choice for the builder stands until the set of enabled caches changes
  between on and off, which re-derives it.

The same rules run at start-up (before = after = the loaded state) and on every write.

Servers created with CreateServer follow the first two rules on their own fields
(``server_auto_cache``): a server whose client is enabled gets its library cache enabled
(origin AUTO) unless its cache flag was ever set by a user. The built-in servers "plex" and
"jellyfin" are the seed targets' settings, so the rules above already cover them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from common.config.registry import Registry
from common.domain import Command, Notification, Origin, Target
from config_svc.server_spec import Server

AUTO_ENABLE_KEY = "AUTO_ENABLE_LIBRARY_CACHE"


@dataclass(frozen=True)
class Stored:
    """A value stored in the database, who stored it and at which revision.

    A reset is stored as origin DEFAULT (so its revision is remembered) and reads as the
    registry default.
    """

    value: str
    origin: Origin
    mod_revision: int = 0


@dataclass(frozen=True)
class ConfigState:
    """Everything the policy reads: environment pins, stored values, the builder."""

    env: Mapping[str, str]
    stored: Mapping[str, Stored]
    builder: Command

    def effective(self, registry: Registry, key: str) -> tuple[str, Origin]:
        if key in self.env:
            return self.env[key], Origin.ENV
        stored = self.stored.get(key)
        if stored is not None and stored.origin is not Origin.DEFAULT:
            return stored.value, stored.origin
        return registry[key].default, Origin.DEFAULT

    def flag(self, registry: Registry, key: str) -> bool:
        return self.effective(registry, key)[0] == "true"


@dataclass(frozen=True)
class PolicyOutcome:
    """The automatic changes: settings to store, the builder's new state, what to tell."""

    settings: dict[str, Stored] = field(default_factory=dict)
    builder: Command | None = None
    notifications: tuple[Notification, ...] = ()


def _any_cache_on(registry: Registry, state: ConfigState, overrides: Mapping[str, Stored]) -> bool:
    for target in Target:
        key = target.cache_enabled_key
        if key in overrides and key not in state.env:
            if overrides[key].value == "true":
                return True
        elif state.flag(registry, key):
            return True
    return False


def auto_changes(
    registry: Registry,
    before: ConfigState,
    after: ConfigState,
    *,
    servers_before: bool = False,
    servers_after: bool = False,
) -> PolicyOutcome:
    """The automatic changes that ``after`` (the state with the caller's changes applied)
    calls for, given the state ``before`` them. ``servers_before``/``servers_after``: a
    created server's library cache was/is on (the builder follows every cache)."""
    if not after.flag(registry, AUTO_ENABLE_KEY):
        return PolicyOutcome()
    settings: dict[str, Stored] = {}
    notes: list[Notification] = []
    for target in Target:
        cache_key = target.cache_enabled_key
        value, origin = after.effective(registry, cache_key)
        if (
            after.flag(registry, target.client_enabled_key)
            and origin is Origin.DEFAULT
            and value != "true"
        ):
            settings[cache_key] = Stored("true", Origin.AUTO)
            notes.append(
                Notification(
                    "LIBRARY_CACHE_AUTO_ENABLED",
                    f"Library cache will be enabled automatically for {target.label}",
                    cache_key,
                )
            )

    was_on = servers_before or _any_cache_on(registry, before, {})
    now_on = servers_after or _any_cache_on(registry, after, settings)
    builder = after.builder
    new_builder: Command | None = None
    if builder.enabled != now_on and (
        builder.enabled_origin is not Origin.USER or was_on != now_on
    ):
        new_builder = replace(builder, enabled=now_on, enabled_origin=Origin.AUTO)
        notes.append(
            Notification(
                "CACHE_BUILDER_ENABLED" if now_on else "CACHE_BUILDER_DISABLED",
                f"The {builder.name} command was {'enabled' if now_on else 'disabled'} "
                f"because {'a library cache is' if now_on else 'no library cache is'} enabled",
                builder.name,
            )
        )
    return PolicyOutcome(settings, new_builder, tuple(notes))


def server_auto_cache(server: Server, auto_enable: bool) -> tuple[Server, Notification | None]:
    """The server with the library cache the policy enables, and what to tell; the server
    unchanged (and None) when the policy leaves it alone: AUTO_ENABLE_LIBRARY_CACHE off,
    the client off, the cache on already, or its flag a user's choice."""
    if (
        not auto_enable
        or server.built_in
        or not server.client_enabled
        or server.cache_enabled
        or server.cache_origin is not Origin.DEFAULT
    ):
        return server, None
    note = Notification(
        "LIBRARY_CACHE_AUTO_ENABLED",
        f"Library cache will be enabled automatically for the {server.kind.label} server "
        f"{server.name!r}",
        server.name,
    )
    return replace(server, cache_enabled=True, cache_origin=Origin.AUTO), note
