"""The framing between cache_svc and its build worker process: a kind byte and a length,
then the payload, a JSON object (the message of that kind: ``messages.py``). Pipes carry it
both ways; index images (tens of MB) go through files in the build's folder instead, read
and written off the event loop (``files.py``)."""

from __future__ import annotations

import asyncio
import enum
import struct
from typing import BinaryIO

_HEADER = struct.Struct("!BI")


class Frame(enum.IntEnum):
    REQUEST = 1  # to the worker: what to build, how to reach the target, the build's folder
    PROGRESS = 3  # from the worker: the build's progress
    DONE = 4  # from the worker: what was built; its image is in the build's folder
    FAILED = 6  # from the worker: why the build failed


class WorkerGone(Exception):
    """The other side closed the pipe before a whole frame arrived."""


def pack(kind: Frame, payload: bytes) -> bytes:
    return _HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[Frame, bytes]:
    try:
        kind, size = _HEADER.unpack(await reader.readexactly(_HEADER.size))
        return Frame(kind), await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise WorkerGone("the build worker stopped before it answered") from None


def read_frame_blocking(stream: BinaryIO) -> tuple[Frame, bytes]:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise WorkerGone("cache_svc closed the pipe before the request")
    kind, size = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise WorkerGone("cache_svc closed the pipe in the middle of a frame")
    return Frame(kind), payload
