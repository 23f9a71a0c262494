"""The pure decisions behind sharing runs between replicas, and the cron slot they agree on."""

from __future__ import annotations

import itertools

import pytest

from sync_svc.claims import HEARTBEAT_SECONDS, Keep, keep_action, may_claim
from sync_svc.scheduler import fire_time

BASE = 1_800_000_000.0  # a fixed instant (2027-01-15 08:00 UTC), a fire time of */5


@pytest.mark.parametrize(
    ("running", "limit", "expected"),
    [(0, 1, True), (1, 1, False), (1, 2, True), (2, 2, False), (5, 2, False), (0, 0, True)],
)
def test_may_claim_below_the_cluster_limit(running: int, limit: int, expected: bool) -> None:
    assert may_claim(running, limit) is expected


@pytest.mark.parametrize(
    ("changed", "since", "expected"),
    [
        (True, 0.0, Keep.SAVE),
        (True, 10.0, Keep.SAVE),
        (False, HEARTBEAT_SECONDS, Keep.HEARTBEAT),
        (False, HEARTBEAT_SECONDS / 2, Keep.NOTHING),
    ],
)
def test_keep_action(changed: bool, since: float, expected: Keep) -> None:
    assert keep_action(changed=changed, since_renewal=since) is expected


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        (BASE - 30, BASE - 1, None),
        (BASE - 30, BASE, BASE),
        (BASE - 1, BASE + 29, BASE),
        (BASE, BASE + 299, None),
        (BASE + 1, BASE + 700, BASE + 600),  # several fire times: the latest names the slot
    ],
)
def test_fire_time(last: float, now: float, expected: float | None) -> None:
    assert fire_time("*/5 * * * *", last, now) == expected


def test_replicas_ticking_at_different_moments_agree_on_the_slot() -> None:
    ticks_a = [BASE - 40 + 30 * i for i in range(4)]  # ..., BASE - 10, BASE + 20, ...
    ticks_b = [BASE - 25 + 30 * i for i in range(4)]
    slots_a = {fire_time("*/5 * * * *", a, b) for a, b in itertools.pairwise(ticks_a)}
    slots_b = {fire_time("*/5 * * * *", a, b) for a, b in itertools.pairwise(ticks_b)}
    assert slots_a - {None} == slots_b - {None} == {BASE}
