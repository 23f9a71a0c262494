"""The playlist diff: from what a target playlist holds to what it should hold, with the
fewest writes the target's API allows. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from common.domain import SyncMode


@dataclass(frozen=True)
class Entry:
    """One slot of an existing playlist."""

    entry_id: str
    item_id: str


@dataclass(frozen=True)
class Repeat:
    """An item that the desired list names more than once (a track the source repeats, or
    two source tracks matched to one item): ``indexes`` into the desired list, in order; the
    first is the one a target that keeps one entry per item holds."""

    item_id: str
    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """What to do. Exactly one shape applies: nothing, create, replace, or remove some
    entries and append some items."""

    create: bool = False
    replace: bool = False
    remove: tuple[str, ...] = ()  # entry ids
    append: tuple[str, ...] = ()  # item ids, appended in order after the removals
    desired: tuple[str, ...] = ()  # what the playlist holds afterwards
    repeats: tuple[Repeat, ...] = ()  # left out of ``desired``: the target keeps one each

    @property
    def unchanged(self) -> bool:
        return not (self.create or self.replace or self.remove or self.append)

    @property
    def added(self) -> int:
        return len(self.desired) if (self.create or self.replace) else len(self.append)

    def removed(self, current: Sequence[Entry]) -> int:
        if self.replace:
            return len(current)
        gone = set(self.remove)
        return sum(1 for e in current if e.entry_id in gone)


def chunks_needed(count: int, chunk: int) -> int:
    return 0 if count == 0 else -(-count // chunk)


def repeats_of(desired: Sequence[str]) -> tuple[Repeat, ...]:
    """Every item named more than once, in the order of first appearance."""
    seen: dict[str, list[int]] = {}
    for index, item in enumerate(desired):
        seen.setdefault(item, []).append(index)
    return tuple(Repeat(item, tuple(at)) for item, at in seen.items() if len(at) > 1)


def without_repeats(desired: Sequence[str]) -> tuple[str, ...]:
    """``desired`` as a target that keeps one entry per item holds it: first occurrence
    kept, order otherwise unchanged."""
    return tuple(dict.fromkeys(desired))


def _kept(current: Sequence[Entry], wanted: Sequence[str]) -> list[int]:
    """Indexes of the current entries to keep: the longest prefix of ``wanted`` that appears,
    in order, among them, cut before any entry whose id a removed entry shares (Jellyfin
    10.10 on reports the item id as the entry id, and a removal takes every entry of it)."""
    keep: list[int] = []
    for index, entry in enumerate(current):
        if len(keep) < len(wanted) and entry.item_id == wanted[len(keep)]:
            keep.append(index)
    while True:
        kept = set(keep)
        removed = {e.entry_id for i, e in enumerate(current) if i not in kept}
        clash = next((n for n, i in enumerate(keep) if current[i].entry_id in removed), None)
        if clash is None:
            return keep
        keep = keep[:clash]


def missing(current: Sequence[Entry], wanted: Sequence[str]) -> tuple[str, ...]:
    """The items of ``wanted`` the playlist lacks, in ``wanted``'s order: an item wanted
    n times and held m times is missing n - m times."""
    held = Counter(e.item_id for e in current)
    lacking: list[str] = []
    for item in wanted:
        if held[item]:
            held[item] -= 1
        else:
            lacking.append(item)
    return tuple(lacking)


def plan_playlist(
    current: Sequence[Entry] | None,
    desired: Sequence[str],
    *,
    bulk_removal: bool,
    keeps_repeats: bool = True,
    chunk: int = 200,
    mode: SyncMode = SyncMode.MIRROR,
) -> Plan:
    """The cheapest plan that leaves exactly what the target will hold of ``desired``.

    ``mode``: APPEND never removes or moves an entry: it appends, at the end, what the
    playlist lacks of ``desired`` (repeats counted as in MIRROR), so whatever a user put
    there stays where it was; ``desired`` of the plan is then the playlist afterwards.

    ``keeps_repeats``: the target keeps an item more than once. When it does not (Jellyfin
    before 12), the plan aims at ``desired`` without its repeats, so that an unchanged
    source settles into no writes instead of a rewrite on every sync.

    ``bulk_removal``: one request removes many entries (Jellyfin). Then the plan is always
    to remove what does not fit and append the rest: never dearer than clearing and
    re-adding. Otherwise (Plex) removals cost one request each and additions one per chunk
    of ``chunk`` ids, and the plan clears and re-adds when that is cheaper.
    """
    wanted = tuple(desired) if keeps_repeats else without_repeats(desired)
    repeats = () if keeps_repeats else repeats_of(desired)
    if current is None:
        # Nothing to hold and no playlist yet: none is created (Plex refuses an empty one).
        return Plan(create=bool(wanted), desired=wanted, repeats=repeats)
    if mode is SyncMode.APPEND:
        append = missing(current, wanted)
        after = (*(e.item_id for e in current), *append)
        return Plan(append=append, desired=after, repeats=repeats)
    if [e.item_id for e in current] == list(wanted):
        return Plan(desired=wanted, repeats=repeats)
    keep = _kept(current, wanted)
    kept = set(keep)
    remove = tuple(dict.fromkeys(e.entry_id for i, e in enumerate(current) if i not in kept))
    append = wanted[len(keep) :]
    incremental = Plan(remove=remove, append=append, desired=wanted, repeats=repeats)
    if bulk_removal:
        return incremental
    incremental_cost = len(remove) + chunks_needed(len(append), chunk)
    replace_cost = 1 + chunks_needed(len(wanted), chunk)
    if incremental_cost <= replace_cost:
        return incremental
    return Plan(replace=True, desired=wanted, repeats=repeats)
