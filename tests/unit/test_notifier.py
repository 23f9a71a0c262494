"""The version notifier: a wait ends as soon as the counter passes what the waiter saw."""

from __future__ import annotations

import asyncio

from common.notifier import VersionNotifier


async def test_wait_returns_at_once_when_already_beyond() -> None:
    notifier = VersionNotifier(start=3)
    assert await notifier.wait_beyond(2, patience=0.0)


async def test_advance_wakes_every_waiter() -> None:
    notifier = VersionNotifier()
    waiters = [asyncio.create_task(notifier.wait_beyond(0, patience=30.0)) for _ in range(3)]
    await asyncio.sleep(0)  # let them block
    assert not any(w.done() for w in waiters)
    assert notifier.advance() == 1
    assert await asyncio.gather(*waiters) == [True, True, True]


async def test_wait_times_out_without_a_change() -> None:
    notifier = VersionNotifier(start=5)
    assert not await notifier.wait_beyond(5, patience=0.01)


async def test_advance_to_never_moves_backwards() -> None:
    notifier = VersionNotifier()
    assert notifier.advance(to=10) == 10
    assert notifier.advance(to=4) == 10
    assert notifier.advance() == 11
    assert notifier.version == 11
