"""Matching: normalization and the MBID -> exact -> fuzzy order on the hard cases."""

from __future__ import annotations

import pytest

from common.matching import LibraryTrack, Match, MatchMethod, Query, TrackIndex, match_track
from common.matching.normalize import artist_keys, fold, key, parse_title, split_credit

T = LibraryTrack


def lib(*tracks: LibraryTrack) -> TrackIndex:
    return TrackIndex(tracks)


LIBRARY = lib(
    T("1", "Music", "Ace of Spades", ("Motörhead",), "Motörhead", "Ace of Spades", 169_000),
    T("2", "Music", "Back in Black", ("AC/DC",), "AC/DC", "Back in Black", 255_000),
    T("3", "Music", "Back in Black - Live", ("AC/DC",), "AC/DC", "Live", 270_000),
    T("4", "Music", "Get the Party Started", ("P!nk",), "P!nk", "M!ssundaztood", 192_000),
    T(
        "5",
        "Music",
        "Don\u2019t Stop Me Now",
        ("Queen",),
        "Queen",
        "Jazz",
        209_000,
        "0b5a6f57-2d4b-4c1e-9c8f-0b1a2c3d4e5f",
    ),
    T(
        "6",
        "Music",
        "Don't Stop Me Now - Remastered 2011",
        ("Queen",),
        "Queen",
        "Jazz (2011 Remaster)",
        211_000,
    ),
    T(
        "7",
        "Music",
        "The Boxer",
        ("Simon & Garfunkel",),
        "Simon & Garfunkel",
        "Bridge over Troubled Water",
        308_000,
    ),
    T("8", "Comps", "Let It Be", ("The Beatles",), "Various Artists", "Hits of the 70s", 243_000),
    T(
        "9",
        "Music",
        "Let It Be",
        ("Aretha Franklin",),
        "Aretha Franklin",
        "This Girl's in Love",
        210_000,
    ),
    T("10", "Music", "Lose Yourself (Remix)", ("Eminem",), "Eminem", "Remixes", 300_000),
    T("11", "Music", "Lose Yourself", ("Eminem",), "Eminem", "8 Mile", 326_000),
    T("12", "Music", "紅蓮華", ("LiSA",), "LiSA", "LEO-NiNE", 239_000),
    T(
        "13",
        "Music",
        "Кукла колдуна",
        ("Король и Шут",),
        "Король и Шут",
        "Акустический альбом",
        203_000,
    ),
    T("14", "Music", "!!!", ("Symbolic",), "Symbolic", "Marks", 120_000),
    T(
        "15",
        "Music",
        "Empire State of Mind",
        ("JAY-Z", "Alicia Keys"),
        "JAY-Z",
        "The Blueprint 3",
        276_000,
    ),
    T("16", "Music", "Crazy in Love", ("Beyoncé",), "Beyoncé", "Dangerously in Love", 236_000),
)


def find(query: Query, min_confidence: float = 0.85) -> Match:
    return match_track(LIBRARY, query, min_confidence)


@pytest.mark.parametrize(
    ("query", "item", "method"),
    [
        (Query("Ace of Spades", ("Motorhead",)), "1", MatchMethod.EXACT),
        (Query("Back In Black", ("ACDC",), duration_ms=255_500), "2", MatchMethod.EXACT),
        (Query("Back in Black (Live)", ("AC/DC",)), "3", MatchMethod.EXACT),
        (Query("Get The Party Started", ("P!nk",)), "4", MatchMethod.EXACT),
        (Query("Don't Stop Me Now", ("Queen",), album="Jazz"), "5", MatchMethod.EXACT),
        (
            Query("Anything", ("Nobody",), mbid="0B5A6F57-2D4B-4C1E-9C8F-0B1A2C3D4E5F"),
            "5",
            MatchMethod.MBID,
        ),
        (Query("The Boxer", ("Simon & Garfunkel",)), "7", MatchMethod.EXACT),
        (Query("Let It Be", ("Beatles",)), "8", MatchMethod.EXACT),
        (Query("Let It Be", ("Aretha Franklin",)), "9", MatchMethod.EXACT),
        (Query("Lose Yourself", ("Eminem",)), "11", MatchMethod.EXACT),
        (Query("Lose Yourself - Remix", ("Eminem",)), "10", MatchMethod.EXACT),
        (Query("紅蓮華", ("LiSA",)), "12", MatchMethod.EXACT),
        (Query("Кукла Колдуна", ("Король и Шут",)), "13", MatchMethod.EXACT),
        (Query("!!!", ("Symbolic",)), "14", MatchMethod.EXACT),
        (Query("Empire State of Mind (feat. Alicia Keys)", ("JAY-Z",)), "15", MatchMethod.EXACT),
        (Query("Empire State of Mind", ("Jay-Z feat. Alicia Keys",)), "15", MatchMethod.EXACT),
        (Query("Crazy In Love", ("Beyonce",), duration_ms=235_000), "16", MatchMethod.EXACT),
        (Query("Crazy in Lov", ("Beyoncé",)), "16", MatchMethod.FUZZY),
        (Query("Ace of Spade", ("Motorhead",)), "1", MatchMethod.FUZZY),
    ],
)
def test_matches(query: Query, item: str, method: MatchMethod) -> None:
    result = find(query)
    assert result.method is method, result
    assert result.track is not None
    assert result.track.item_id == item
    assert result.confidence >= 0.85
    assert result.reason


