"""The playlist diff (pure)."""

from __future__ import annotations

import random

import pytest

from common.domain import SyncMode
from sync_svc.diff import Entry, Plan, Repeat, plan_playlist, repeats_of, without_repeats


def entries(*items: str) -> list[Entry]:
    return [Entry(f"e{i}", item) for i, item in enumerate(items)]


def shared(*items: str) -> list[Entry]:
    """Entries as Jellyfin 10.10 on reports them: the entry id is the item id."""
    return [Entry(item, item) for item in items]


def apply(current: list[Entry], plan: Plan) -> list[str]:
    """What the playlist holds after the plan (the model of both targets): a removal takes
    every entry with that id."""
    if plan.create or plan.replace:
        return list(plan.desired)
    gone = set(plan.remove)
    return [e.item_id for e in current if e.entry_id not in gone] + list(plan.append)


@pytest.mark.parametrize("bulk", [True, False])
def test_nothing_to_hold_creates_no_playlist(bulk: bool) -> None:
    plan = plan_playlist(None, [], bulk_removal=bulk)
    assert plan == Plan()
    assert plan.unchanged


def test_missing_playlist_is_created_with_everything() -> None:
    plan = plan_playlist(None, ["a", "b"], bulk_removal=False)
    assert plan.create
    assert plan.desired == ("a", "b")
    assert plan.added == 2


@pytest.mark.parametrize("bulk", [True, False])
def test_unchanged_costs_nothing(bulk: bool) -> None:
    assert plan_playlist(entries("a", "b"), ["a", "b"], bulk_removal=bulk).unchanged


def test_bulk_removal_removes_and_appends_instead_of_replacing() -> None:
    current = entries("a", "b")
    plan = plan_playlist(current, ["b", "a"], bulk_removal=True)
    assert not plan.replace
    assert (plan.remove, plan.append) == (("e0",), ("a",))
    assert apply(current, plan) == ["b", "a"]


def test_plex_appends_new_items_at_the_end() -> None:
    plan = plan_playlist(entries("a", "b"), ["a", "b", "c", "d"], bulk_removal=False)
    assert (plan.remove, plan.append) == ((), ("c", "d"))


def test_plex_removes_what_is_gone() -> None:
    current = entries("a", "x", "b", "c")
    plan = plan_playlist(current, ["a", "b", "c"], bulk_removal=False)
    assert (plan.remove, plan.append) == (("e1",), ())
    assert plan.removed(current) == 1


def test_plex_reorder_falls_back_to_replace() -> None:
    plan = plan_playlist(entries(*"abcdef"), list("fedcba"), bulk_removal=False)
    assert plan.replace


def test_duplicates_are_kept_where_the_target_keeps_them() -> None:
    current = entries("a", "a", "b")
    plan = plan_playlist(current, ["a", "b", "a"], bulk_removal=False)
    assert apply(current, plan) == ["a", "b", "a"]
    assert plan.repeats == ()


def test_repeats_are_left_out_where_the_target_keeps_one_entry_per_item() -> None:
    # What Jellyfin 10.11 holds after the first sync of [a, b, a]: [a, b]. The second sync
    # of the same source must write nothing.
    plan = plan_playlist(shared("a", "b"), ["a", "b", "a"], bulk_removal=True, keeps_repeats=False)
    assert plan.unchanged
    assert plan.desired == ("a", "b")
    assert plan.repeats == (Repeat("a", (0, 2)),)


def test_a_created_playlist_leaves_the_repeats_out_too() -> None:
    plan = plan_playlist(None, ["x", "y", "x", "x"], bulk_removal=False, keeps_repeats=False)
    assert plan.desired == ("x", "y")
    assert plan.repeats == (Repeat("x", (0, 2, 3)),)


def test_a_removal_never_takes_a_kept_entry_that_shares_its_id() -> None:
    # Jellyfin 12: repeats allowed, and both entries of "a" carry the entry id "a".
    current = shared("a", "b", "a")
    plan = plan_playlist(current, ["b", "a"], bulk_removal=True)
    assert apply(current, plan) == ["b", "a"]
    assert plan.removed(current) == 2


def test_repeats_and_first_occurrences() -> None:
    assert repeats_of(["a", "b", "a", "c", "b"]) == (Repeat("a", (0, 2)), Repeat("b", (1, 4)))
    assert without_repeats(["a", "b", "a", "c", "b"]) == ("a", "b", "c")
    assert repeats_of(["a", "b"]) == ()


@pytest.mark.parametrize("bulk", [True, False])
@pytest.mark.parametrize("keeps", [True, False])
@pytest.mark.parametrize("make", [entries, shared])
def test_every_plan_leaves_exactly_what_the_target_keeps(
    bulk: bool, keeps: bool, make: object
) -> None:
    rand = random.Random(7)
    for _ in range(500):
        current = make(*rand.choices("abcdefgh", k=rand.randrange(0, 8)))  # type: ignore[operator]
        desired = rand.choices("abcdefghij", k=rand.randrange(0, 9))
        plan = plan_playlist(current, desired, bulk_removal=bulk, keeps_repeats=keeps)
        expected = desired if keeps else list(dict.fromkeys(desired))
        assert apply(current, plan) == expected
        assert list(plan.desired) == expected
        if bulk:
            assert not plan.replace


# ----- append mode ------------------------------------------------------------------------


@pytest.mark.parametrize("bulk", [True, False])
def test_append_adds_only_what_the_playlist_lacks_at_the_end(bulk: bool) -> None:
    current = entries("x", "b", "mine", "a")  # "mine" was added by hand; the order is a user's
    plan = plan_playlist(current, ["a", "b", "c", "d"], bulk_removal=bulk, mode=SyncMode.APPEND)
    assert plan.remove == ()
    assert not plan.replace
    assert not plan.create
    assert plan.append == ("c", "d")
    assert apply(current, plan) == ["x", "b", "mine", "a", "c", "d"]
    assert plan.desired == ("x", "b", "mine", "a", "c", "d")
    assert plan.added == 2
    assert plan.removed(current) == 0


def test_append_counts_repeats_as_mirror_does() -> None:
    current = entries("a", "mine")
    plan = plan_playlist(current, ["a", "b", "a"], bulk_removal=True, mode=SyncMode.APPEND)
    assert plan.append == ("b", "a")  # "a" is wanted twice and held once
    # A target that keeps one entry per item: the repeat is left out, as in MIRROR.
    plan = plan_playlist(
        current, ["a", "b", "a"], bulk_removal=True, keeps_repeats=False, mode=SyncMode.APPEND
    )
    assert plan.append == ("b",)
    assert plan.repeats == (Repeat("a", (0, 2)),)


@pytest.mark.parametrize("bulk", [True, False])
def test_append_with_nothing_missing_is_unchanged(bulk: bool) -> None:
    current = entries("b", "mine", "a", "a")
    plan = plan_playlist(current, ["a", "b"], bulk_removal=bulk, mode=SyncMode.APPEND)
    assert plan.unchanged
    assert plan.desired == ("b", "mine", "a", "a")


def test_append_creates_a_missing_playlist_as_mirror_does() -> None:
    assert plan_playlist(None, ["a", "b"], bulk_removal=False, mode=SyncMode.APPEND) == (
        plan_playlist(None, ["a", "b"], bulk_removal=False)
    )


def test_append_never_removes_whatever_the_source_dropped() -> None:
    current = entries("a", "b", "c")
    plan = plan_playlist(current, ["c"], bulk_removal=False, mode=SyncMode.APPEND)
    assert plan.unchanged
    assert apply(current, plan) == ["a", "b", "c"]
