"""The settings registry: every key's type, default, description, validation, secrecy.

Pure: parsing and validation only. Storage and precedence live in config_svc.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_VALUE_CHARS = 4096

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class ValueType(enum.Enum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STRING = "string"
    URL = "url"
    STRING_LIST = "string_list"


Value = bool | int | float | str | tuple[str, ...]


@dataclass(frozen=True)
class SettingSpec:
    """One setting: how to read, check and show its value."""

    key: str
    type: ValueType
    default: str
    description: str
    secret: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    pattern_hint: str = ""

    def canonical(self, raw: str) -> str:
        """The canonical form of ``raw``; raises ValueError saying what is wrong."""
        if len(raw) > MAX_VALUE_CHARS:
            raise ValueError(
                f"is {len(raw)} characters long; at most {MAX_VALUE_CHARS} are allowed"
            )
        if any(ord(ch) < 32 or ch == "\x7f" for ch in raw):
            raise ValueError("contains control characters")
        text = raw.strip()
        if self.type is ValueType.BOOL:
            lowered = text.lower()
            if lowered in _TRUE:
                return "true"
            if lowered in _FALSE:
                return "false"
            raise ValueError(f"must be true or false, not {self._shown(text)}")
        if self.type is ValueType.INT:
            try:
                number = int(text, 10)
            except ValueError:
                raise ValueError(f"must be an integer, not {self._shown(text)}") from None
            self._check_range(number)
            return str(number)
        if self.type is ValueType.FLOAT:
            try:
                real = float(text)
            except ValueError:
                raise ValueError(f"must be a number, not {self._shown(text)}") from None
            if not math.isfinite(real):
                raise ValueError("must be a finite number")
            self._check_range(real)
            return repr(real)
        if self.type is ValueType.URL:
            if text:
                check_url(text)
            return text.rstrip("/")
        if self.type is ValueType.STRING_LIST:
            items = [item.strip() for item in text.split(",")] if text else []
            if any(not item for item in items):
                raise ValueError("must be a comma-separated list of non-empty names")
            return ",".join(items)
        if self.pattern and text and not re.fullmatch(self.pattern, text):
            raise ValueError(f"must be {self.pattern_hint}")
        return text

    def parse(self, canonical: str) -> Value:
        """The typed value of a canonical string."""
        if self.type is ValueType.BOOL:
            return canonical == "true"
        if self.type is ValueType.INT:
            return int(canonical)
        if self.type is ValueType.FLOAT:
            return float(canonical)
        if self.type is ValueType.STRING_LIST:
            return tuple(canonical.split(",")) if canonical else ()
        return canonical

    def _check_range(self, number: float) -> None:
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"must be at least {_num(self.minimum)}, not {_num(number)}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"must be at most {_num(self.maximum)}, not {_num(number)}")

    def _shown(self, text: str) -> str:
        """The offending value for an error message: never a secret, never a huge string."""
        if self.secret:
            return "the given value"
        return repr(text if len(text) <= 40 else text[:40] + "...")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_url(text: str) -> None:
    """Raises ValueError saying what is wrong with an http(s) URL."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; use the token setting")
    if any(ch.isspace() for ch in text):
        raise ValueError("must not contain spaces")


def _bool(key: str, default: bool, description: str) -> SettingSpec:
    return SettingSpec(key, ValueType.BOOL, "true" if default else "false", description)


def _int(key: str, default: int, lo: int, hi: int, description: str) -> SettingSpec:
    return SettingSpec(key, ValueType.INT, str(default), description, minimum=lo, maximum=hi)


def _float(key: str, default: float, lo: float, hi: float, description: str) -> SettingSpec:
    return SettingSpec(key, ValueType.FLOAT, repr(default), description, minimum=lo, maximum=hi)


def _target_settings(prefix: str, label: str) -> list[SettingSpec]:
    return [
        _bool(f"{prefix}_CLIENT_ENABLED", False, f"Sync playlists into {label}."),
        SettingSpec(f"{prefix}_URL", ValueType.URL, "", f"Base URL of the {label} server."),
        SettingSpec(f"{prefix}_TOKEN", ValueType.STRING, "", f"{label} access token.", secret=True),
        SettingSpec(
            f"{prefix}_LIBRARY_NAMES",
            ValueType.STRING_LIST,
            "",
            f"{label} music libraries to use, comma-separated; empty means every music library.",
        ),
    ]


