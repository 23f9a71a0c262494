"""Parsing large bodies off the event loop, so a listing's other requests keep flowing
while a page is decoded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# A 500-track page is about 140 KB of Plex XML or 375 KB of Jellyfin JSON; small answers
# (identity, libraries, one-track totals) parse faster than a thread hop.
OFFLOAD_BYTES = 64 * 1024


def should_offload(size: int, threshold: int = OFFLOAD_BYTES) -> bool:
    """Whether a body of ``size`` bytes is parsed in a worker thread."""
    return size >= threshold


async def parse_sized(size: int, parse: Callable[[], T], threshold: int = OFFLOAD_BYTES) -> T:
    """``parse()`` in a worker thread when the body is large, else inline."""
    if should_offload(size, threshold):
        return await asyncio.to_thread(parse)
    return parse()
