"""The match rules beyond names: credits and duos, romanized scripts, soundtrack and
track-number decorations, editions, artist MBIDs and title-album-duration agreement."""

from __future__ import annotations

import pytest

from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.matching.image import decode, encode
from common.matching.normalize import (
    album_key,
    artist_key,
    artist_keys,
    duo_aliases,
    fold,
    parse_title,
    without_track_number,
)
from common.matching.romanize import roman

T = LibraryTrack
MBID_A = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
MBID_B = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"


def find(index: TrackIndex, query: Query) -> str | None:
    result = match_track(index, query, 0.85)
    return result.track.item_id if result.track else None


def test_romanization_reads_greek_digraphs_and_kana_contractions() -> None:
    assert roman(fold("Μερκούρη")) == "merkouri"
    assert roman(fold("Κραυγή")) == "kravgi"
    assert roman(fold("きゃりーぱみゅぱみゅ")) == "kyaripamyupamyu"
    assert roman(fold("しょうせつ")) == "shousetsu"
    assert roman("already latin") == "already latin"


def test_folding_keeps_kana_voicing_and_hangul_whole() -> None:
    assert fold("ロビンソン") == "ロビンソン"  # not ロヒンソン: a voiced kana is another sound
    assert fold("위잉위잉") == "위잉위잉"
    assert fold("Beyoncé") == "beyonce"


def test_credit_joiners_and_duo_names() -> None:
    assert artist_key("Tegan and Sara") == artist_key("Tegan & Sara")
    assert artist_key("Florence + the Machine") == artist_key("Florence and the Machine")
    assert artist_key("Macklemore x Ryan Lewis") == artist_key("Macklemore & Ryan Lewis")
    assert duo_aliases("Daryl Hall & John Oates") == ["halloates", "daryljohn"]
    assert duo_aliases("Sam Moore and Dave Prater") == ["mooreprater", "samdave"]
    assert duo_aliases("Hall & Oates") == []
    assert duo_aliases("Echo & the Bunnymen") == []
    assert "catstevens" in artist_keys(("Yusuf / Cat Stevens",))
    assert "kino" in artist_keys(("Кино",))


def test_album_editions_fold_to_one_album() -> None:
    assert album_key("Back to Black (Deluxe Edition)") == album_key("Back to Black")
    assert album_key("Nevermind (20th Anniversary) [Super Deluxe]") == album_key("Nevermind")
    assert album_key("Frozen (Original Motion Picture Soundtrack)") == album_key("Frozen")
    assert album_key("Parklife - Remastered") == album_key("Parklife")
    assert album_key("Greatest Hits (Live)") != album_key("Greatest Hits")
    assert album_key("Группа крови") == album_key("Gruppa krovi")


@pytest.mark.parametrize(
    "title",
    [
        'Let It Go - From "Frozen"/Soundtrack Version',
        'Let It Go (From the Motion Picture "Frozen")',
        "Let It Go - From The Original Motion Picture Soundtrack",
        "Let It Go (Original Motion Picture Soundtrack)",
        "01 - Let It Go",
        "02. Let It Go",
        "1-03 Let It Go",
        "Let It Go - Original Mix",
    ],
)
def test_decorations_of_the_same_recording_are_dropped(title: str) -> None:
    parsed = parse_title(title)
    assert (parsed.core, parsed.tags) == ("Let It Go", frozenset())


@pytest.mark.parametrize("title", ["99 Problems", "19-2000", "2 + 2 = 5", "1999", "22", "7 rings"])
def test_titles_that_are_numbers_keep_them(title: str) -> None:
    assert parse_title(title).core == title


def test_mixes_are_other_recordings_and_a_leading_number_is_tried_last() -> None:
    assert parse_title("Summer (Club Mix)").tags == {"remix"}
    assert parse_title("Summer - Extended Mix").tags == {"remix"}
    assert without_track_number("12 Roses") == "Roses"
    assert without_track_number("2000") == ""
    library = TrackIndex(
        [
            T("1", "M", "Summer", ("Calvin Harris",), "Calvin Harris", "Motion", 222_000),
            T("2", "M", "Roses", ("Ava Stone",), "Ava Stone", "Garden", 200_000),
            T("3", "M", "99 Problems", ("JAY-Z",), "JAY-Z", "The Black Album", 234_000),
        ]
    )
    assert find(library, Query("Summer (R3hab Remix)", ("Calvin Harris",))) is None
    assert find(library, Query("12 Roses", ("Ava Stone",))) == "2"
    assert find(library, Query("99 Problems", ("JAY-Z",))) == "3"
    assert find(library, Query("Problems", ("JAY-Z",))) is None


