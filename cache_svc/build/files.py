"""A build's folder: where cache_svc and its build worker hand each other index images.

A 100,000-track image is about 28 MB. Through the worker's stdout it crossed cache_svc's
event loop in 256 KB reads: 0.15 s on a quiet machine, 2 s while MatchTracks batches kept
the loop busy. A file is written and read whole, in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

PREVIOUS_IMAGE = "previous.image"  # to the worker: the serving generation's, for a refresh
NEW_IMAGE = "new.image"  # from the worker: the generation it built


@contextlib.asynccontextmanager
async def build_folder() -> AsyncIterator[Path]:
    """A private folder (mode 0700, in the system's temporary directory) for one build,
    removed with what is in it however the build ends."""
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cmdarr-build-"))
    try:
        yield folder
    finally:
        # Shielded: a cancelled build still removes its folder.
        await asyncio.shield(asyncio.to_thread(shutil.rmtree, folder, True))
