"""The pure parts of match overrides: source keys, key checks, the decision before
matching, matching with rejected items out of reach, and pins that went stale."""

from __future__ import annotations

import pytest

from common.matching import LibraryTrack, MatchMethod, Query, TrackIndex
from common.matching.excluding import match_excluding
from common.matching.overrides import (
    KeyKind,
    MatchOverride,
    OverrideAction,
    SourceKey,
    apply_overrides,
    by_key,
    check_key,
    source_key,
    text_key,
)
from common.matching.steered import item_positions, match_steered

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
LIBRARY = [
    LibraryTrack(
        "1", "Music", "Get Back", ("The Beatles",), album="Let It Be", duration_ms=190_000
    ),
    LibraryTrack(
        "2", "Music", "Get Back", ("The Beatles",), album="Past Masters", duration_ms=191_000
    ),
    LibraryTrack("3", "Music", "Uprising", ("Muse",), album="The Resistance", mbid=MBID),
    LibraryTrack("4", "Music", "Uprising", ("Muse",), album="Live at Rome"),
]


def override(key: SourceKey, action: OverrideAction, item_id: str = "") -> MatchOverride:
    return MatchOverride("plex", key, action, item_id)


def test_the_key_is_the_mbid_else_the_isrc_else_the_words() -> None:
    assert source_key(Query("x", ("a",), mbid=MBID.upper(), isrc="USRC17607839")) == SourceKey(
        KeyKind.MBID, MBID
    )
    assert source_key(Query("x", ("a",), isrc="us-rc1-76-07839")) == SourceKey(
        KeyKind.ISRC, "USRC17607839"
    )
    assert source_key(Query("x", ("a",), mbid="junk", isrc="junk")) == text_key("a", "x")
    assert source_key(Query("Title", ())) is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Motörhead", "Ace of Spades", ""), ("MOTORHEAD", "ace of spades", "")),
        (("The Beatles feat. Billy Preston", "Get Back", ""), ("Beatles", "Get Back!", "")),
        (("AC/DC", "T.N.T.", "High Voltage"), ("ACDC", "TNT", "high voltage")),
        (("Queen", "Bohemian Rhapsody - Remastered 2011", ""), ("queen", "Bohemian Rhapsody", "")),
    ],
)
def test_text_keys_meet_any_spelling(
    one: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    assert text_key(*one) == text_key(*other)


def test_a_live_take_has_another_key_than_the_studio_one() -> None:
    assert text_key("Muse", "Uprising (Live)") != text_key("Muse", "Uprising")


@pytest.mark.parametrize(
    ("kind", "value", "artist", "title", "field"),
    [
        (None, "", "", "", "k"),
        (KeyKind.MBID, "1234", "", "", "k.recording_mbid"),
        (KeyKind.ISRC, "US-12", "", "", "k.isrc"),
        (KeyKind.TEXT, "", "", "Title", "k.text.artist"),
        (KeyKind.TEXT, "", "Artist", "   ", "k.text.title"),
        (KeyKind.TEXT, "", "Artist", "x" * 1025, "k.text.title"),
    ],
)
def test_a_bad_key_names_its_field(
    kind: KeyKind | None, value: str, artist: str, title: str, field: str
) -> None:
    key, problems = check_key(kind, value, artist, title, "", "k")
    assert key is None
    assert [p.field for p in problems] == [field]


def test_apply_overrides_pins_rejects_and_excludes() -> None:
    queries = [
        Query("Get Back", ("The Beatles",)),
        Query("Uprising", ("Muse",), mbid=MBID),
        Query("Hey Jude", ("The Beatles",)),
        Query("Something", ("The Beatles",)),
    ]
    pin = override(text_key("Beatles", "get back"), OverrideAction.PIN, "2")
    never = override(SourceKey(KeyKind.MBID, MBID), OverrideAction.REJECT)
    not_this = override(text_key("The Beatles", "Something"), OverrideAction.REJECT, "9")
    jelly = MatchOverride("jellyfin", text_key("The Beatles", "Hey Jude"), OverrideAction.REJECT)
    applied = apply_overrides(queries, by_key([pin, never, not_this, jelly], "plex"))
    assert applied.pinned == {0: pin}
    assert applied.rejected == {1: never}
    assert applied.remaining == (0, 2, 3)
    assert applied.excluded == {3: frozenset({"9"})}


def test_excluding_an_item_lets_the_rules_pick_among_the_others() -> None:
    index = TrackIndex(LIBRARY)
    query = Query("Get Back", ("The Beatles",), album="Let It Be")
    assert match_excluding(index, query, 0.8, frozenset()).track == LIBRARY[0]
    other = match_excluding(index, query, 0.8, frozenset({"1"}))
    assert other.method is MatchMethod.EXACT
    assert other.track == LIBRARY[1]
    by_mbid = Query("Uprising", ("Muse",), mbid=MBID)
    assert match_excluding(index, by_mbid, 0.8, frozenset({"3"})).track == LIBRARY[3]
    assert not match_excluding(index, by_mbid, 0.8, frozenset({"3", "4"})).matched


def test_match_steered_applies_overrides_and_reports_stale_pins() -> None:
    index = TrackIndex(LIBRARY)
    queries = [
        Query("Get Back", ("The Beatles",), album="Let It Be"),
        Query("Uprising", ("Muse",), mbid=MBID),
        Query("Get Back", ("Beatles",), album="Past Masters"),
    ]
    overrides = by_key(
        [
            override(text_key("The Beatles", "Get Back", "Let It Be"), OverrideAction.PIN, "2"),
            override(SourceKey(KeyKind.MBID, MBID), OverrideAction.REJECT),
            override(text_key("Beatles", "Get Back", "Past Masters"), OverrideAction.PIN, "gone"),
        ],
        "plex",
    )
    steered = match_steered(index, queries, overrides, 0.8, item_positions(index))
    pinned, rejected, fallen_back = steered.matches
    assert (pinned.method, pinned.track, pinned.reason) == (
        MatchMethod.OVERRIDE,
        LIBRARY[1],
        "pinned by user",
    )
    assert (rejected.method, rejected.track, rejected.reason) == (
        MatchMethod.OVERRIDE,
        None,
        "rejected by user",
    )
    assert not rejected.matched
    assert fallen_back.method is MatchMethod.EXACT
    assert fallen_back.track == LIBRARY[1]
    assert "gone" in fallen_back.reason
    assert [o.item_id for o in steered.stale] == ["gone"]


def test_without_overrides_matching_is_unchanged() -> None:
    index = TrackIndex(LIBRARY)
    query = Query("Uprising", ("Muse",), album="The Resistance")
    assert match_steered(index, [query], {}, 0.8, {}).matches[0].track == LIBRARY[2]
