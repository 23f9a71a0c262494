"""Domain vocabulary shared by every service: targets, commands, warnings."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class ServerKind(enum.Enum):
    """What software a server runs: the API cmdarr speaks to it."""

    PLEX = "plex"
    JELLYFIN = "jellyfin"

    @property
    def label(self) -> str:
        return "Plex" if self is ServerKind.PLEX else "Jellyfin"


class Target(enum.Enum):
    """The two seed targets. Each is also a built-in server of the same name: its
    PLEX_* or JELLYFIN_* settings (``BUILTIN_SERVERS``)."""

    PLEX = "plex"
    JELLYFIN = "jellyfin"

    @property
    def label(self) -> str:
        return "Plex" if self is Target.PLEX else "Jellyfin"

    @property
    def server_name(self) -> str:
        """The name of the built-in server this target is."""
        return self.value

    @property
    def kind(self) -> ServerKind:
        return ServerKind(self.value)

    @property
    def client_enabled_key(self) -> str:
        return f"{self.name}_CLIENT_ENABLED"

    @property
    def cache_enabled_key(self) -> str:
        return f"LIBRARY_CACHE_{self.name}_ENABLED"

    @property
    def url_key(self) -> str:
        return f"{self.name}_URL"

    @property
    def token_key(self) -> str:
        return f"{self.name}_TOKEN"

    @property
    def library_names_key(self) -> str:
        return f"{self.name}_LIBRARY_NAMES"

    @property
    def user_id_key(self) -> str | None:
        """Jellyfin acts on behalf of a user; Plex needs none."""
        return "JELLYFIN_USER_ID" if self is Target.JELLYFIN else None

    @property
    def connection_keys(self) -> tuple[str, ...]:
        """The settings that say which server and libraries this target is."""
        user = (self.user_id_key,) if self.user_id_key else ()
        return (self.url_key, self.token_key, self.library_names_key, *user)


# The built-in servers, by name: each is the settings of its seed target. Every other
# server is created with CreateServer.
BUILTIN_SERVERS: Mapping[str, Target] = {t.server_name: t for t in Target}


def builtin_target(server: str) -> Target | None:
    """The seed target a built-in server name stands for; None for a created server."""
    return BUILTIN_SERVERS.get(server)


@dataclass(frozen=True, order=True)
class Destination:
    """Where a playlist is written: a server by name, and a user on it ("" is the account
    of the server's own token: what a target has always meant)."""

    server: str
    user: str = ""

    @classmethod
    def of(cls, target: Target) -> Destination:
        """A target is the built-in server of its name, as the token's own account."""
        return cls(target.value)

    @property
    def target(self) -> Target | None:
        """The target this destination is, when it is one (a built-in server, no user)."""
        return None if self.user else BUILTIN_SERVERS.get(self.server)

    def __str__(self) -> str:
        return f"{self.server}:{self.user}" if self.user else self.server


def destinations_of(targets: Iterable[Target]) -> tuple[Destination, ...]:
    return tuple(Destination.of(t) for t in targets)


def targets_among(destinations: Iterable[Destination]) -> tuple[Target, ...]:
    """The destinations that are targets (a built-in server, its token's own account)."""
    return tuple(t for t in (d.target for d in destinations) if t is not None)


def servers_among(destinations: Iterable[Destination]) -> tuple[str, ...]:
    """The servers written to, each once, in the destinations' order."""
    return tuple(dict.fromkeys(d.server for d in destinations))


class CommandKind(enum.Enum):
    LIBRARY_CACHE_BUILDER = "library_cache_builder"
    PLAYLIST_SYNC = "playlist_sync"


class SourceKind(enum.Enum):
    FILE = "file"
    URL = "url"
    LISTENBRAINZ_PLAYLIST = "listenbrainz_playlist"
    LISTENBRAINZ_CREATED_FOR = "listenbrainz_created_for"
    SPOTIFY_PLAYLIST = "spotify_playlist"
    DEEZER_PLAYLIST = "deezer_playlist"
    SERVER_PLAYLIST = "server_playlist"  # a playlist on a configured Plex or Jellyfin server


class SyncMode(enum.Enum):
    """How a sync writes a playlist that exists: MIRROR makes it equal the source (adds,
    removes, reorders); APPEND only adds, at the end, what the source has and the playlist
    lacks, so whatever a user put there stays where it is."""

    MIRROR = "mirror"
    APPEND = "append"


class Origin(enum.Enum):
    """Who set a value: the registry default, the environment, a user, or the policy."""

    DEFAULT = "default"
    ENV = "env"
    USER = "user"
    AUTO = "auto"


BUILDER_NAME = "library_cache_builder"


@dataclass(frozen=True)
class Command:
    name: str
    kind: CommandKind
    source_kind: SourceKind | None = None
    source_ref: str = ""
    destinations: tuple[Destination, ...] = ()
    schedule: str = ""
    enabled: bool = True
    enabled_origin: Origin = Origin.USER
    playlist_title: str = ""
    create_revision: int = 0
    mod_revision: int = 0
    mode: SyncMode = SyncMode.MIRROR
    sync_note: bool = True  # the description's "Synced by cmdarr ..." line

    @property
    def targets(self) -> tuple[Target, ...]:
        return targets_among(self.destinations)

    @property
    def servers(self) -> tuple[str, ...]:
        return servers_among(self.destinations)


class FixAction(enum.Enum):
    ENABLE_LIBRARY_CACHE = "enable_library_cache"
    ENABLE_CACHE_BUILDER = "enable_cache_builder"
    BUILD_CACHE_NOW = "build_cache_now"
    DELETE_STALE_MATCH_OVERRIDES = "delete_stale_match_overrides"


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3


@dataclass(frozen=True)
class Fix:
    action: FixAction
    target: Target | None
    label: str
    # The server whose cache the fix enables or builds ("plex" for the Plex target); ""
    # when the fix is not about one server.
    server: str = ""


@dataclass(frozen=True)
class SetupWarning:
    """A condition of the setup (settings, commands, caches) that will make syncs slow or
    fail, with its one-click fix when there is one."""

    code: str
    severity: Severity
    message: str
    target: Target | None = None  # set for the built-in servers' warnings, as always
    command_names: tuple[str, ...] = ()
    fix: Fix | None = None
    server: str = ""  # the server the warning is about; "" when none


@dataclass(frozen=True)
class Notification:
    code: str
    message: str
    subject: str


class CacheState(enum.Enum):
    DISABLED = "disabled"
    EMPTY = "empty"
    BUILDING = "building"
    READY = "ready"
    STALE = "stale"
    FAILED = "failed"


@dataclass(frozen=True)
class CacheHealth:
    """What the warning rules need to know of one server's cache (``target``: a built-in
    server's seed target, named so for the wording users know)."""

    target: Target | None
    state: CacheState
    last_error: str = ""
    tracks_done: int = 0
    tracks_total: int = 0
    # The match overrides (as people read their keys) that pin an item the cache lacks.
    stale_overrides: tuple[str, ...] = ()
    server: str = ""  # the server's name; "" means the target's built-in server
    kind: ServerKind | None = None

    @property
    def server_name(self) -> str:
        return self.server or (self.target.server_name if self.target else "")


@dataclass(frozen=True)
class ConfiguredServer:
    """A created server as the warning rules read it (the built-in ones are settings)."""

    name: str
    kind: ServerKind
    client_enabled: bool = False
    cache_enabled: bool = False


def server_label(name: str, kind: ServerKind) -> str:
    """How messages name a server: "Plex" for the built-in one (the wording users know),
    "Plex server 'cabin'" for any other."""
    target = builtin_target(name)
    return target.label if target is not None else f"{kind.label} server {name!r}"


@dataclass(frozen=True)
class ConfigView:
    """The effective configuration the warning rules read: typed settings and commands."""

    settings: Mapping[str, object]
    commands: tuple[Command, ...] = field(default=())
    servers: tuple[ConfiguredServer, ...] = field(default=())  # the created ones

    def flag(self, key: str) -> bool:
        return bool(self.settings.get(key, False))

    def every_server(self) -> tuple[ConfiguredServer, ...]:
        """The built-in servers (from their settings), then the created ones by name."""
        builtin = tuple(
            ConfiguredServer(
                target.server_name,
                target.kind,
                self.flag(target.client_enabled_key),
                self.flag(target.cache_enabled_key),
            )
            for target in Target
        )
        created = sorted(
            (s for s in self.servers if s.name not in BUILTIN_SERVERS), key=lambda s: s.name
        )
        return (*builtin, *created)

    @property
    def builder(self) -> Command | None:
        return next((c for c in self.commands if c.kind is CommandKind.LIBRARY_CACHE_BUILDER), None)
