"""Which live requests find a batch: artist groups, the first query, the one after a miss."""

from __future__ import annotations

from sync_svc.live_plan import (
    LiveTrack,
    Step,
    StepKind,
    artist_groups,
    first_step,
    live_tracks,
    second_step,
)
from sync_svc.runs import Track

TRACKS = [
    Track("Bohemian Rhapsody", ("Queen",)),
    Track("Don\u2019t Stop Me Now", ("queen",)),
    Track("Halo", ("Beyoncé",)),
    Track("!!!", ("!!!",)),
    Track("Slide", ("Calvin Harris feat. Frank Ocean",)),
    Track("Feels", ("Calvin Harris", "Katy Perry")),
    Track("Untitled", ()),
]


def plan() -> list[LiveTrack]:
    return live_tracks(TRACKS, range(len(TRACKS)))


def test_tracks_sharing_a_primary_artist_form_one_group() -> None:
    groups = artist_groups(plan())
    assert {k: [i.position for i in v] for k, v in groups.items()} == {
        "queen": [0, 1],
        "calvinharris": [4, 5],
    }
    assert artist_groups(plan(), min_size=3) == {}


def test_the_first_query_is_the_phrase_else_the_best_title_term_else_the_artist() -> None:
    items = plan()
    assert first_step(items[0]) == Step(StepKind.TITLE, "Bohemian Rhapsody")
    assert first_step(items[2]) == Step(StepKind.TITLE, "Halo")  # one word: no phrase
    assert first_step(items[3]) == Step(StepKind.TITLE, "!!!")
    # "and" and "&" end a phrase: libraries write either.
    both = live_tracks([Track("Smoke and Honey", ("Ava Stone",))], [0])[0]
    assert first_step(both) == Step(StepKind.TITLE, "Smoke")
    no_title = live_tracks([Track("", ("Cher",))], [0])[0]
    assert first_step(no_title) == Step(StepKind.ARTIST, "Cher")
    assert first_step(live_tracks([Track("", ())], [0])[0]) is None


def test_a_miss_is_followed_by_the_artist_listing() -> None:
    item = plan()[0]
    first = first_step(item)
    assert second_step(item, first, listed=False) == Step(StepKind.ARTIST, "Queen")


def test_a_miss_after_the_artist_was_listed_is_followed_by_the_best_word() -> None:
    item = plan()[0]
    phrase = first_step(item)
    assert second_step(item, phrase, listed=True) == Step(StepKind.TITLE, "Bohemian")
    halo = plan()[2]
    assert second_step(halo, first_step(halo), listed=True) is None  # nothing else
    untitled = plan()[6]  # no artist to list
    assert second_step(untitled, first_step(untitled), listed=False) is None


def test_no_second_query_after_an_artist_listing_or_none() -> None:
    halo = plan()[2]
    artist_first = Step(StepKind.ARTIST, "Cher")
    assert second_step(halo, artist_first, listed=False) is None
    assert second_step(halo, None, listed=False) is None