def test_artist_mbids_tie_stage_names_and_survive_the_image() -> None:
    library = TrackIndex(
        [
            T("1", "M", "Stronger", ("Kanye West",), "Kanye West", "Graduation", 312_000,
              artist_mbids=(MBID_A,)),
            T("2", "M", "Hello", ("Adele",), "Adele", "25", 295_000, artist_mbids=(MBID_B,)),
        ]
    )  # fmt: skip
    assert find(library, Query("Stronger", ("Ye",), duration_ms=311_000)) is None
    mbid_query = Query("Stronger", ("Ye",), duration_ms=311_000, artist_mbids=(MBID_A,))
    assert find(library, mbid_query) == "1"
    reread = decode(encode(library))
    assert reread.track(0).artist_mbids == (MBID_A,)
    assert find(reread, Query("Stronger", ("Ye",), artist_mbids=(MBID_A.upper(),))) == "1"


def test_title_album_and_duration_outweigh_a_translated_artist_name() -> None:
    library = TrackIndex(
        [
            T("1", "M", "Dynamite", ("방탄소년단",), "방탄소년단", "BE", 199_000),
            T("2", "M", "Hurt", ("Nine Inch Nails",), "Nine Inch Nails", "The Downward Spiral",
              374_000),
        ]
    )  # fmt: skip
    assert find(library, Query("Dynamite", ("BTS",), "BE", 199_500)) == "1"
    assert find(library, Query("Dynamite", ("BTS",), "", 199_500)) is None  # no album
    assert find(library, Query("Dynamite", ("BTS",), "BE", 204_000)) is None  # 5 s apart
    assert find(library, Query("Dynamite", ("Taio Cruz",), "Rokstarr", 202_000)) is None
    assert (
        find(library, Query("Closer", ("Nine Inch Nails",), "The Downward Spiral", 373_000)) is None
    )


def test_a_title_in_another_script_needs_artist_album_and_duration_and_one_candidate() -> None:
    tracks = [
        T("1", "M", "夜に駆ける", ("YOASOBI",), "YOASOBI", "THE BOOK", 261_000),
        T("2", "M", "群青", ("YOASOBI",), "YOASOBI", "THE BOOK", 248_000),
        T("3", "M", "ハルジオン", ("YOASOBI",), "YOASOBI", "THE BOOK", 203_000),
    ]
    library = TrackIndex(tracks)
    assert find(library, Query("Yoru ni Kakeru", ("YOASOBI",), "THE BOOK", 261_000)) == "1"
    assert find(library, Query("Harujion", ("YOASOBI",), "THE BOOK", 203_000)) == "3"
    assert find(library, Query("Yoru ni Kakeru", ("Yorushika",), "THE BOOK", 261_000)) is None
    assert find(library, Query("Yoru ni Kakeru", ("YOASOBI",), "", 261_000)) is None
    twins = TrackIndex(
        [*tracks, T("4", "M", "アイドル", ("YOASOBI",), "YOASOBI", "THE BOOK", 261_500)]
    )
    assert find(twins, Query("Yoru ni Kakeru", ("YOASOBI",), "THE BOOK", 261_000)) is None


def test_romanized_queries_meet_native_tags_both_ways() -> None:
    library = TrackIndex(
        [
            T("1", "M", "Кукушка", ("Кино",), "Кино", "Чёрный альбом", 396_000),
            T("2", "M", "Bespechnyy angel", ("Aria",), "Aria", "Generator zla", 250_000),
        ]
    )
    assert find(library, Query("Kukushka", ("Kino",))) == "1"
    assert find(library, Query("Беспечный ангел", ("Ария",), "Генератор зла", 250_000)) == "2"
    assert find(library, Query("Pachka sigaret", ("Kino",))) is None


def test_one_name_of_a_credit_counts_only_when_found_exactly() -> None:
    library = TrackIndex(
        [T("1", "M", "Night Fire", ("Mia Nakamura & Leo Stone",), "", "Time", 238_833)]
    )
    assert find(library, Query("Night Fire", ("Nakamura & Stone",), "", 238_833)) == "1"
    assert find(library, Query("Night Fire", ("Mia Nakamura",), "", 238_833)) == "1"
    assert find(library, Query("Night Fire", ("Nakamura & Brakhage",), "", 238_833)) is None
