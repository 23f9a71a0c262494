"""LISTEN/NOTIFY through common/database/pg_listen.py: payloads arrive at commit, and a listener
whose connection is cut reconnects by itself and says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from common.database.engine import Database
from common.database.pg_listen import ListenTiming, PgListener, notify
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.tcp_proxy import proxied_database

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: set CMDARR_TEST_POSTGRES_URL"
)

CHANNEL = "cmdarr_test"
FAST = ListenTiming(first_backoff=0.05, max_backoff=0.2, keepalive=0.2, keepalive_timeout=1.0)
WAIT = 10.0


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[str, Database]]:
    async with fresh_database("postgres", tmp_path) as url:
        db = Database(url)
        try:
            yield url, db
        finally:
            await db.close()


async def send(db: Database, payload: str, *, commit: bool = True) -> None:
    async with db.sessions() as session, session.begin():
        await notify(session, CHANNEL, payload)
        if not commit:
            await session.rollback()


async def test_payloads_arrive_at_commit_and_only_then(database: tuple[str, Database]) -> None:
    url, db = database
    async with PgListener(url, CHANNEL, timing=FAST) as listener:
        payloads = aiter(listener)
        assert await asyncio.wait_for(anext(payloads), WAIT) is None  # listening
        await send(db, "rolled back", commit=False)
        await send(db, "1")
        await send(db, "2")
        got = [await asyncio.wait_for(anext(payloads), WAIT) for _ in range(2)]
        assert got == ["1", "2"]


async def test_a_cut_connection_is_renewed_and_reported(database: tuple[str, Database]) -> None:
    url, db = database
    async with (
        proxied_database(url) as (proxied, proxy),
        PgListener(proxied, CHANNEL, timing=FAST) as listener,
    ):
        payloads = aiter(listener)
        assert await asyncio.wait_for(anext(payloads), WAIT) is None
        await send(db, "before")
        assert await asyncio.wait_for(anext(payloads), WAIT) == "before"
        await proxy.close()
        next_item = asyncio.ensure_future(anext(payloads))
        await send(db, "while away")  # nobody listens: lost, hence the None below
        await proxy.open()
        assert await asyncio.wait_for(next_item, WAIT) is None  # listening again: re-read
        assert listener.connects == 2
        await send(db, "after")
        assert await asyncio.wait_for(anext(payloads), WAIT) == "after"
