"""list_all over plain async page functions: the total rules, whatever the server does."""

from __future__ import annotations

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
