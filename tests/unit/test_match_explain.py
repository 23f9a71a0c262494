"""Explaining a match (common/matching/explain.py): the candidates the matcher weighs,
scored by part with the matcher's own scoring, and a verdict that says why; on generated
perturbations, the explanation's ranking agrees with every decision the matcher makes."""

from __future__ import annotations

from common.matching import LibraryTrack, Match, MatchMethod, Query, TrackIndex, match_track
from common.matching.explain import explain
from tests.support.perturbations import suite

T = LibraryTrack
LIBRARY = TrackIndex(
    [
        T("1", "M", "Dance", ("Leo Hart",), "Leo Hart", "Moves", 200_000),
        T("2", "M", "Dance (Live)", ("Leo Hart",), "Leo Hart", "Live", 260_000),
        T("3", "M", "Dance", ("Mia Vale",), "Mia Vale", "Steps", 180_000),
        T("4", "M", "Rain", ("Leo Hart",), "Leo Hart", "Moves", 240_000),
        T("5", "M", "Rain", ("Leo Hart",), "Leo Hart", "Best Of", 241_000),
    ]
)


def explained(query: Query, min_confidence: float = 0.85) -> tuple[Match, str, list[str]]:
    match = match_track(LIBRARY, query, min_confidence)
    result = explain(LIBRARY, query, match, min_confidence)
    return match, result.verdict, [c.track.item_id for c in result.candidates]


def test_an_exact_match_among_several_names_the_tie_break() -> None:
    match, verdict, ids = explained(Query("Rain", ("Leo Hart",), "Moves", 240_000))
    assert match.track is not None
    assert match.track.item_id == "4"
    assert ids[:2] == ["4", "5"]
    assert verdict.startswith("exact:")
    assert "of 2 such tracks" in verdict


def test_a_fuzzy_winner_and_what_the_next_lost_on() -> None:
    query = Query("Dnace", ("Leo Hart",), "", 200_000)
    match, verdict, ids = explained(query)
    assert match.method is MatchMethod.FUZZY
    assert ids[0] == "1"
    assert "at or above the minimum confidence 0.85" in verdict
    assert "fell behind on" in verdict
    parts = explain(LIBRARY, query, match, 0.85).candidates[0].parts
    assert (parts.artist, parts.title, parts.duration_gap_ms, parts.other_tags) == (
        1.0,
        0.92,
        0,
        frozenset(),
    )


def test_why_nothing_matched() -> None:
    _, stranger, ids = explained(Query("Dance", ("Zed Quillfeather",)))
    assert ids
    assert "another artist" in stranger
    _, live, _ = explained(Query("Rain (Live)", ("Leo Hart",)))
    assert "another version (live)" in live
    _, far, _ = explained(Query("Rain", ("Leo Hart",), "", 400_000))
    assert "duration" in far
    assert "vetoes" in far
    _, nothing, ids = explained(Query("Zzyzx", ("Nobody Known",)))
    assert (ids, nothing.startswith("no match: nothing in the library")) == ([], True)


def test_a_users_decision_is_the_verdict() -> None:
    track = LIBRARY.track(0)
    pinned = Match(MatchMethod.OVERRIDE, track, 1.0, "pinned by user")
    assert "pinned this track to 'Dance'" in explain(LIBRARY, Query("x"), pinned, 0.85).verdict
    refused = Match(MatchMethod.OVERRIDE, None, 0.0, "rejected by user")
    assert "rejected this track" in explain(LIBRARY, Query("x"), refused, 0.85).verdict
    marked = explain(LIBRARY, Query("Dance", ("Leo Hart",)), pinned, 0.85, rejected=frozenset("1"))
    assert [c.track.item_id for c in marked.candidates if c.rejected] == ["1"]


def test_the_ranking_agrees_with_every_decision_on_generated_perturbations() -> None:
    made = suite(seed=31, tracks=4000)
    index = TrackIndex(made.library())
    for case in made.cases[::7]:
        match = match_track(index, case.query, 0.85)
        result = explain(index, case.query, match, 0.85, limit=50)
        top = result.candidates[0] if result.candidates else None
        if match.method is MatchMethod.FUZZY and "another script" not in match.reason:
            assert top is not None, case
            assert match.track is not None
            assert top.track.item_id == match.track.item_id, (case, result.verdict)
            assert top.parts.score >= 0.85
        elif match.method is MatchMethod.EXACT:
            assert match.track is not None
            chosen = [c for c in result.candidates if c.track.item_id == match.track.item_id]
            assert chosen, case
            assert chosen[0].exact, case
        elif match.method is MatchMethod.NONE and top is not None and match.best is None:
            raise AssertionError(f"a miss with candidates reports no best: {case}")
        elif match.method is MatchMethod.NONE and top is not None and not top.exact:
            assert top.parts.score < 0.85, (case, result.verdict)
