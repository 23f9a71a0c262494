"""What each step of a build cost the target server: requests, response bytes and seconds,
kept in the build history and shown in the status."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from common.targets.counters import RequestCounter


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
    """Measures steps that run one after another on one client's counter: what the counter
    gained during a step is that step's cost."""

    def __init__(
        self, counter: RequestCounter, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._counter = counter
        self._clock = clock
        self.steps: list[StepCost] = []

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        requests, size, began = self._counter.total, self._counter.bytes_received, self._clock()
        try:
            yield
        finally:
            self.steps.append(
                StepCost(
                    name,
                    self._counter.total - requests,
                    self._counter.bytes_received - size,
                    self._clock() - began,
                )
            )
