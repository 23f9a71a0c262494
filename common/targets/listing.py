"""Concurrent paging through a listing with its total checked: all or a typed error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from common.targets.errors import TargetShortListing, TargetUnstableOrder
from common.targets.paging import Page, page_plan

T = TypeVar("T")

_log = logging.getLogger("common.targets.listing")


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: Sequence[T]
    total: int  # what the server says the whole listing holds


Fetch = Callable[[Page], Awaitable[PageResult[T]]]
ProgressCallback = Callable[[int, int], None]
# Each page's items once it and every page before it are checked, in server order;
# provisional until list_all returns.
Items = Callable[[Sequence[Any]], None]


def check_page(what: str, page: Page, result: PageResult[T], total: int) -> None:
    """A page must hold exactly what the plan expects under an unchanged total."""
    if result.total != total:
        raise TargetShortListing(
            f"{what}: the total changed from {total} to {result.total} at page {page.number};"
            " the library changed during the listing",
            expected=total,
            received=result.total,
        )
    if len(result.items) != page.size:
        raise TargetShortListing(
            f"{what}: page {page.number} held {len(result.items)} items where {page.size}"
            f" were due (total {total})",
            expected=page.size,
            received=len(result.items),
        )


def served_page_size(asked: int, served: int, total: int) -> int:
    """The page size to plan with: a server that caps its pages (serves fewer than asked
    though more remain) is followed at its own size, so the plan still covers the total.
    Every later page must then be full, and the total is still checked."""
    if 0 < served < min(asked, total):
        return served
    return asked


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first real failure inside a task group's exception group."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def list_all(
    fetch: Fetch[T],
    *,
    what: str,
    page_size: int,
    key: Callable[[T], str],
    on_progress: ProgressCallback | None = None,
    on_items: Items | None = None,
) -> list[T]:
    """Every item of a listing in server order. The first page gives the total; the rest
    are fetched concurrently (the transport caps how many run at once). Any short page,
    changed total or duplicate raises TargetShortListing: a partial listing never passes
    as complete. ``on_items`` gets the pages in server order too, each once the pages
    before it have come (they are held here anyway), so that what it builds, an index
    with its candidates' order, is the same whichever page comes back first."""
    first_page = Page(number=0, start=0, size=page_size)
    first = await fetch(first_page)
    total = first.total
    page_size = served_page_size(page_size, len(first.items), total)
    if len(first.items) != total:  # a server that ignores paging sends all at once: fine
        check_page(what, Page(0, 0, min(page_size, total)), first, total)
    pages = page_plan(total, page_size, first_done=len(first.items))
    results: list[Sequence[T] | None] = [first.items] + [None for _ in pages]
    handed = 0  # pages given to on_items: every one before the first still missing
    received = len(first.items)

    def hand_on() -> None:
        nonlocal handed
        while handed < len(results) and (items := results[handed]) is not None:
            handed += 1
            if on_items is not None:
                on_items(items)

    hand_on()
    if on_progress is not None:
        on_progress(received, total)

    async def one(index: int, page: Page) -> None:
        nonlocal received
        result = await fetch(page)
        check_page(what, page, result, total)
        results[index + 1] = result.items
        received += len(result.items)
        hand_on()
        if on_progress is not None:
            on_progress(received, total)

    try:
        async with asyncio.TaskGroup() as group:
            for index, page in enumerate(pages):
                group.create_task(one(index, page))
    except BaseExceptionGroup as failed:
        raise first_error(failed) from None
    items = [item for chunk in results if chunk is not None for item in chunk]
    check_complete(what, items, total, key)
    return items


def check_complete(what: str, items: Sequence[T], total: int, key: Callable[[T], str]) -> None:
    """``total`` items, each once. Full pages holding an item twice mean pages overlapped
    (TargetUnstableOrder); anything else short is TargetShortListing."""
    unique = len({key(item) for item in items})
    if len(items) == total and unique == total:
        return
    error = TargetUnstableOrder if len(items) == total else TargetShortListing
    raise error(
        f"{what}: received {unique} distinct items of the {total} reported",
        expected=total,
        received=unique,
    )


async def list_or_whole(
    fetch: Fetch[T],
    whole: Callable[[], Awaitable[PageResult[T]]],
    *,
    what: str,
    page_size: int,
    key: Callable[[T], str],
    on_progress: ProgressCallback | None = None,
    on_items: Items | None = None,
) -> list[T]:
    """``list_all``; when its pages overlapped (a server whose order has ties that it
    breaks anew on each request), the listing once more in one request, which no order
    can split. What ``on_items`` saw of the first try is real but provisional, as ever."""
    try:
        return await list_all(
            fetch,
            what=what,
            page_size=page_size,
            key=key,
            on_progress=on_progress,
            on_items=on_items,
        )
    except TargetUnstableOrder as exc:
        _log.warning(
            "listing: pages overlapped (ties in the server's order); listing in one request",
            extra={"fields": {"listing": what, "total": exc.expected, "distinct": exc.received}},
        )
    result = await whole()
    items = list(result.items)
    check_complete(what, items, result.total, key)
    if on_items is not None:
        on_items(items)
    if on_progress is not None:
        on_progress(len(items), result.total)
    return items
