"""The part of the configuration cache_svc follows, and the decisions a change calls for.

Pure: FollowedConfig is built from WatchConfig snapshots and events; ``decide`` compares
two of them. A cache belongs to a server, named as config_svc names it: the built-in
``plex`` and ``jellyfin`` are the PLEX_* and JELLYFIN_* settings, every other server is
followed from the snapshot's servers and the SERVER_PUT/SERVER_DELETED events.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import BUILDER_NAME, BUILTIN_SERVERS, ServerKind, builtin_target
from common.matching.override_json import override_from_dict, override_to_dict
from common.matching.overrides import MatchOverride, SourceKey


@dataclass(frozen=True)
class FollowedServer:
    """A server as a cache sees it: what identifies its libraries (the token as the
    revision that last changed it: cache_svc never holds a token) and whether its client
    and cache are on."""

    name: str
    kind: ServerKind
    url: str = ""
    library_names: tuple[str, ...] = ()
    client_enabled: bool = False
    cache_enabled: bool = False
    jellyfin_user_id: str = ""
    token_revision: int = 0

    @property
    def label(self) -> str:
        """How messages name it: "Plex" for a built-in server (as always), "Plex server
        'cabin'" for a created one."""
        target = builtin_target(self.name)
        return target.label if target is not None else f"{self.kind.label} server {self.name!r}"

    @property
    def connection(self) -> tuple[object, ...]:
        """What identifies the libraries being indexed; a change calls for a full rebuild."""
        return (
            self.kind,
            self.url,
            self.library_names,
            self.jellyfin_user_id,
            self.token_revision,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"kind": self.kind.value, "library_names": list(self.library_names)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FollowedServer:
        return cls(
            name=str(data["name"]),
            kind=ServerKind(data["kind"]),
            url=str(data.get("url", "")),
            library_names=tuple(data.get("library_names", ())),
            client_enabled=bool(data.get("client_enabled")),
            cache_enabled=bool(data.get("cache_enabled")),
            jellyfin_user_id=str(data.get("jellyfin_user_id", "")),
            token_revision=int(data.get("token_revision", 0)),
        )


@dataclass(frozen=True)
class FollowedConfig:
    """Effective setting values (secrets as the revision that last set them), whether
    the cache builder command is enabled, the match overrides by (server, key), and the
    created servers by name.

    ``follows_servers`` is false for a state stored before servers were followed: its
    follower starts over from a snapshot, which brings the servers created meanwhile."""

    values: Mapping[str, str] = field(default_factory=dict)
    revisions: Mapping[str, int] = field(default_factory=dict)
    builder_enabled: bool = False
    overrides: Mapping[tuple[str, SourceKey], MatchOverride] = field(default_factory=dict)
    servers: Mapping[str, FollowedServer] = field(default_factory=dict)
    follows_servers: bool = True

    def settings(self, registry: Registry) -> SettingValues:
        """The followed values, read as their types."""
        return SettingValues(registry, self.values)

    def flag(self, registry: Registry, key: str) -> bool:
        return self.settings(registry).flag(key)

    def number(self, registry: Registry, key: str) -> float:
        return self.settings(registry).number(key)

    def names(self, registry: Registry, key: str) -> tuple[str, ...]:
        return self.settings(registry).names(key)

    def server_names(self) -> tuple[str, ...]:
        """Every server: the built-in ones first, then the created ones by name."""
        created = sorted(n for n in self.servers if n not in BUILTIN_SERVERS)
        return (*BUILTIN_SERVERS, *created)

    def server(self, registry: Registry, name: str) -> FollowedServer | None:
        """The server ``name`` (a built-in one read from its settings); None when there
        is no such server."""
        target = builtin_target(name)
        if target is None:
            return self.servers.get(name)
        settings = self.settings(registry)
        return FollowedServer(
            name=name,
            kind=target.kind,
            url=settings.text(target.url_key),
            library_names=settings.names(target.library_names_key),
            client_enabled=settings.flag(target.client_enabled_key),
            cache_enabled=settings.flag(target.cache_enabled_key),
            jellyfin_user_id=settings.text(target.user_id_key) if target.user_id_key else "",
            token_revision=self.revisions.get(target.token_key, 0),
        )

    def active(self, registry: Registry, name: str) -> bool:
        """The cache of server ``name`` is to be built and served: the server exists and
        its cache and client are enabled."""
        server = self.server(registry, name)
        return server is not None and server.cache_enabled and server.client_enabled

    def connection(self, registry: Registry, name: str) -> tuple[object, ...]:
        """What identifies the libraries being indexed; a change calls for a rebuild.
        The token is represented by the revision that last changed it."""
        server = self.server(registry, name)
        return () if server is None else server.connection

    def to_json(self) -> str:
        return json.dumps(
            {
                "values": dict(self.values),
                "revisions": dict(self.revisions),
                "builder": self.builder_enabled,
                "overrides": [override_to_dict(o) for o in self.overrides.values()],
                "servers": [s.to_dict() for s in self.servers.values()],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> FollowedConfig:
        """Reads every stored form; one without "servers" predates followed servers."""
        data = json.loads(text)
        overrides = (override_from_dict(o) for o in data.get("overrides", ()))
        servers = (FollowedServer.from_dict(s) for s in data.get("servers", ()))
        return cls(
            data["values"],
            {k: int(v) for k, v in data["revisions"].items()},
            bool(data["builder"]),
            {o.ident: o for o in overrides},
            {s.name: s for s in servers},
            follows_servers="servers" in data,
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

    def without_override(self, server: str, key: SourceKey) -> FollowedConfig:
        return replace(
            self, overrides={i: o for i, o in self.overrides.items() if i != (server, key)}
        )

    def with_server(self, server: FollowedServer) -> FollowedConfig:
        """A created server, put; the built-in names are settings and never taken here."""
        if server.name in BUILTIN_SERVERS:
            return self
        return replace(self, servers={**self.servers, server.name: server})

    def without_server(self, name: str) -> FollowedConfig:
        return replace(self, servers={n: s for n, s in self.servers.items() if n != name})


class Action(enum.Enum):
    BUILD = "build"  # build now (immediate build on enablement, or a rebuild)
    DISABLE = "disable"  # stop serving (data kept)
    ENABLE = "enable"  # serve what is stored; build later on schedule
    DELETE = "delete"  # the server is gone: stop its build, forget its cache and its rows


@dataclass(frozen=True)
class Decision:
    server: str
    action: Action
    reason: str
    full: bool = False  # a full rebuild: the stored generation belongs to other libraries


def _every(configs: Iterable[FollowedConfig | None]) -> list[str]:
    names: dict[str, None] = {}
    for config in configs:
        if config is not None:
            names.update(dict.fromkeys(config.server_names()))
    return list(names)


def decide(registry: Registry, old: FollowedConfig | None, new: FollowedConfig) -> list[Decision]:
    """What a configuration change means for each server's cache."""
    decisions: list[Decision] = []
    immediate = new.flag(registry, "IMMEDIATE_CACHE_BUILD")
    for name in _every((old, new)):
        now_server = new.server(registry, name)
        if now_server is None:
            decisions.append(Decision(name, Action.DELETE, f"server {name!r} deleted"))
            continue
        label = now_server.label
        was = old is not None and old.active(registry, name)
        now = new.active(registry, name)
        if now and not was:
            action = Action.BUILD if immediate else Action.ENABLE
            decisions.append(Decision(name, action, f"{label} library cache enabled"))
        elif was and not now:
            decisions.append(Decision(name, Action.DISABLE, f"{label} library cache disabled"))
        elif (
            now
            and old is not None
            and old.connection(registry, name) != new.connection(registry, name)
        ):
            decisions.append(
                Decision(name, Action.BUILD, f"{label} server or libraries changed", full=True)
            )
    return decisions
