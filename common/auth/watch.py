"""Rotation without a restart: the key file is checked every second and re-read when it
changed (a new inode, mtime or size), so every service takes a new key within seconds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from common.auth.keys import KeyRing
from common.auth.store import KeyFileError, read_key, signature

_log = logging.getLogger("cmdarr.auth")
INTERVAL_SECONDS = 1.0


class KeyWatcher:
    def __init__(
        self,
        path: Path,
        ring: KeyRing,
        on_change: Callable[[str], None],
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self._path = path
        self._ring = ring
        self._on_change = on_change
        self._interval = interval

    async def check(self, last: object) -> object:
        """One look at the file; returns the signature seen (to compare the next time)."""
        seen = await asyncio.to_thread(signature, self._path)
        if seen is None or seen == last:
            return seen
        try:
            key = await asyncio.to_thread(read_key, self._path)
        except KeyFileError as exc:
            _log.warning("keeping the current API key: %s", exc)
            return seen
        if key is not None:
            self._on_change(key)  # the redactor learns it before anything can log it
            if self._ring.replace(key):
                _log.info("API key replaced", extra={"fields": {"path": str(self._path)}})
        return seen

    async def run(self) -> None:
        """Until cancelled. The first look re-reads the file, so a rotation made between the
        start-up read and this task is not missed."""
        last: object = None
        while True:
            last = await self.check(last)
            await asyncio.sleep(self._interval)
