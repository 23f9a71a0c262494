"""Whether a target's library holds the items an override names: config_svc asks
cache_svc (its serving generation is the only library cmdarr knows without a live call)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from common.model import Target


class ItemChecker(Protocol):
    async def missing(self, target: Target, item_ids: Sequence[str]) -> set[str] | None:
        """The ids the target's cache does not hold; None when no cache generation serves
        the target (the ids cannot be checked, so they are accepted)."""
        ...


class AcceptAll:
    """No cache to ask (tests, or a config_svc started without cache_svc's address)."""

    async def missing(self, target: Target, item_ids: Sequence[str]) -> set[str] | None:  # noqa: ARG002
        return None
