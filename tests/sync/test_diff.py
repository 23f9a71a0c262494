"""The playlist diff (pure)."""

from __future__ import annotations

import random

import pytest

from sync_svc.diff import Entry, Plan, plan_playlist


def entries(*items: str) -> list[Entry]:
    return [Entry(f"e{i}", item) for i, item in enumerate(items)]


def apply(current: list[Entry], plan: Plan) -> list[str]:
    """What the playlist holds after the plan (the model of both targets)."""
    if plan.create or plan.replace:
        return list(plan.desired)
    gone = set(plan.remove)
    return [e.item_id for e in current if e.entry_id not in gone] + list(plan.append)


def test_missing_playlist_is_created_with_everything() -> None:
    plan = plan_playlist(None, ["a", "b"], replace_is_one_write=False)
    assert plan.create
    assert plan.desired == ("a", "b")
    assert plan.added == 2


@pytest.mark.parametrize("one_write", [True, False])
def test_unchanged_costs_nothing(one_write: bool) -> None:
    assert plan_playlist(entries("a", "b"), ["a", "b"], replace_is_one_write=one_write).unchanged


def test_jellyfin_replaces_in_one_write() -> None:
    plan = plan_playlist(entries("a", "b"), ["b", "a"], replace_is_one_write=True)
    assert plan.replace
    assert plan.desired == ("b", "a")


def test_plex_appends_new_items_at_the_end() -> None:
    plan = plan_playlist(entries("a", "b"), ["a", "b", "c", "d"], replace_is_one_write=False)
    assert (plan.remove, plan.append) == ((), ("c", "d"))


def test_plex_removes_what_is_gone() -> None:
    current = entries("a", "x", "b", "c")
    plan = plan_playlist(current, ["a", "b", "c"], replace_is_one_write=False)
    assert (plan.remove, plan.append) == (("e1",), ())
    assert plan.removed(current) == 1


def test_plex_reorder_falls_back_to_replace() -> None:
    plan = plan_playlist(entries(*"abcdef"), list("fedcba"), replace_is_one_write=False)
    assert plan.replace


def test_duplicates_are_kept() -> None:
    current = entries("a", "a", "b")
    plan = plan_playlist(current, ["a", "b", "a"], replace_is_one_write=False)
    assert apply(current, plan) == ["a", "b", "a"]


@pytest.mark.parametrize("one_write", [True, False])
def test_every_plan_leaves_exactly_the_desired_list(one_write: bool) -> None:
    rand = random.Random(7)
    for _ in range(500):
        current = entries(*rand.choices("abcdefgh", k=rand.randrange(0, 8)))
        desired = rand.choices("abcdefghij", k=rand.randrange(0, 9))
        plan = plan_playlist(current, desired, replace_is_one_write=one_write)
        assert apply(current, plan) == desired
