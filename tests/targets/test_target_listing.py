"""list_all over plain async page functions: the total rules, whatever the server does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from common.targets.errors import TargetShortListing
from common.targets.listing import PageResult, list_all
from common.targets.paging import Page

Fetch = Callable[[Page], Awaitable[PageResult[str]]]


def pages_of(
    items: list[str], *, cap: int | None = None, ignore_paging: bool = False
) -> tuple[Fetch, list[Page]]:
    asked: list[Page] = []

    async def fetch(page: Page) -> PageResult[str]:
        asked.append(page)
        if ignore_paging:
            return PageResult(items, len(items))
        size = page.size if cap is None else min(cap, page.size)
        return PageResult(items[page.start : page.start + size], len(items))

    return fetch, asked


async def test_pages_are_assembled_in_order() -> None:
    items = [f"id{i}" for i in range(1050)]
    fetch, asked = pages_of(items)
    assert await list_all(fetch, what="t", page_size=100, key=str) == items
    assert len(asked) == 11


async def test_pages_reach_on_items_in_server_order_whichever_comes_back_first() -> None:
    """The pages after the first are fetched at once; here they come back last one first,
    and on_items still sees them in server order, each as soon as its turn has come."""
    items = [f"id{i}" for i in range(450)]
    fetch, _ = pages_of(items)
    turn = {n: asyncio.Event() for n in range(1, 5)}
    seen: list[list[str]] = []
    handed_when: dict[int, int] = {}  # page number -> pages handed on before it came back

    async def last_first(page: Page) -> PageResult[str]:
        if 0 < page.number < 4:
            await turn[page.number + 1].wait()
        result = await fetch(page)
        handed_when[page.number] = len(seen)
        if page.number > 0:
            turn[page.number].set()
        return result

    listed = await list_all(
        last_first, what="t", page_size=100, key=str, on_items=lambda p: seen.append(list(p))
    )
    assert listed == items
    assert seen == [items[i : i + 100] for i in range(0, 450, 100)]
    # Pages 4, 3 and 2 came back while page 1 was missing: none was handed on before it.
    assert handed_when == {0: 0, 4: 1, 3: 1, 2: 1, 1: 1}


async def test_a_server_ignoring_paging_is_fine_when_everything_came() -> None:
    items = [f"id{i}" for i in range(1050)]
    fetch, asked = pages_of(items, ignore_paging=True)
    assert await list_all(fetch, what="t", page_size=100, key=str) == items
    assert len(asked) == 1


async def test_a_capping_server_is_followed() -> None:
    items = [f"id{i}" for i in range(1050)]
    fetch, asked = pages_of(items, cap=300)
    assert await list_all(fetch, what="t", page_size=1000, key=str) == items
    assert [p.size for p in asked] == [1000, 300, 300, 150]


async def test_duplicates_are_a_short_listing() -> None:
    items = ["a", "b", "b", "c"]
    fetch, _ = pages_of(items)
    with pytest.raises(TargetShortListing):
        await list_all(fetch, what="t", page_size=2, key=str)


async def test_an_empty_listing_is_complete() -> None:
    fetch, asked = pages_of([])
    assert await list_all(fetch, what="t", page_size=100, key=str) == []
    assert len(asked) == 1
