"""What an incremental refresh writes, decided from three id sets: pure, so that every
case (a deletion balanced by an addition, an edit, an addition the delta missed) is
tested without a server."""

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
