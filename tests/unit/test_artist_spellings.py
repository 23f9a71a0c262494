"""Which library artists a playlist's artist may stand for, written otherwise."""

from __future__ import annotations

from sync_svc.artist_spellings import MAX_NAMES, ArtistSpellings

LIBRARY = ArtistSpellings(
    [
        "Кино",
        "Kino",
        "Мумий Тролль",
        "Μελίνα Μερκούρη",
        "いきものがかり",
        "빅뱅",
        "Alba",
        "The Beatles",
        "Ария",
    ]
)


def test_a_name_in_another_script_is_found_by_its_romanized_key() -> None:
    assert LIBRARY.near("Kino") == ["Кино"], "the Latin 'Kino' was listed by its own name"
    assert LIBRARY.near("Melina Merkouri") == ["Μελίνα Μερκούρη"]
    assert LIBRARY.near("Ikimonogakari") == ["いきものがかり"]


def test_a_long_name_one_edit_off_is_found() -> None:
    # "Мумий Тролль" romanizes to "mumii troll"; "빅뱅" to "bigbaeng".
    assert LIBRARY.near("Mumiy Troll") == ["Мумий Тролль"]
    assert LIBRARY.near("BIGBANG") == ["빅뱅"]
    assert LIBRARY.near("Beatels") == ["The Beatles"], "a transposition, 'The' folded"


def test_a_short_name_must_be_equal_and_an_unknown_one_finds_nothing() -> None:
    assert LIBRARY.near("Abba") == [], "'abba' is one edit from 'alba', too short to trust"
    assert LIBRARY.near("Aria") == [], "'Ария' reads 'ariya'"
    assert LIBRARY.near("Zed Quillfeather") == []
    assert LIBRARY.near("") == []
    assert LIBRARY.near("The Beatles") == [], "written as the library writes it"


def test_one_artist_stands_for_at_most_max_names() -> None:
    names = [f"Marrow Lantern{c}" for c in "abcdefg"] + ["Marrow Lanterns"]
    found = ArtistSpellings(names).near("Marrow Lanternz")
    assert len(found) == MAX_NAMES
    assert len(ArtistSpellings(names)) == len(names)
    assert ArtistSpellings(["Marrow Lanterns"]).near("Marow Lanterns") == ["Marrow Lanterns"]
