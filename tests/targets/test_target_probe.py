"""A server check names what a user can fix, against real sockets and the emulators."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from common.domain import Target
from common.targets.connect import connect
from common.targets.errors import TargetServerError, TargetUnsupportedVersion
from common.targets.items import LibraryChoice, ServerIdentity, SkippedLibrary, TargetLibrary
from common.targets.probe import Problem, check_server, classify, judge_libraries, probe_settings
from emulators.knobs import Knobs
from emulators.server import running_jellyfin, running_plex
from tests.support.certificates import make_certificate


async def _check(
    kind: Target, url: str, token: str, *, names: tuple[str, ...] = (), wait: float = 5.0
) -> tuple[Problem, str, tuple[str, ...]]:
    connection = connect(kind.kind, url=url, token=token, settings=probe_settings(wait))
    try:
        found = await check_server(connection.client, host=url, library_names=names)
    finally:
        await connection.close()
    return found.problem, found.message, found.libraries


@pytest.mark.parametrize("kind", [Target.PLEX, Target.JELLYFIN])
async def test_a_usable_server_lists_its_music_libraries(kind: Target) -> None:
    running = running_plex if kind is Target.PLEX else running_jellyfin
    async with running(tracks=50) as emu:
        problem, message, libraries = await _check(kind, emu.url, emu.token)
        assert problem is Problem.NONE, message
        assert libraries == ("Music", "Lossless")
        assert "Audiobooks" not in libraries
        problem, message, _ = await _check(kind, emu.url, emu.token, names=("Music", "Vinyl"))
    assert problem is Problem.LIBRARY_NOT_FOUND
    assert "'Vinyl'" in message


@pytest.mark.parametrize("kind", [Target.PLEX, Target.JELLYFIN])
async def test_a_wrong_token_is_named_and_never_quoted(kind: Target) -> None:
    running = running_plex if kind is Target.PLEX else running_jellyfin
    async with running(tracks=20) as emu:
        problem, message, _ = await _check(kind, emu.url, "wrong-token-1234")
    if kind is Target.PLEX:
        assert problem is Problem.TOKEN_REFUSED, message
        assert "refused the token" in message
    else:
        # Jellyfin identifies itself without a token: the libraries are what it refuses.
        assert problem is Problem.TOKEN_REFUSED, message
    assert "wrong-token-1234" not in message


async def test_a_host_name_that_does_not_resolve() -> None:
    problem, message, _ = await _check(Target.PLEX, "http://cmdarr-check.invalid:32400", "t")
    assert problem is Problem.NAME_RESOLUTION
    assert "does not resolve" in message
    assert "cmdarr-check.invalid" in message


async def test_nothing_listening_is_a_refused_connection() -> None:
    with socket.socket() as sock:  # a port just freed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    problem, message, _ = await _check(Target.JELLYFIN, f"http://127.0.0.1:{port}", "t")
    assert problem is Problem.CONNECTION_REFUSED, message


async def test_https_to_a_plain_http_server_is_a_tls_failure() -> None:
    async with running_plex(tracks=20) as emu:
        url = emu.url.replace("http://", "https://")
        problem, message, _ = await _check(Target.PLEX, url, emu.token)
    assert problem is Problem.TLS, message


@asynccontextmanager
async def _tls_listener(folder: Path) -> AsyncIterator[int]:
    """A TLS server with a self-signed certificate that a client does not trust."""
    cert, key = make_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_an_untrusted_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    async with _tls_listener(tmp_path) as port:
        problem, message, _ = await _check(Target.JELLYFIN, f"https://127.0.0.1:{port}", "t")
    assert problem is Problem.TLS
    assert "certificate is not trusted" in message


async def test_a_slow_server_times_out() -> None:
    async with running_jellyfin(tracks=20, knobs=Knobs(latency_ms=2000)) as emu:
        problem, message, _ = await _check(Target.JELLYFIN, emu.url, emu.token, wait=0.3)
    assert problem is Problem.TIMEOUT, message


async def test_an_old_jellyfin_is_an_unsupported_version() -> None:
    async with running_jellyfin(tracks=20, knobs=Knobs(jellyfin_version="10.8.13")) as emu:
        problem, message, _ = await _check(Target.JELLYFIN, emu.url, emu.token)
    assert problem is Problem.UNSUPPORTED_VERSION
    assert "10.8.13" in message


@asynccontextmanager
async def _web_page() -> AsyncIterator[int]:
    """A web server that answers every request with a page (a router, a proxy's default)."""
    page = b"<html><body>It works!</body></html>"

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + page)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("kind", [Target.PLEX, Target.JELLYFIN])
async def test_a_web_server_that_is_not_a_media_server_is_named(kind: Target) -> None:
    async with _web_page() as port:
        problem, message, _ = await _check(kind, f"http://127.0.0.1:{port}", "t")
    assert problem is Problem.NOT_A_MEDIA_SERVER, message
    assert "does not answer as this kind of server" in message


def test_a_server_with_only_an_audiobook_library_has_no_music_library() -> None:
    identity = ServerIdentity(Target.PLEX, "m1", "Den", "1.41.0")
    books = TargetLibrary("3", "Audiobooks", "artist", is_music=True, is_audiobook=True)
    choice = LibraryChoice(chosen=(), skipped=(SkippedLibrary(books, "audiobook library"),))
    verdict = judge_libraries(identity, choice)
    assert verdict.problem is Problem.NO_MUSIC_LIBRARY
    assert verdict.message == "Den (1.41.0) has no music library"
    assert verdict.skipped == ("Audiobooks: audiobook library",)


def test_classify_reads_the_cause_a_client_kept() -> None:
    refused = TargetServerError("could not connect", tries=1)
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert classify(refused, host="h")[0] is Problem.CONNECTION_REFUSED
    old = TargetUnsupportedVersion("too old", version="10.8.0", minimum="10.9.0")
    assert classify(old, host="h") == (Problem.UNSUPPORTED_VERSION, "too old")
    with pytest.raises(ValueError, match="a bug"):
        classify(ValueError("a bug"), host="h")
