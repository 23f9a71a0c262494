"""Where a build runs. In production each build runs in a worker process of its own
(``python -m cache_svc.build.worker``): its parsing and indexing use another core instead of
the event loop that answers MatchTracks, and the memory a build churns through is returned
to the system when the worker exits, so the service keeps only the compact index it loads
from the worker's image. Tests that hand in their own in-memory target run the build in
the service's process instead; both run the same ``build_generation``."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from opentelemetry import propagate

from cache_svc.build.files import NEW_IMAGE, PREVIOUS_IMAGE, build_folder
from cache_svc.build.frames import read_frame
from cache_svc.build.generation import BuildFailed, Built, build_generation
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
from cache_svc.config_view import FollowedConfig
from common.domain import ServerKind
from common.matching import TrackIndex
from common.matching.image import decode, encode
from common.targets import LibraryReader


@dataclass(frozen=True)
class Endpoint:
    """How a build reaches one server: its kind, URL and Jellyfin user, its token (read
    from config_svc for the build, never stored), the settings its requests are limited
    by (stored string form), and what names its URL in an error ("PLEX_URL" for a
    built-in server)."""

    kind: ServerKind
    url: str
    user_id: str
    token: str = field(repr=False)
    settings: Mapping[str, str]
    url_name: str


# Opens a server's libraries for one build and closes them afterwards.
SourceFactory = Callable[[str, FollowedConfig], AbstractAsyncContextManager[LibraryReader]]
# How a worker connects to a server, by its name.
ConnectionInfo = Callable[[str, FollowedConfig], Awaitable[Endpoint]]
# The stored image of a server cache's generation.
ImageReader = Callable[[str, int], Awaitable[bytes]]

WORKER_COMMAND = (sys.executable, "-m", "cache_svc.build.worker")
WORKER_EXIT_SECONDS = 10.0  # a worker that answered gets this long to flush and exit


@dataclass(frozen=True)
class BuildJob:
    """One build to run: a full one when ``previous`` is None, else a refresh of it.
    ``label`` names the server in messages for people."""

    server: str
    label: str
    config: FollowedConfig
    library_names: tuple[str, ...]
    previous: TrackIndex | None
    previous_generation: int
    since: int
    memory_limit_bytes: int


@dataclass(frozen=True)
class Finished:
    """A build's index and its image, which is what gets stored."""

    built: Built
    image: bytes


@dataclass
class RequestTally:
    """The requests a build sent to the target, known even when it fails."""

    total: int = 0


class Builder(Protocol):
    async def build(
        self,
        job: BuildJob,
        progress: BuildProgress,
        changed: Callable[[], None],
        tally: RequestTally,
    ) -> Finished: ...


async def _sealed(built: Built) -> Finished:
    await asyncio.to_thread(built.index.seal)
    return Finished(built, await asyncio.to_thread(encode, built.index))


class LocalBuilder:
    """Runs builds in this process, reading the targets ``source_factory`` opens."""

    def __init__(self, source_factory: SourceFactory) -> None:
        self._factory = source_factory

    async def build(
        self,
        job: BuildJob,
        progress: BuildProgress,
        changed: Callable[[], None],
        tally: RequestTally,
    ) -> Finished:
        async with self._factory(job.server, job.config) as source:
            try:
                built = await build_generation(
                    server=job.server,
                    label=job.label,
                    source=source,
                    library_names=job.library_names,
                    previous=job.previous,
                    since=job.since,
                    memory_limit_bytes=job.memory_limit_bytes,
                    progress=progress,
                    changed=changed,
                )
            finally:
                tally.total = source.counter.total
        return await _sealed(built)


class WorkerBuilder:
    """Runs each build in a worker process; the token travels on its stdin, never in its
    arguments or environment."""

    def __init__(
        self,
        connection: ConnectionInfo,
        images: ImageReader,
        command: Sequence[str] = WORKER_COMMAND,
    ) -> None:
        self._connection = connection
        self._images = images
        self._command = tuple(command)

    async def build(
        self,
        job: BuildJob,
        progress: BuildProgress,
        changed: Callable[[], None],
        tally: RequestTally,
    ) -> Finished:
        async with build_folder() as folder:
            async with self._worker() as (stdin, stdout):
                # The worker starts (a quarter of a second of imports) while we gather
                # what it needs: the token from config_svc and, for a refresh, the serving
                # image.
                stdin.write(await self._request(job, progress, folder))
                await stdin.drain()
                done = await _answers(stdout, progress, changed, tally)
            image, index = await asyncio.to_thread(_load, folder / NEW_IMAGE)
        return Finished(
            Built(
                index=index,
                libraries=done.libraries,
                changes_since=done.changes_since,
                timings=dict(done.timings),
                costs=done.costs,
            ),
            image,
        )

    async def _request(self, job: BuildJob, progress: BuildProgress, folder: Path) -> bytes:
        """The request frame; for a refresh, the previous image is put in ``folder``."""
        if job.previous is not None:
            previous = await self._images(job.server, job.previous_generation)
            await asyncio.to_thread((folder / PREVIOUS_IMAGE).write_bytes, previous)
            del previous
        endpoint = await self._connection(job.server, job.config)
        request = WorkerRequest(
            server=job.server,
            label=job.label,
            kind=endpoint.kind,
            url=endpoint.url,
            url_name=endpoint.url_name,
            user_id=endpoint.user_id,
            settings=dict(endpoint.settings),
            token=endpoint.token,
            library_names=job.library_names,
            refresh=job.previous is not None,
            since=job.since,
            memory_limit_bytes=job.memory_limit_bytes,
            full=progress.full,
            started_at=progress.started_at,
            folder=folder,
            trace=_trace_context(),
        )
        return to_frame(request)

    @contextlib.asynccontextmanager
    async def _worker(
        self,
    ) -> AsyncIterator[tuple[asyncio.StreamWriter, asyncio.StreamReader]]:
        """A worker process. Its stdin stays open while it works: the worker exits when it
        closes (we died). Once it answered, it ends by itself (its last spans go out
        first); if the build fails or is cancelled on our side, it is killed."""
        process = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdin is not None
        assert process.stdout is not None
        answered = False
        try:
            yield process.stdin, process.stdout
            answered = True
        finally:
            try:
                if answered:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WORKER_EXIT_SECONDS):
                            await process.wait()
            finally:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                process.stdin.close()
                await asyncio.shield(process.wait())


async def _answers(
    stdout: asyncio.StreamReader,
    progress: BuildProgress,
    changed: Callable[[], None],
    tally: RequestTally,
) -> WorkerDone:
    """Follow the worker's messages to its result (its image is in the build's folder):
    progress is copied into ``progress``."""
    while True:
        try:
            message = from_frame(*await read_frame(stdout))
        except MalformedMessage as exc:
            raise BuildFailed(f"the build worker answered wrongly: {exc}") from None
        match message:
            case WorkerProgress():
                message.copy_to(progress)
                changed()
            case WorkerDone():
                tally.total = message.requests
                return message
            case WorkerFailed():
                tally.total = message.requests
                raise BuildFailed(message.message)
            case WorkerRequest():
                raise BuildFailed("the build worker sent a REQUEST message")


def _load(path: Path) -> tuple[bytes, TrackIndex]:
    image = path.read_bytes()
    return image, decode(image)


def _trace_context() -> dict[str, str]:
    """The current trace (the manager's ``cache.build`` span), for the worker's spans to
    join: W3C trace-context headers, empty when nothing is traced."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
