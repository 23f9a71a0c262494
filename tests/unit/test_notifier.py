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


async def test_a_cancel_that_lands_with_a_wake_up_is_kept() -> None:
    """Cancelled in the loop turn the counter moves: the waiter ends cancelled, rather than
    returning as if it had only been woken (asyncio.wait_for drops that cancel on 3.11)."""
    notifier = VersionNotifier()
    waiter = asyncio.create_task(notifier.wait_beyond(0, patience=30.0))
    await asyncio.sleep(0)  # let it block
    notifier.advance()
    waiter.cancel()
    done, _ = await asyncio.wait([waiter], timeout=5)
    assert done, "the waiter outlived its cancel"
    assert waiter.cancelled()