SETTINGS: tuple[SettingSpec, ...] = (
    *_target_settings("PLEX", "Plex"),
    *_target_settings("JELLYFIN", "Jellyfin"),
    SettingSpec(
        "JELLYFIN_USER_ID",
        ValueType.STRING,
        "",
        "Jellyfin user whose libraries and playlists are used (32 hex digits or a UUID).",
        pattern=r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
        pattern_hint="32 hex digits or a UUID",
    ),
    _bool("LIBRARY_CACHE_PLEX_ENABLED", False, "Keep a local index of the Plex music libraries."),
    _bool(
        "LIBRARY_CACHE_JELLYFIN_ENABLED",
        False,
        "Keep a local index of the Jellyfin music libraries.",
    ),
    _bool(
        "AUTO_ENABLE_LIBRARY_CACHE",
        True,
        "Turn a target's library cache on when its client is enabled, unless a user turned "
        "the cache off; the cache builder follows the caches.",
    ),
    _bool("IMMEDIATE_CACHE_BUILD", True, "Build a cache as soon as it is enabled."),
    _int("CACHE_BUILD_TIMEOUT_MINUTES", 180, 1, 10080, "Abandon a cache build after this long."),
    _int("LIBRARY_CACHE_REFRESH_HOURS", 24, 1, 8760, "Refresh each cache this often."),
    _int(
        "CACHE_BUILD_LEASE_SECONDS",
        30,
        2,
        3600,
        "With several cache replicas, how long a build's lease lasts without renewal: a "
        "surviving replica takes over the build of one that stopped after this long.",
    ),
    _int(
        "LIBRARY_CACHE_MEMORY_LIMIT_MB",
        1024,
        16,
        65536,
        "Most memory one target's index may use; a larger library is refused with a clear status.",
    ),
    _float(
        "TARGET_MAX_REQUESTS_PER_SECOND",
        20.0,
        0.1,
        10000.0,
        "Request rate limit per target server.",
    ),
    _int("TARGET_MAX_CONCURRENCY", 4, 1, 64, "Most requests in flight per target server."),
    _float("TARGET_TIMEOUT_SECONDS", 30.0, 0.1, 600.0, "Timeout of one request to a target."),
    _int(
        "SYNC_CACHE_WAIT_MINUTES",
        30,
        0,
        1440,
        "How long a sync waits for a cache build in progress before searching live.",
    ),
    _int(
        "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC",
        1000,
        0,
        1_000_000,
        "Most live search requests one sync may send when the cache cannot answer.",
    ),
    _float("MATCH_MIN_CONFIDENCE", 0.85, 0.0, 1.0, "Lowest confidence accepted as a match."),
    _int("MAX_PARALLEL_SYNCS", 2, 1, 32, "Most syncs running at once."),
    _int("SYNC_RUN_TIMEOUT_MINUTES", 60, 1, 1440, "Abandon a sync run after this long."),
    _int(
        "SYNC_RUN_LEASE_SECONDS",
        30,
        2,
        3600,
        "A running sync whose replica has not renewed it for this long is marked interrupted.",
    ),
    SettingSpec(
        "PLEX_TV_URL",
        ValueType.URL,
        "https://plex.tv",
        "plex.tv's base URL, where a Plex server's Home and shared users and their tokens "
        "for it are listed.",
    ),
    SettingSpec("SPOTIFY_CLIENT_ID", ValueType.STRING, "", "Spotify application client id."),
    SettingSpec(
        "SPOTIFY_CLIENT_SECRET",
        ValueType.STRING,
        "",
        "Spotify application client secret.",
        secret=True,
    ),
    SettingSpec(
        "LISTENBRAINZ_TOKEN", ValueType.STRING, "", "ListenBrainz user token.", secret=True
    ),
    _bool(
        "LIDARR_ENABLED",
        False,
        "Hand the albums a library lacks to Lidarr: `cmdarr lidarr preview|send`, and after "
        "every run of the commands in LIDARR_AUTO_SEND_COMMANDS.",
    ),
    SettingSpec("LIDARR_URL", ValueType.URL, "", "Base URL of Lidarr, e.g. http://lidarr:8686."),
    SettingSpec(
        "LIDARR_API_KEY",
        ValueType.STRING,
        "",
        "Lidarr's API key (Settings > General > Security), sent as X-Api-Key.",
        secret=True,
    ),
    SettingSpec(
        "LIDARR_ROOT_FOLDER",
        ValueType.STRING,
        "",
        "Lidarr root folder (its name or path) new artists are added to; empty means "
        "Lidarr's only root folder. Checked against Lidarr when set.",
    ),
    SettingSpec(
        "LIDARR_QUALITY_PROFILE",
        ValueType.STRING,
        "",
        "Lidarr quality profile (by name) for new artists; empty means the root folder's "
        "default. Checked against Lidarr when set.",
    ),
    SettingSpec(
        "LIDARR_METADATA_PROFILE",
        ValueType.STRING,
        "",
        "Lidarr metadata profile (by name) for new artists; empty means the root folder's "
        "default. Checked against Lidarr when set.",
    ),
    _int(
        "LIDARR_MAX_ALBUMS_PER_RUN",
        5,
        1,
        100,
        "Most albums one run's unmatched tracks send to Lidarr; the rest are listed for the "
        "next run.",
    ),
    SettingSpec(
        "LIDARR_AUTO_SEND_COMMANDS",
        ValueType.STRING_LIST,
        "",
        "playlist_sync commands whose every run sends its wanted albums to Lidarr, "
        "comma-separated (with LIDARR_ENABLED).",
    ),
    SettingSpec(
        "DEEZER_API_URL",
        ValueType.URL,
        "https://api.deezer.com",
        "Base URL of Deezer's public API, read for Deezer playlists; empty means the default. "
        "Settable so that an emulator can stand in for Deezer.",
    ),
)


class Registry:
    """Lookup of settings by key."""

    def __init__(self, specs: Iterable[SettingSpec] = SETTINGS) -> None:
        self._specs = {spec.key: spec for spec in specs}

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def __getitem__(self, key: str) -> SettingSpec:
        return self._specs[key]

    def __iter__(self) -> Iterator[SettingSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: s.key))

    @property
    def keys(self) -> list[str]:
        return sorted(self._specs)

    def pinned_by_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        """Canonical values of the settings the environment sets.

        Raises ValueError naming the variable (never its value) when one is invalid.
        """
        pinned: dict[str, str] = {}
        problems: list[str] = []
        for key, spec in self._specs.items():
            if key in environ:
                try:
                    pinned[key] = spec.canonical(environ[key])
                except ValueError as exc:
                    problems.append(f"environment variable {key} {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return pinned
