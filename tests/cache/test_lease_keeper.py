"""The lease keeper stops when the build's runner cancels it, whatever else it was waking
for: a keeper that outlived its build would renew the lease for ever and leave the cache
BUILDING."""

from __future__ import annotations

import asyncio

from cache_svc.build.progress import BuildProgress
from cache_svc.lease_keeper import LeaseKeeper
from cache_svc.leases import Renewal


class HeldLeases:
    """Every renewal holds; counts them."""

    def __init__(self) -> None:
        self.renewals = 0

    async def renew(self, *_args: object) -> Renewal:
        self.renewals += 1
        return Renewal.HELD


async def test_a_cancel_that_lands_with_a_progress_change_stops_the_keeper() -> None:
    leases = HeldLeases()
    lost: list[str] = []
    keeper = LeaseKeeper(
        leases,  # type: ignore[arg-type]
        "plex",
        "replica-a",
        30,
        1,
        BuildProgress(full=True, started_at=0),
        lost.append,
    )
    task = asyncio.create_task(keeper.run())
    await asyncio.sleep(0.05)  # the keeper waits for a change or its renewal (10 s)
    keeper.changed()  # the build's last progress, and its runner's cancel, in one turn
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the keeper outlived its cancel"
    assert task.cancelled()
    assert (lost, leases.renewals) == ([], 0)
