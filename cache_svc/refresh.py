"""What an incremental refresh writes, decided from three id sets, and whether a library
needs its id sweep at all: pure, so that every case (a deletion balanced by an addition,
an edit, an addition the delta missed) is tested without a server."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass


@dataclass(frozen=True)
class RefreshPlan:
    deleted: frozenset[str]  # known ids the sweep no longer found
    written: frozenset[str]  # fetched tracks still present: added or edited
    replaced: frozenset[str]  # previous rows not copied: deleted or rewritten
    unknown: frozenset[str]  # present, yet neither known nor fetched: the delta missed them


def refresh_plan(*, known: Set[str], fetched: Set[str], present: Set[str]) -> RefreshPlan:
    """``known``: the serving generation's ids; ``fetched``: the delta listings' ids;
    ``present``: the id sweep's. Id sets are compared, never counts."""
    deleted = frozenset(known - present)
    written = frozenset(fetched & present)
    return RefreshPlan(
        deleted=deleted,
        written=written,
        replaced=deleted | (written & frozenset(known)),
        unknown=frozenset(present - known - fetched),
    )


def nothing_gone(*, total: int, known: Set[str], fetched: Set[str]) -> bool:
    """Whether a library's track count rules out a deletion, so that its id sweep can be
    left out: the server holds ``total`` tracks, and the known ones together with those
    the delta listing fetched (added or edited) are exactly as many, so none is missing.
    A deletion balanced by an addition still shows: the addition is among the fetched.
    Any other count (a deletion, an addition the delta missed, a change made between the
    two requests) needs the sweep. What no count tells apart is a deletion together with
    an addition the delta missed; the next refresh whose count differs sweeps, and finds
    the deletion."""
    return total == len(known | fetched)
