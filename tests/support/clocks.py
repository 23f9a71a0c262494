"""A clock the test moves by hand, for code that takes ``clock: Callable[[], float]``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.support.waiting import eventually


@dataclass
class SteppedClock:
    """Stands still until advanced, and counts its reads: a test that must show something
    did NOT happen waits until the code under test has looked at the time again, instead
    of sleeping and hoping it did."""

    now: float = field(default_factory=time.time)
    reads: int = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def read_again(self, times: int = 2, within: float = 10.0) -> None:
        """Wait (bounded) until the clock has been read ``times`` more times."""
        wanted = self.reads + times
        await eventually(
            lambda: self.reads >= wanted, within=within, what=f"{times} more clock reads"
        )
