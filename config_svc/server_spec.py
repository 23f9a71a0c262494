"""Servers as configuration: the Plex and Jellyfin servers of a household, what a valid one
is, and how an update mask applies. Pure.

Two servers are built in: ``plex`` and ``jellyfin`` are the PLEX_* and JELLYFIN_*
settings, which stay their single source (config_svc/views.py builds them from the
settings; the server RPCs refuse to change them). Every other server is a row of its own.

A token is a secret: it is stored, and revealed only by RevealSecrets; everything else
sees ``token_set``. ``withheld`` is the form every reply and change-log event carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from common.config.registry import check_url
from common.domain import BUILTIN_SERVERS, Origin, Target
from common.domain import ServerKind as ServerKind  # the kind lives in the shared vocabulary
from common.errors import FieldViolation
from common.server_names import check_server_name


def check_name(name: str, field: str) -> list[FieldViolation]:
    """A server's name: a lower-case DNS label (common/server_names.py)."""
    return check_server_name(name, field)


# The built-in servers, by name: each is the settings of its seed target.
BUILTIN: Mapping[str, Target] = BUILTIN_SERVERS
KIND_OF_TARGET: Mapping[Target, ServerKind] = {t: t.kind for t in Target}

USER_ID_PATTERN = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
)
MAX_TOKEN_CHARS = 1024
MAX_LIBRARY_NAME_CHARS = 256
MAX_LIBRARIES = 100

# The fields UpdateServer may name; a server's name and kind never change.
UPDATABLE_FIELDS = frozenset(
    {"url", "token", "library_names", "client_enabled", "library_cache_enabled", "jellyfin_user_id"}
)
FIXED_FIELDS = frozenset({"name", "kind"})


@dataclass(frozen=True)
class Server:
    """A server as stored. ``token_set`` is kept beside ``token`` so that the withheld
    form still says whether there is one."""

    name: str
    kind: ServerKind
    url: str
    token: str = ""
    token_set: bool = False
    library_names: tuple[str, ...] = ()
    client_enabled: bool = False
    cache_enabled: bool = False
    cache_origin: Origin = Origin.DEFAULT  # who last set cache_enabled
    jellyfin_user_id: str = ""
    built_in: bool = False
    create_revision: int = 0
    mod_revision: int = 0
    # The revision that last changed the token (set by a write, like the revisions), so a
    # follower sees a token change without the token.
    token_revision: int = 0

    def withheld(self) -> Server:
        """The server as replies and events show it: the token withheld, token_set kept."""
        return replace(self, token="")

    def with_token(self, token: str) -> Server:
        return replace(self, token=token, token_set=bool(token))


@dataclass(frozen=True)
class ServerInput:
    """A server as a caller sent it: ``kind`` is None when unset or unknown;
    ``cache_enabled`` is None when the caller left it to the policy."""

    name: str
    kind: ServerKind | None = None
    url: str = ""
    token: str = ""
    library_names: tuple[str, ...] = ()
    client_enabled: bool = False
    cache_enabled: bool | None = None
    jellyfin_user_id: str = ""


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def check_url_field(url: str, field: str) -> list[FieldViolation]:
    text = url.strip()
    if not text:
        return [FieldViolation(field, "is required: an http:// or https:// URL with a host")]
    if any(ord(ch) < 32 or ch == "\x7f" for ch in text):
        return [FieldViolation(field, "contains control characters")]
    try:
        check_url(text)
    except ValueError as exc:
        return [FieldViolation(field, str(exc))]
    return []


def check_token(token: str, field: str) -> list[FieldViolation]:
    """Never quotes the token: it is a secret."""
    if len(token) > MAX_TOKEN_CHARS:
        return [FieldViolation(field, f"is too long; at most {MAX_TOKEN_CHARS} characters")]
    if any(ord(ch) < 33 or ch == "\x7f" for ch in token):
        return [FieldViolation(field, "contains spaces or control characters")]
    return []


def check_library_names(names: Sequence[str], field: str) -> list[FieldViolation]:
    problems = []
    if len(names) > MAX_LIBRARIES:
        problems.append(FieldViolation(field, f"lists {len(names)} libraries; at most 100"))
    for i, name in enumerate(names):
        text = name.strip()
        if not text:
            problems.append(FieldViolation(f"{field}[{i}]", "is empty"))
        elif len(text) > MAX_LIBRARY_NAME_CHARS:
            problems.append(
                FieldViolation(f"{field}[{i}]", f"is longer than {MAX_LIBRARY_NAME_CHARS}")
            )
        elif any(ord(ch) < 32 or ch == "\x7f" for ch in text):
            problems.append(FieldViolation(f"{field}[{i}]", "contains control characters"))
    stripped = [n.strip() for n in names]
    if len(set(stripped)) != len(stripped):
        problems.append(FieldViolation(field, "a library is listed more than once"))
    return problems