@pytest.mark.parametrize(
    "query",
    [
        Query("Let It Be", ("Paul Weller",)),  # a cover by someone not in the library
        Query("Back in Black", ("Shakira",)),
        Query("Ace of Spades", ("Motörhead",), duration_ms=400_000),  # far too long
        Query("Crazy in Love (Live)", ("Beyoncé",)),  # only the studio version exists
        Query("Totally Unknown Song", ("Nobody Known",)),
    ],
)
def test_misses_report_the_best_candidate(query: Query) -> None:
    result = find(query)
    assert result.method is MatchMethod.NONE, result
    assert result.track is None
    assert result.reason


def test_duration_veto_names_the_durations() -> None:
    result = find(Query("Ace of Spades", ("Motörhead",), duration_ms=400_000))
    assert result.best is not None
    assert result.best.item_id == "1"
    assert "169s" in result.reason
    assert "400s" in result.reason


def test_remaster_prefers_the_album_asked_for() -> None:
    result = find(
        Query("Don't Stop Me Now (2011 Remaster)", ("Queen",), album="Jazz (2011 Remaster)")
    )
    assert result.track is not None
    assert result.track.item_id == "6"


def test_normalization() -> None:
    assert fold("Motörhead Beyoncé ŁÓDŹ Æon") == "motorhead beyonce lodz aeon"
    assert key("AC/DC") == key("ACDC") == "acdc"
    assert key("!!!") == "!!!"
    assert split_credit("A feat. B & C, D x E") == ["A", "B", "C", "D", "E"]
    assert artist_keys(("Simon & Garfunkel",)) == ("simongarfunkel", "simon", "garfunkel")
    assert artist_keys(("The Beatles",)) == ("beatles",)
    # Every credit's names first, then their romanized keys, then whole-credit aliases.
    assert artist_keys(
        (
            "Daryl Hall & John Oates",
            "ハルジオン",
            "Various Artists",
            "Hall",
            "",
            "ハルジオン ft. The Who",
        )
    ) == (
        *("darylhalljohnoates", "darylhall", "johnoates", "ハルジオン", "hall"),
        *("ハルジオンftthewho", "who", "harujion", "harujionftthewho", "halloates", "daryljohn"),
    )
    parsed = parse_title("Song (feat. X) - Remastered 2011")
    assert (parsed.core, parsed.tags, parsed.featured) == ("Song", frozenset(), ("X",))
    assert parse_title("Song - Live at Wembley").tags == {"live"}
    assert parse_title("Song (Radio Edit)").core == "Song"
    # Never cuts inside a word or a title that merely contains a marker word.
    assert parse_title("Livewire").core == "Livewire"
    assert parse_title("(I Can't Get No) Satisfaction").core == "(I Can't Get No) Satisfaction"
    assert parse_title("Live and Let Die").tags == frozenset()


def test_an_empty_index_answers_none() -> None:
    result = match_track(TrackIndex([]), Query("x", ("y",)), 0.85)
    assert result.method is MatchMethod.NONE
    assert result.best is None
