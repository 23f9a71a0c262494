"""The live path's override decision (pure): pins used without a search, rejected tracks
never searched, rejected items kept out of the hits."""

from __future__ import annotations

from common.domain import Destination
from common.matching import MatchMethod
from common.matching.overrides import MatchOverride, OverrideAction, by_key, text_key
from sync_svc.overriding import decide_live
from sync_svc.runs import Track, Via

TRACKS = [
    Track("Get Back", ("The Beatles",)),
    Track("Uprising", ("Muse",)),
    Track("Something", ("The Beatles",)),
    Track("Hey Jude", ("The Beatles",)),
]


def test_pins_and_rejections_are_decided_before_any_search() -> None:
    overrides = by_key(
        [
            MatchOverride("plex", text_key("Beatles", "Get Back"), OverrideAction.PIN, "7"),
            MatchOverride("plex", text_key("Muse", "Uprising"), OverrideAction.REJECT),
            MatchOverride("plex", text_key("The Beatles", "Something"), OverrideAction.REJECT, "9"),
            MatchOverride("jellyfin", text_key("The Beatles", "Hey Jude"), OverrideAction.REJECT),
        ],
        "plex",
    )
    decision = decide_live(Destination("plex"), TRACKS, [0, 1, 2, 3], overrides)
    pinned, rejected = decision.decided[0], decision.decided[1]
    assert (pinned.via, pinned.method, pinned.reason) == (
        Via.LIVE,
        MatchMethod.OVERRIDE,
        "pinned by user",
    )
    assert pinned.match is not None
    assert pinned.match.item_id == "7"
    assert (rejected.via, rejected.method, rejected.reason, rejected.match) == (
        Via.UNMATCHED,
        MatchMethod.OVERRIDE,
        "rejected by user",
        None,
    )
    assert decision.remaining == [2, 3]
    assert decision.excluded == {2: frozenset({"9"})}


def test_without_overrides_every_position_is_searched() -> None:
    decision = decide_live(Destination("plex"), TRACKS, [1, 3], {})
    assert (decision.decided, decision.remaining, decision.excluded) == ({}, [1, 3], {})