def check_user_id(user_id: str, field: str) -> list[FieldViolation]:
    if user_id and not USER_ID_PATTERN.fullmatch(user_id):
        return [FieldViolation(field, "must be 32 hex digits or a UUID")]
    return []


def check_fields(given: ServerInput, fields: Iterable[str], prefix: str) -> list[FieldViolation]:
    """The syntax of each named field of ``given`` (what needs no stored state)."""
    wanted = set(fields)
    problems: list[FieldViolation] = []
    if "kind" in wanted and given.kind is None:
        problems.append(
            FieldViolation(f"{prefix}.kind", "must be SERVER_KIND_PLEX or SERVER_KIND_JELLYFIN")
        )
    if "url" in wanted:
        problems += check_url_field(given.url, f"{prefix}.url")
    if "token" in wanted:
        problems += check_token(given.token.strip(), f"{prefix}.token")
    if "library_names" in wanted:
        problems += check_library_names(given.library_names, f"{prefix}.library_names")
    if "jellyfin_user_id" in wanted:
        problems += check_user_id(given.jellyfin_user_id.strip(), f"{prefix}.jellyfin_user_id")
    return problems


def check_consistent(server: Server, prefix: str) -> list[FieldViolation]:
    """What depends on the kind: a Jellyfin user id means nothing to Plex."""
    if server.kind is ServerKind.PLEX and server.jellyfin_user_id:
        return [
            FieldViolation(
                f"{prefix}.jellyfin_user_id", "applies only to Jellyfin servers; leave it empty"
            )
        ]
    return []


def check_mask(paths: Sequence[str]) -> list[FieldViolation]:
    if not paths:
        return [FieldViolation("update_mask", "name at least one field to change")]
    problems = []
    for i, path in enumerate(paths):
        if path in FIXED_FIELDS:
            problems.append(
                FieldViolation(
                    f"update_mask.paths[{i}]",
                    f"a server's {path} never changes; create another server instead",
                )
            )
        elif path not in UPDATABLE_FIELDS:
            problems.append(
                FieldViolation(
                    f"update_mask.paths[{i}]",
                    f"{_shown(path)} cannot be changed; use any of "
                    + ", ".join(sorted(UPDATABLE_FIELDS)),
                )
            )
    return problems


def created(given: ServerInput, kind: ServerKind) -> Server:
    """The server a valid CreateServer input describes (revisions unset)."""
    return Server(
        name=given.name,
        kind=kind,
        url=given.url.strip().rstrip("/"),
        library_names=tuple(n.strip() for n in given.library_names),
        client_enabled=given.client_enabled,
        cache_enabled=bool(given.cache_enabled),
        cache_origin=Origin.DEFAULT if given.cache_enabled is None else Origin.USER,
        jellyfin_user_id=given.jellyfin_user_id.strip(),
    ).with_token(given.token.strip())


def updated(current: Server, given: ServerInput, fields: Iterable[str]) -> Server:
    """``current`` with the fields named in the mask taken from ``given``."""
    wanted = set(fields)
    out = current
    if "url" in wanted:
        out = replace(out, url=given.url.strip().rstrip("/"))
    if "token" in wanted:
        out = out.with_token(given.token.strip())
    if "library_names" in wanted:
        out = replace(out, library_names=tuple(n.strip() for n in given.library_names))
    if "client_enabled" in wanted:
        out = replace(out, client_enabled=given.client_enabled)
    if "library_cache_enabled" in wanted:
        out = replace(out, cache_enabled=bool(given.cache_enabled), cache_origin=Origin.USER)
    if "jellyfin_user_id" in wanted:
        out = replace(out, jellyfin_user_id=given.jellyfin_user_id.strip())
    return out


def same_server(old: Server | None, new: Server | None) -> bool:
    """Equal but for the revisions a write sets."""
    if old is None or new is None:
        return old is new
    stamps = {"create_revision": 0, "mod_revision": 0, "token_revision": 0}
    return replace(old, **stamps) == replace(new, **stamps)  # type: ignore[arg-type]
