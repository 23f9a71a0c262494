"""AsyncClient against a real config_svc on an ephemeral loopback port: settings and
servers, typed errors, the API key, and a config watch that resumes across a restart and
re-snapshots after compaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2 as pb

from cmdarr_client import (
    AsyncClient,
    AuthenticationError,
    ConfigChange,
    ConfigSnapshot,
    ConfigWatchEvent,
    Conflict,
    ErrorReason,
    InvalidArgument,
    Retry,
    Unavailable,
)
from config_svc.app import ConfigApp
from tests.support.config_service import running_config
from tests.support.ports import free_port
from tests.support.waiting import eventually

# Patient enough to outlast a restart of config_svc (a few seconds), bounded all the same.
PATIENT = Retry(attempts=30, initial_backoff=0.05, max_backoff=0.5)
KEY = "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"


@asynccontextmanager
async def client_of(address: str, api_key: str | None = None) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(config=address, api_key=api_key, retry=PATIENT) as client:
        yield client


@asynccontextmanager
async def watching(
    client: AsyncClient, after: int
) -> AsyncIterator[asyncio.Queue[ConfigWatchEvent]]:
    seen: asyncio.Queue[ConfigWatchEvent] = asyncio.Queue()

    async def follow() -> None:
        async for event in client.watch_config(after):
            seen.put_nowait(event)

    task = asyncio.create_task(follow())
    try:
        yield seen
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def next_event(seen: asyncio.Queue[ConfigWatchEvent]) -> ConfigWatchEvent:
    return await asyncio.wait_for(seen.get(), 15)


async def test_settings_round_trip_with_typed_errors(config_app: ConfigApp) -> None:
    async with client_of(f"127.0.0.1:{config_app.server.port}") as client:
        written = await client.update_settings({"PLEX_URL": "http://plex.lan:32400"})
        assert [s.key for s in written.changed] == ["PLEX_URL"]
        read = await client.get_settings("PLEX_URL")
        assert read.settings[0].value == "http://plex.lan:32400"
        assert read.revision == written.revision

        with pytest.raises(Conflict) as stale:
            await client.update_settings({"PLEX_URL": None}, expected_revision=read.revision + 1)
        assert stale.value.reason is ErrorReason.REVISION_MISMATCH

        with pytest.raises(InvalidArgument) as bad:
            await client.update_settings({"PLEX_CLIENT_ENABLED": "maybe", "PLEX_URL": "ftp://x"})
        assert {v.field for v in bad.value.violations} == {"changes[0].value", "changes[1].value"}


async def test_servers_round_trip_with_the_token_withheld(config_app: ConfigApp) -> None:
    async with client_of(f"127.0.0.1:{config_app.server.port}") as client:
        made = await client.create_server(
            "den", kind=pb.SERVER_KIND_JELLYFIN, url="http://den.lan:8096/", token="t-den-42"
        )
        assert (made.server.url, made.server.token, made.server.token_set) == (
            "http://den.lan:8096", "", True,
        )  # fmt: skip
        changed = await client.update_server(
            "den", expected_mod_revision=made.server.mod_revision, client_enabled=True
        )
        assert changed.server.client_enabled
        assert changed.server.url == "http://den.lan:8096", "fields not given are kept"
        listed = await client.list_servers()
        assert [s.name for s in listed.servers] == ["den", "jellyfin", "plex"]
        assert "t-den-42" not in str(listed)

        with pytest.raises(Conflict) as stale:
            await client.delete_server("den", expected_mod_revision=made.server.mod_revision)
        assert stale.value.reason is ErrorReason.REVISION_MISMATCH
        with pytest.raises(InvalidArgument) as bad:
            await client.update_server("den", expected_mod_revision=0, url="ftp://den")
        assert [v.field for v in bad.value.violations] == ["server.url"]
        await client.delete_server("den", expected_mod_revision=changed.server.mod_revision)
        assert [s.name for s in (await client.list_servers()).servers] == ["jellyfin", "plex"]


async def test_the_api_key_is_sent_and_a_missing_one_is_an_authentication_error(
    database_url: str, tmp_path: Path
) -> None:
    async with running_config(database_url, tmp_path, api_key="k-async-0123") as app:
        address = f"127.0.0.1:{app.server.port}"
        async with client_of(address) as anonymous:
            with pytest.raises(AuthenticationError) as refused:
                await anonymous.get_settings()
            assert refused.value.reason is ErrorReason.UNAUTHENTICATED
        async with client_of(address, api_key="k-async-0123") as client:
            assert len((await client.get_settings()).settings) > 10
            assert "k-async-0123" not in repr(client)


async def write_when_up(client: AsyncClient, value: str) -> int:
    async def attempt() -> int | None:
        try:
            return (await client.update_settings({KEY: value})).revision
        except Unavailable:
            return None

    return await eventually(attempt, within=30, what="config_svc back")


async def test_one_watch_lives_through_a_restart_with_nothing_lost_or_repeated(
    database_url: str, tmp_path: Path
) -> None:
    address = f"127.0.0.1:{free_port()}"
    async with client_of(address) as client, watching(client, 0) as seen:
        async with running_config(database_url, tmp_path, address=address):
            assert isinstance(await next_event(seen), ConfigSnapshot)
            first = await write_when_up(client, "1")
            assert (await next_event(seen)).revision == first
        # config_svc stopped under the watch; it comes back on the same port and database.
        async with running_config(database_url, tmp_path, address=address):
            second = await write_when_up(client, "2")
            third = await write_when_up(client, "3")
            got = [await next_event(seen), await next_event(seen)]
            assert [e.revision for e in got] == [second, third]
            assert all(isinstance(e, ConfigChange) for e in got)
            assert seen.empty(), "nothing repeated"


async def test_a_compacted_revision_gives_a_fresh_snapshot(
    database_url: str, tmp_path: Path
) -> None:
    async with running_config(database_url, tmp_path, retention=5) as app:
        async with client_of(f"127.0.0.1:{app.server.port}") as client:
            last = 0
            for n in range(1, 21):
                last = (await client.update_settings({KEY: str(n)})).revision
            async with watching(client, 1) as seen:
                snapshot = await next_event(seen)
                assert isinstance(snapshot, ConfigSnapshot)
                assert snapshot.compacted
                assert snapshot.revision == last
                assert any(s.key == KEY and s.value == "20" for s in snapshot.settings)
