"""Search terms for a server whose search folds case only: plain runs, the rarest first."""

from __future__ import annotations

import pytest

from common.matching.search_terms import (
    artist_group_key,
    is_plain,
    name_fragment,
    plain_runs,
    primary_artist,
    romanized_phrase,
    title_phrase,
    title_terms,
)


def test_plain_characters_have_no_accent_to_fold() -> None:
    assert all(is_plain(c) for c in "a7夜")
    assert not any(is_plain(c) for c in "é' ")


def test_plain_runs_break_at_accents_and_punctuation() -> None:
    assert plain_runs("Don\u2019t Stop") == ["Don", "t", "Stop"]
    assert plain_runs("Beyoncé") == ["Beyonc"]
    assert plain_runs("!!!") == []


@pytest.mark.parametrize(
    ("title", "first"),
    [
        ("Shadow in the Honey (Demo)", "Shadow"),  # the suffix is not searched
        ("Love, Thunder", "Thunder"),  # a common word ranks after a rarer one
        ("Don\u2019t Leave My Gold", "Leave"),  # 'Don' and 't' are common or short
        ("Bohemian Rhapsody - Remastered 2011", "Bohemian"),  # the earlier of two rare words
        ("Across the Universe", "Universe"),  # the longest rare word
        ("Nothing Compares 2 U", "Compares"),
        ("Slide (feat. Frank Ocean & Migos)", "Slide"),  # featured credits dropped
        ("夜に駆ける", "夜に駆ける"),  # no accents to fold: searched as written
    ],
)
def test_the_first_term_is_the_rarest_plain_word_of_the_core_title(title: str, first: str) -> None:
    assert title_terms(title)[0] == first


def test_every_term_is_listed_once_plain_words_before_accented_ones() -> None:
    assert title_terms("Jóga Jóga") == ("Jóga",)  # 'J' and 'ga' are too short
    assert title_terms("Café Society") == ("Society", "Caf", "Café")
    assert title_terms("Love love LOVE") == ("Love",)


def test_a_title_without_words_is_searched_as_written() -> None:
    assert title_terms("!!!") == ("!!!",)
    assert title_terms("Up") == ("Up",)
    assert title_terms("   ") == ()


def test_primary_artist_is_the_first_name_of_the_first_real_credit() -> None:
    assert primary_artist(("Calvin Harris feat. Frank Ocean & Migos",)) == "Calvin Harris"
    assert primary_artist(("Various Artists", "Cher")) == "Cher"
    assert primary_artist(()) == ""
    assert artist_group_key(("The Beatles",)) == artist_group_key(("beatles",))
    assert artist_group_key(()) == ""


def test_name_fragment_is_a_run_any_spelling_of_the_name_contains() -> None:
    assert name_fragment("Chloé Stone") == "Stone"
    assert name_fragment("Guns N\u2019 Roses") == "Guns N"
    assert name_fragment("The Velvet Horses") == "Velvet Horses"  # either spelling has it
    assert name_fragment("The The") == "The The"
    assert name_fragment("lena  rivers ") == "lena rivers"  # spacing folded
    assert name_fragment("P!nk") == "P!nk"  # no run long enough: as written


def test_title_phrase_is_the_longest_plain_run_of_several_words() -> None:
    assert title_phrase("The Summer Night (Acoustic)") == "The Summer Night"
    assert title_phrase("Don\u2019t Leave My Gold") == "t Leave My Gold"
    assert title_phrase("Halo") == ""
    assert title_phrase("Café Society") == ""
    assert title_phrase("Hold  Me Winter ") == "Hold Me Winter"  # spacing folded
    assert title_phrase("Smoke & Honey Night") == "Honey Night"  # "&" and "and" end it
    assert title_phrase("Smoke and Honey") == ""


def test_a_title_in_another_script_is_searched_by_its_romanized_core() -> None:
    assert romanized_phrase("Беспечный ангел") == "bespechnyy angel", "й romanized, not folded"
    assert romanized_phrase("Τα παιδιά του Πειραιά (Live)") == "ta paidia tou peiraia"  # noqa: RUF001
    assert romanized_phrase("ロビンソン") == "robinson"
    assert romanized_phrase("Café del Mar") == "", "Latin: searched as it is"
