"""Waits under a time limit keep a cancel that lands in the loop turn their wait ends.

On Python 3.11 ``asyncio.wait_for`` returns the awaited result when the cancel of its
caller arrives together with it, and the cancel is lost: the caller goes on as if it had
never been cancelled (a LISTEN loop that outlives its service, a shutdown step that
ignores the stop). Each wait here ends with a result and a cancel in the same turn, and
must end cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from common.database.pg_listen import PgListener
from common.notifier import VersionNotifier
from common.runtime.server import bounded


async def _cancelled_with_its_wake_up(wait: Coroutine[Any, Any, object], wake: Any) -> None:
    task = asyncio.create_task(wait)
    for _ in range(3):  # let it block
        await asyncio.sleep(0)
    assert not task.done()
    wake()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the wait outlived its cancel"
    assert task.cancelled(), f"the cancel was lost: the wait returned {task.result()!r}"


async def test_a_listener_cancelled_as_a_notification_arrives_stops() -> None:
    listener = PgListener("postgresql+asyncpg://cmdarr@127.0.0.1:1/none", "channel")
    # The wait for the next notification, without a connection: none is needed before the
    # keepalive (seconds away) would check it.
    await _cancelled_with_its_wake_up(
        listener._next(), lambda: listener._queue.put_nowait("payload")
    )
    assert listener._queue.get_nowait() == "payload", "left for the next reader"


async def test_a_shutdown_step_cancelled_as_it_ends_is_cancelled() -> None:
    finished = asyncio.Event()
    await _cancelled_with_its_wake_up(bounded(finished.wait(), 30), finished.set)


async def test_a_version_wait_cancelled_as_the_counter_moves_is_cancelled() -> None:
    notifier = VersionNotifier()
    await _cancelled_with_its_wake_up(notifier.wait_beyond(0, patience=30.0), notifier.advance)
