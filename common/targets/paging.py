"""Page plans and id chunking: pure helpers behind listings and playlist writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int  # 0-based, for messages ("at page K")
    start: int
    size: int


def page_plan(total: int, page_size: int, first_done: int = 0) -> list[Page]:
    """The pages covering ``[first_done, total)``, numbered as if paging from 0."""
    if page_size <= 0:
        raise ValueError("page_size must be positive")
    pages: list[Page] = []
    start = first_done
    while start < total:
        pages.append(
            Page(number=start // page_size, start=start, size=min(page_size, total - start))
        )
        start += page_size
    return pages


def chunk_by_length(
    items: Sequence[str],
    *,
    fixed_length: int,
    limit: int,
    item_length: Callable[[str], int] = len,
    separator_length: int = 1,
) -> list[list[str]]:
    """Split ``items`` into runs whose joined length plus ``fixed_length`` stays <= ``limit``.

    ``fixed_length`` is the rest of the URL; ``item_length`` says how long an item is once
    encoded. An item that cannot fit even alone is an error, not a silent overflow.
    """
    budget = limit - fixed_length
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for item in items:
        size = item_length(item)
        if size > budget:
            raise ValueError(f"an id of {size} characters cannot fit in a {limit}-character URL")
        extra = size if not current else size + separator_length
        if current and used + extra > budget:
            chunks.append(current)
            current, used = [], 0
            extra = size
        current.append(item)
        used += extra
    if current:
        chunks.append(current)
    return chunks


def missing_ids(known: Iterable[str], present: Iterable[str]) -> frozenset[str]:
    """Ids the caller knew that an id sweep no longer found: the deletions."""
    return frozenset(known) - frozenset(present)


def entry_before(order: Sequence[str], entry: str, new_index: int) -> str | None:
    """The entry a moved ``entry`` lands after when moved to ``new_index`` of ``order``
    (None: to the top). Plex moves "after an entry"; Jellyfin moves "to an index"."""
    rest = [e for e in order if e != entry]
    if new_index <= 0:
        return None
    return rest[min(new_index, len(rest)) - 1]
