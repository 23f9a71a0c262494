"""Waiting on a condition instead of sleeping: a test proceeds as soon as what it waits for
has happened, and fails with a clear message when it does not happen in time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")

POLL_SECONDS = 0.02


@overload
async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    within: float = ...,
    what: str = ...,
    poll: float = ...,
) -> T: ...


@overload
async def eventually(
    check: Callable[[], T | None],
    *,
    within: float = ...,
    what: str = ...,
    poll: float = ...,
) -> T: ...


async def eventually(
    check: Callable[[], object],
    *,
    within: float = 10.0,
    what: str = "",
    poll: float = POLL_SECONDS,
) -> object:
    """Calls ``check`` (sync or async) until it returns something truthy, and returns that;
    raises TimeoutError naming ``what`` after ``within`` seconds."""

    async def satisfied() -> object:
        while True:
            outcome = check()
            value = await outcome if inspect.isawaitable(outcome) else outcome
            if value:
                return value
            await asyncio.sleep(poll)

    try:
        return await asyncio.wait_for(satisfied(), within)
    except TimeoutError:
        raise TimeoutError(f"not within {within} s: {what or check}") from None
