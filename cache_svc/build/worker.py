"""A build in a process of its own: ``python -m cache_svc.build.worker``, started by
cache_svc for each build (``builders.py`` WorkerBuilder). It reads the request from stdin
(for a refresh, the serving generation's image is in the build's folder), lists the target,
writes the new generation's image to the folder and its progress and result to stdout
(the messages of ``messages.py``). It exits when stdin closes, so a cache_svc that dies
takes its builds with it."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from opentelemetry import context as otel_context
from opentelemetry import propagate

from cache_svc.build.files import NEW_IMAGE, PREVIOUS_IMAGE
from cache_svc.build.frames import WorkerGone, read_frame_blocking
from cache_svc.build.generation import BuildFailed, build_generation
from cache_svc.build.messages import (
    MalformedMessage,
    WorkerDone,
    WorkerFailed,
    WorkerProgress,
    WorkerRequest,
    from_frame,
    to_frame,
)
from cache_svc.build.progress import BuildProgress
from common.config.registry import Registry
from common.config.values import SettingValues
from common.matching import TrackIndex
from common.matching.image import decode, encode
from common.runtime.logs import configure_logging
from common.runtime.tracing import Tracing
from common.targets import LibraryReader
from common.targets.connect import connect_server
from common.targets.traced import TracedReader

WORKER_NICENESS = 10


class _Answers:
    """Messages to cache_svc, written whole: the pipe is read as fast as it is written."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def send(self, message: WorkerProgress | WorkerDone | WorkerFailed) -> None:
        self._out.write(to_frame(message))
        self._out.flush()


async def run_build(
    request: WorkerRequest, answers: _Answers, tracing: Tracing, keep: list[object]
) -> None:
    """Build as asked, put the image in the build's folder and answer DONE, or FAILED with
    a message for people. With ``tracing`` on, the listing's pages and requests join the
    caller's build trace. What the index's filling used goes in ``keep`` rather than being
    freed (``TrackIndex.seal``): the process ends once it has answered."""
    joined = otel_context.attach(propagate.extract(request.trace))
    try:
        await _build(request, answers, tracing, keep)
    finally:
        otel_context.detach(joined)


async def _build(
    request: WorkerRequest, answers: _Answers, tracing: Tracing, keep: list[object]
) -> None:
    folder = request.folder
    progress = BuildProgress(full=request.full, started_at=request.started_at)
    requests = 0
    try:
        values = SettingValues(Registry(), request.settings)
        try:
            connection = connect_server(
                request.kind,
                url=request.url,
                token=request.token,
                user_id=request.user_id,
                settings=values,
                url_name=request.url_name,
                instrument=tracing.instrument_http,
            )
        except ValueError as exc:
            raise BuildFailed(str(exc)) from None
        source: LibraryReader = connection.client
        if tracing.enabled:
            source = TracedReader(source, tracing.tracer("cache_svc"))
        # A refresh's previous index is decoded beside the first requests, not before them.
        loading = (
            asyncio.create_task(asyncio.to_thread(_read_image, folder / PREVIOUS_IMAGE))
            if request.refresh
            else None
        )
        try:
            built = await build_generation(
                server=request.server,
                label=request.label,
                source=source,
                library_names=request.library_names,
                previous=loading,
                since=request.since,
                memory_limit_bytes=request.memory_limit_bytes,
                progress=progress,
                changed=lambda: answers.send(WorkerProgress.of(progress)),
            )
        finally:
            requests = connection.client.counter.total
            await connection.close()
        await asyncio.to_thread(_write_image, folder / NEW_IMAGE, built.index, keep)
    except BuildFailed as exc:
        answers.send(WorkerFailed(str(exc), requests))
        return
    except Exception as exc:  # target errors: typed, with messages that carry no secret
        answers.send(WorkerFailed(f"{type(exc).__name__}: {exc}", requests))
        return
    answers.send(
        WorkerDone(
            libraries=built.libraries,
            changes_since=built.changes_since,
            timings=built.timings,
            costs=built.costs,
            requests=requests,
        )
    )


def _read_image(path: Path) -> TrackIndex:
    """The previous image, removed once read: the build's folder holds one image at a
    time (a container's /tmp may be small)."""
    image = path.read_bytes()
    path.unlink()
    return decode(image)


def _write_image(path: Path, index: TrackIndex, keep: list[object]) -> None:
    index.seal(keep)
    path.write_bytes(encode(index))


def _exit_when_closed(stream: BinaryIO) -> None:
    """cache_svc keeps our stdin open while it waits for us; EOF means it is gone."""
    while stream.read(65536):
        pass
    os._exit(3)


def main() -> None:
    stdin, answers = sys.stdin.buffer, _Answers(sys.stdout.buffer)
    try:
        request = from_frame(*read_frame_blocking(stdin))
    except WorkerGone:
        sys.exit(2)
    except MalformedMessage as exc:  # it names the field, never a value (the token)
        print(f"cache_svc.build.worker: {exc}", file=sys.stderr)
        sys.exit(2)
    if not isinstance(request, WorkerRequest):
        print("cache_svc.build.worker: the first message must be a REQUEST", file=sys.stderr)
        sys.exit(2)
    threading.Thread(target=_exit_when_closed, args=(stdin,), daemon=True).start()
    # A worker lives for one build. Reference counting frees what it parses; the cyclic
    # collector would find almost nothing (thousands of objects a build) and, as the index
    # fills, walk its growing fill state again and again: a fifth of a build's CPU.
    gc.disable()
    # Parsing and indexing run in threads beside the event loop that keeps the listing's
    # requests in flight; the loop gets the GIL back within 0.5 ms instead of 5 ms.
    sys.setswitchinterval(0.0005)
    # Serving comes first: on a busy machine MatchTracks in cache_svc gets the cores
    # before a build does.
    os.nice(WORKER_NICENESS)
    # The token is a secret: every log line of this process masks it.
    level = os.environ.get("CMDARR_LOG_LEVEL", "INFO")
    configure_logging("cache_svc", level, secrets=[request.token])
    tracing = Tracing.from_environ("cache_svc")  # the same OTEL_* variables as cache_svc
    leftovers: list[object] = []  # held until the process ends, never freed
    try:
        asyncio.run(run_build(request, answers, tracing, leftovers))
    finally:
        tracing.shutdown()  # the last spans go out before the process ends
    # The answer and the spans are out: end here. Tearing the interpreter down would free
    # the index and the leftovers object by object (a second of a 100,000-track build,
    # while cache_svc waits), and the stdin watchdog is still blocked in its read.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
