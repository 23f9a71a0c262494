"""What each step of a build cost the target server: requests, response bytes and seconds,
kept in the build history and shown in the status."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from common.targets.counters import tallying


@dataclass(frozen=True)
class StepCost:
    """One step: ``libraries`` (the library listing), ``listing`` (a full build's pages),
    ``delta`` (an incremental refresh's changed tracks) or ``sweep`` (its id sweep)."""

    step: str
    requests: int
    bytes: int
    seconds: float


def costs_to_json(costs: Sequence[StepCost]) -> str:
    return json.dumps(
        [
            {"step": c.step, "requests": c.requests, "bytes": c.bytes, "seconds": c.seconds}
            for c in costs
        ]
    )


def costs_from_json(text: str) -> tuple[StepCost, ...]:
    """The steps stored by ``costs_to_json``; none for an empty text (older rows)."""
    if not text:
        return ()
    return tuple(
        StepCost(str(c["step"]), int(c["requests"]), int(c["bytes"]), float(c["seconds"]))
        for c in json.loads(text)
    )


class CostMeter:
    """Measures a build's steps, also those that run at once: each step counts the
    requests its own tasks send (``tallying``)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._started: list[str] = []
        self._done: dict[str, StepCost] = {}

    @property
    def steps(self) -> list[StepCost]:
        """The finished steps, in the order they began."""
        return [self._done[name] for name in self._started if name in self._done]

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        began = self._clock()
        self._started.append(name)
        with tallying() as tally:
            try:
                yield
            finally:
                seconds = self._clock() - began
                self._done[name] = StepCost(name, tally.requests, tally.bytes, seconds)
