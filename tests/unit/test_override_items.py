"""The callers' item check of a pin (common/override_items.py): what it asks cache_svc,
and the violation it reads from the answer."""

from __future__ import annotations

from typing import Any

import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.type.v1 import type_pb2 as tpb

from common.errors import FieldViolation
from common.override_items import check_item, item_violations, lookup_of


def pin(item_id: str, target: tpb.Target.ValueType = tpb.TARGET_PLEX) -> cpb.MatchOverride:
    return cpb.MatchOverride(
        target=target,
        key=cpb.SourceKey(isrc="USRC17607839"),
        action=cpb.OVERRIDE_ACTION_PIN,
        item_id=item_id,
    )


def test_the_lookup_asks_for_the_trimmed_id_and_only_when_there_is_one_to_check() -> None:
    assert lookup_of(pin(" 101 ")) == cache_pb.LookupItemsRequest(
        target=tpb.TARGET_PLEX, item_ids=["101"]
    )
    assert lookup_of(pin("")) is None, "a rejection without an item"
    assert lookup_of(pin("  ")) is None
    assert lookup_of(pin("101", tpb.TARGET_UNSPECIFIED)) is None, "config_svc names the target"
    assert lookup_of(pin("x" * 257)) is None, "config_svc names the length"


def test_a_missing_item_is_refused_naming_the_field() -> None:
    reply = cache_pb.LookupItemsResponse(serving=True, missing_item_ids=["404"])
    (violation,) = item_violations(pin("404", tpb.TARGET_JELLYFIN), reply)
    assert violation.field == "override.item_id"
    assert "Jellyfin library cache holds no item '404'" in violation.description


def test_a_held_item_or_a_cache_that_serves_nothing_passes() -> None:
    held = cache_pb.LookupItemsResponse(serving=True, items=[cache_pb.Candidate(item_id="101")])
    assert item_violations(pin("101"), held) == []
    unbuilt = cache_pb.LookupItemsResponse(state=cache_pb.CACHE_STATE_EMPTY, serving=False)
    assert item_violations(pin("404"), unbuilt) == [], "cannot be checked: accepted"


class Cache:
    """A cache_svc stub holding some ids, recording what it was asked."""

    def __init__(self, held: set[str]) -> None:
        self.held = held
        self.asked: list[cache_pb.LookupItemsRequest] = []

    async def LookupItems(
        self, request: cache_pb.LookupItemsRequest, **call: float
    ) -> cache_pb.LookupItemsResponse:
        assert call["timeout"] > 0, "every call has a deadline"
        self.asked.append(request)
        missing = [i for i in request.item_ids if i not in self.held]
        return cache_pb.LookupItemsResponse(serving=True, missing_item_ids=missing)


@pytest.mark.parametrize(
    ("override", "asked", "found"),
    [
        (pin("101"), 1, []),
        (pin("404"), 1, ["override.item_id"]),
        (cpb.MatchOverride(target=tpb.TARGET_PLEX, action=cpb.OVERRIDE_ACTION_REJECT), 0, []),
    ],
)
async def test_check_item_asks_once_and_reports_the_field(
    override: cpb.MatchOverride, asked: int, found: list[str]
) -> None:
    cache = Cache({"101"})
    stub: Any = cache
    problems: list[FieldViolation] = await check_item(stub, override, deadline=1.0)
    assert [p.field for p in problems] == found
    assert len(cache.asked) == asked
