"""What an incremental refresh writes, from the known, fetched and swept id sets."""

from __future__ import annotations

import asyncio

from cache_svc.costs import CostMeter, StepCost, costs_from_json, costs_to_json
from cache_svc.refresh import nothing_gone, refresh_plan
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.offload import should_offload


def test_a_removal_balanced_by_an_addition_is_found() -> None:
    plan = refresh_plan(known={"a", "b", "c"}, fetched={"d"}, present={"a", "b", "d"})
    assert plan.deleted == {"c"}
    assert plan.written == {"d"}
    assert plan.replaced == {"c"}
    assert plan.unknown == frozenset()


def test_an_edit_is_rewritten_and_a_short_lived_track_is_not() -> None:
    plan = refresh_plan(known={"a", "b"}, fetched={"a", "x"}, present={"a", "b"})
    assert plan.written == {"a"}  # "x" came and went between the delta and the sweep
    assert plan.replaced == {"a"}
    assert plan.deleted == frozenset()


def test_an_addition_the_delta_missed_is_reported() -> None:
    plan = refresh_plan(known={"a"}, fetched=set(), present={"a", "z"})
    assert plan.unknown == {"z"}


def test_a_count_that_adds_up_rules_out_a_deletion() -> None:
    known = {"a", "b", "c"}
    assert nothing_gone(total=3, known=known, fetched=set())  # nothing changed
    assert nothing_gone(total=3, known=known, fetched={"a"})  # an edit
    assert nothing_gone(total=4, known=known, fetched={"a", "d"})  # an edit and an addition


def test_every_other_count_needs_the_sweep() -> None:
    known = {"a", "b", "c"}
    assert not nothing_gone(total=2, known=known, fetched=set())  # a deletion
    # A deletion balanced by an addition: the total is unchanged, the addition shows.
    assert not nothing_gone(total=3, known=known, fetched={"d"})
    assert not nothing_gone(total=4, known=known, fetched=set())  # an addition the delta missed
    assert not nothing_gone(total=5, known=known, fetched={"d"})  # one more missed


def test_costs_survive_their_json() -> None:
    costs = (StepCost("delta", 2, 1234, 0.5), StepCost("sweep", 10, 99, 1.25))
    assert costs_from_json(costs_to_json(costs)) == costs
    assert costs_from_json("") == ()


def test_only_large_bodies_are_parsed_off_the_loop() -> None:
    assert not should_offload(2_000)
    assert should_offload(250_000)
    assert should_offload(10, threshold=10)


async def test_steps_running_at_once_keep_their_costs_apart() -> None:
    counter = RequestCounter()
    meter = CostMeter()

    async def step(name: str, requests: int, size: int) -> None:
        async with meter.step(name):

            async def one() -> None:  # in a task of its own, as a listing's pages are
                await asyncio.sleep(0)
                counter.count(EndpointClass.TRACK_PAGE)
                counter.received(size)

            await asyncio.gather(*(one() for _ in range(requests)))

    counter.count(EndpointClass.OTHER)  # outside any step: counted by the client alone
    await asyncio.gather(step("delta", 4, 10), step("sweep", 2, 1000))
    assert [(c.step, c.requests, c.bytes) for c in meter.steps] == [
        ("delta", 4, 40),
        ("sweep", 2, 2000),
    ]
    assert (counter.total, counter.bytes_received) == (7, 2040)
