"""What a running service owns, and the one order in which it is let go.

Every service app registers its server, background tasks, service-specific stop steps,
client channels and database here, and stops through ``Lifecycle.stop``: stop serving
(health NOT_SERVING, in-flight calls get the grace period), cancel the background tasks,
run the stop steps, close the channels, close the database. Each step is bounded, so no
step can hang the exit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import grpc

from common.database.engine import Database
from common.runtime.server import GrpcServer, bounded

StopStep = Callable[[], Awaitable[object]]


class Lifecycle:
    """The resources of one running service, released in a fixed, safe order."""

    def __init__(self, server: GrpcServer, db: Database | None = None) -> None:
        self.server = server
        self._db = db
        self._tasks: list[asyncio.Task[None]] = []
        self._steps: list[StopStep] = []
        self._channels: list[grpc.aio.Channel] = []

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` in the background until the service stops (then it is cancelled)."""
        task = asyncio.create_task(work, name=name)
        self._tasks.append(task)
        return task

    def on_stop(self, step: StopStep) -> None:
        """Run ``step`` once serving and background work have stopped (in the order given)."""
        self._steps.append(step)

    def own(self, channel: grpc.aio.Channel) -> grpc.aio.Channel:
        """Close ``channel`` at stop; returns it for chaining."""
        self._channels.append(channel)
        return channel

    @property
    def tasks(self) -> tuple[asyncio.Task[None], ...]:
        return tuple(self._tasks)

    async def stop(self, grace: float) -> None:
        await self.server.stop(grace)
        for task in self._tasks:
            task.cancel()
        await bounded(asyncio.gather(*self._tasks, return_exceptions=True))
        for step in self._steps:
            await bounded(step())
        for channel in self._channels:
            await bounded(channel.close(None))
        if self._db is not None:
            await bounded(self._db.close())
