"""The decisions behind sharing runs between replicas. Pure: no I/O, no clock reads.

A replica claims a queued run only while fewer than MAX_PARALLEL_SYNCS runs are RUNNING
across the cluster. The replica executing a run keeps it by saving its report (when it
changed) or a bare heartbeat; a run nobody renewed within its lease is another replica's
to mark INTERRUPTED (the store judges that in SQL, on the database's clock).
"""

from __future__ import annotations

import enum

# How often the executing replica renews its runs at least; kept well under the smallest
# lease SYNC_RUN_LEASE_SECONDS allows (2 s).
HEARTBEAT_SECONDS = 1.0


class Keep(enum.Enum):
    SAVE = "save"  # the report changed: save it (the save renews the lease too)
    HEARTBEAT = "heartbeat"  # unchanged, but the lease wants renewing
    NOTHING = "nothing"


def may_claim(running: int, limit: int) -> bool:
    """Whether one more run may start with ``running`` runs RUNNING in the cluster."""
    return running < max(1, limit)


def keep_action(*, changed: bool, since_renewal: float, every: float = HEARTBEAT_SECONDS) -> Keep:
    """What the executing replica does for its runs on this pass."""
    if changed:
        return Keep.SAVE
    if since_renewal >= every:
        return Keep.HEARTBEAT
    return Keep.NOTHING
