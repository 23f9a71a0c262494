"""The playlist diff: from what a target playlist holds to what it should hold, with the
fewest writes the target's API allows. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One slot of an existing playlist."""

    entry_id: str
    item_id: str


@dataclass(frozen=True)
class Plan:
    """What to do. Exactly one shape applies: nothing, create, replace, or (Plex only)
    remove some entries and append some items."""

    create: bool = False
    replace: bool = False
    remove: tuple[str, ...] = ()  # entry ids
    append: tuple[str, ...] = ()  # item ids, appended in order after the removals
    desired: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not (self.create or self.replace or self.remove or self.append)

    @property
    def added(self) -> int:
        return len(self.desired) if (self.create or self.replace) else len(self.append)

    def removed(self, current: Sequence[Entry]) -> int:
        return len(current) if self.replace else len(self.remove)


def chunks_needed(count: int, chunk: int) -> int:
    return 0 if count == 0 else -(-count // chunk)


def plan_playlist(
    current: Sequence[Entry] | None,
    desired: Sequence[str],
    *,
    replace_is_one_write: bool,
    chunk: int = 200,
) -> Plan:
    """The cheapest plan that leaves exactly ``desired``, in order.

    ``replace_is_one_write``: the target replaces a whole playlist in one request (Jellyfin).
    Otherwise (Plex) removals cost one request each and additions one per chunk of
    ``chunk`` ids, and a removals-plus-appends plan is used when the kept entries are
    already in order and the new items all come after them; else clear and re-add.
    """
    wanted = tuple(desired)
    if current is None:
        return Plan(create=True, desired=wanted)
    have = [e.item_id for e in current]
    if have == list(wanted):
        return Plan(desired=wanted)
    if replace_is_one_write:
        return Plan(replace=True, desired=wanted)

    # Keep the longest prefix of `wanted` that appears, in order, among the current
    # entries; remove every other entry; append the rest of `wanted`.
    keep: list[int] = []
    position = 0
    for index, entry in enumerate(current):
        if position < len(wanted) and entry.item_id == wanted[position]:
            keep.append(index)
            position += 1
    kept = set(keep)
    remove = tuple(e.entry_id for i, e in enumerate(current) if i not in kept)
    append = wanted[position:]
    incremental_cost = len(remove) + chunks_needed(len(append), chunk)
    replace_cost = 1 + chunks_needed(len(wanted), chunk)
    if incremental_cost <= replace_cost:
        return Plan(remove=remove, append=append, desired=wanted)
    return Plan(replace=True, desired=wanted)
