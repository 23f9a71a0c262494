"""A playlist file on this machine: a regular file, read whole up to the size limit."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from common.errors import SourceFailed
from sync_svc.sources.detect import parse_playlist
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings
from sync_svc.sources.problems import check_size


async def load_file(ref: str, *, settings: SourceSettings) -> SourcePlaylist:
    path = Path(ref)
    data = await asyncio.to_thread(read_capped, path, settings.max_bytes)
    return parse_playlist(
        data,
        where=f"file {path}",
        max_tracks=settings.max_tracks,
        name=path.name,
        default_title=path.stem,
    )


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; it must exist, be a regular file and fit in ``max_bytes``."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SourceFailed(f"playlist file {path} does not exist") from None
    except PermissionError:
        raise SourceFailed(f"playlist file {path} is not readable by this service") from None
    except OSError as exc:
        raise SourceFailed(f"playlist file {path} cannot be opened: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceFailed(f"playlist file {path} is not a regular file")
        what = f"playlist file {path}"
        check_size(info.st_size, max_bytes, what)
        chunks = []
        size = 0
        while size <= max_bytes:  # it may have grown since the fstat
            chunk = os.read(fd, min(2**20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        check_size(size, max_bytes, what)
        return b"".join(chunks)
    finally:
        os.close(fd)
