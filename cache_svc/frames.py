"""The framing between cache_svc and its build worker process: a kind byte and a length,
then the payload (JSON, or an index image's bytes). Pipes carry it both ways."""

from __future__ import annotations

import asyncio
import enum
import struct
from typing import BinaryIO

_HEADER = struct.Struct("!BI")


class Frame(enum.IntEnum):
    REQUEST = 1  # to the worker: what to build, and how to reach the target (JSON)
    PREVIOUS = 2  # to the worker: the serving generation's image, for a refresh
    PROGRESS = 3  # from the worker: the build's progress (JSON, BuildProgress.to_json)
    DONE = 4  # from the worker: what was built (JSON)
    IMAGE = 5  # from the worker: the new generation's index image
    FAILED = 6  # from the worker: why the build failed (JSON)


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
