"""Is a server usable: reachable, the token accepted, a supported version, a music library
to index. One identity request and one library listing, no retries, and every failure
named by what a user can fix (name resolution, TLS, a refused token, no music library).

``classify`` is pure: it reads the exception a client raised (the transport keeps the
HTTP library's exception as its cause, common/targets/transport.py)."""

from __future__ import annotations

import enum
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from common.targets.errors import (
    TargetAuthError,
    TargetError,
    TargetMalformedResponse,
    TargetNotFound,
    TargetRejected,
    TargetServerError,
    TargetTimeout,
    TargetUnsupportedVersion,
)
from common.targets.items import LibraryChoice, ServerIdentity
from common.targets.jellyfin import JellyfinClient
from common.targets.plex import PlexClient
from common.targets.retry import RetryPolicy
from common.targets.settings import ClientSettings


class Problem(enum.Enum):
    NONE = "none"
    NO_URL = "no_url"  # nothing to reach: the server's URL is not set
    NAME_RESOLUTION = "name_resolution"  # the URL's host name does not resolve
    CONNECTION_REFUSED = "connection_refused"  # nothing listens there, or a firewall
    TLS = "tls"  # the TLS handshake failed: a certificate not trusted, or not TLS at all
    TIMEOUT = "timeout"  # no answer in time
    TOKEN_REFUSED = "token_refused"  # 401/403: wrong, revoked or without rights
    NOT_A_MEDIA_SERVER = "not_a_media_server"  # answers, but not as the kind says
    SERVER_ERROR = "server_error"  # 5xx
    UNSUPPORTED_VERSION = "unsupported_version"
    NO_MUSIC_LIBRARY = "no_music_library"
    LIBRARY_NOT_FOUND = "library_not_found"  # a configured library name the server lacks


@dataclass(frozen=True)
class ServerCheck:
    """What a check found. ``libraries`` are the music libraries a cache would index;
    ``message`` is for people."""

    problem: Problem
    message: str
    identity: ServerIdentity | None = None
    libraries: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is Problem.NONE


def probe_settings(timeout_seconds: float = 10.0) -> ClientSettings:
    """A check answers in seconds: one try per request, a short timeout."""
    return ClientSettings(timeout_seconds=timeout_seconds, retry=RetryPolicy(max_tries=1))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transport_problem(exc: BaseException) -> tuple[Problem, str] | None:
    """What the HTTP library's exception says went wrong below HTTP, if anything."""
    for link in _chain(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            reason = link.verify_message
            return Problem.TLS, f"the server's TLS certificate is not trusted ({reason})"
        if isinstance(link, ssl.SSLError):
            return Problem.TLS, f"the TLS handshake failed ({link.reason or link})"
        if isinstance(link, socket.gaierror):
            return Problem.NAME_RESOLUTION, "the host name does not resolve"
        if isinstance(link, ConnectionRefusedError):
            return Problem.CONNECTION_REFUSED, "the connection was refused: nothing listens there"
    return None


def classify(exc: Exception, *, host: str) -> tuple[Problem, str]:
    """The problem a client's exception shows, and a message naming the host."""
    if isinstance(exc, TargetUnsupportedVersion):
        return Problem.UNSUPPORTED_VERSION, str(exc)
    if isinstance(exc, TargetAuthError):
        refused = "refused the token: it is wrong, revoked or lacks rights"
        return Problem.TOKEN_REFUSED, f"{host} {refused}"
    below = _transport_problem(exc)
    if below is not None:
        problem, text = below
        return problem, f"{host}: {text}"
    if isinstance(exc, TargetTimeout):
        return Problem.TIMEOUT, f"{host} did not answer in time"
    if isinstance(exc, (TargetNotFound, TargetRejected, TargetMalformedResponse)):
        return Problem.NOT_A_MEDIA_SERVER, f"{host} does not answer as this kind of server: {exc}"
    if isinstance(exc, TargetServerError):
        if exc.status is None:
            return Problem.CONNECTION_REFUSED, f"{host}: could not connect"
        return Problem.SERVER_ERROR, f"{host} failed with HTTP {exc.status}"
    if isinstance(exc, TargetError):
        return Problem.NOT_A_MEDIA_SERVER, f"{host}: {exc}"
    raise exc


def judge_libraries(identity: ServerIdentity, choice: LibraryChoice) -> ServerCheck:
    """The verdict on a server that answered: are there libraries to index."""
    chosen = tuple(library.title for library in choice.chosen)
    skipped = tuple(f"{s.library.title}: {s.reason}" for s in choice.skipped)
    where = f"{identity.name or identity.server_id} ({identity.version})"
    if choice.missing:
        return ServerCheck(
            Problem.LIBRARY_NOT_FOUND,
            f"{where} has no library named " + ", ".join(repr(n) for n in choice.missing),
            identity,
            chosen,
            skipped,
        )
    if not chosen:
        return ServerCheck(
            Problem.NO_MUSIC_LIBRARY, f"{where} has no music library", identity, chosen, skipped
        )
    count = f"{len(chosen)} music {'library' if len(chosen) == 1 else 'libraries'}"
    return ServerCheck(Problem.NONE, f"{where}: {count}", identity, chosen, skipped)


async def check_server(
    client: PlexClient | JellyfinClient, *, host: str, library_names: Sequence[str] = ()
) -> ServerCheck:
    """Identify the server, then list its libraries; the first failure is the verdict."""
    try:
        identity = await client.identify()
        choice = await client.music_libraries(library_names)
    except Exception as exc:
        problem, message = classify(exc, host=host)
        return ServerCheck(problem, message)
    return judge_libraries(identity, choice)
