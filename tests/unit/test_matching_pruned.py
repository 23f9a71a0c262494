"""The fuzzy step scores in full only the candidates whose score's upper bound reaches the
best score so far. These tests hold it to the step it replaces, which scored every
shortlisted candidate: the same Match, to the reason and the reported best candidate, on
the curated cases, on generated perturbations, and on each of them asked again by an
artist the library lacks and without its album, at two thresholds."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import pytest

from common.matching.index import Entry, TrackIndex
from common.matching.matcher import (
    exact_hits,
    match_track,
    probe_of,
    shortlist,
    tie_break,
    unpicked,
)
from common.matching.normalize import album_key, key, parse_title
from common.matching.query import LibraryTrack, Match, MatchMethod, Query
from common.matching.scoring import (
    ARTIST_AGREES,
    corroborated,
    score_entry,
)
from emulators.library import generate
from tests.support.labelled_cases import CASES, query_of
from tests.support.perturbations import FIXED_SEED, library_tracks, suite

ABSENT_ARTIST = "Zed Quillfeather"
THRESHOLDS = (0.85, 0.6)
PERTURBED = 300  # of the generated cases, sampled: every kind is among them


def every_candidate_scored(index: TrackIndex, query: Query, min_confidence: float) -> Match:
    """``match_track`` with no bound: where the MBID or exact step did not decide, every
    shortlisted candidate scored in full (these queries carry no path)."""
    parsed = parse_title(query.title)
    core_key = key(parsed.core)
    album = album_key(query.album) if query.album else ""
    artists = tuple(a for a in query.artists if a.strip()) + parsed.featured
    decided = match_track(index, query, min_confidence)
    if decided.method in (MatchMethod.MBID, MatchMethod.EXACT):
        return decided  # decided before the fuzzy step, which is what this reference redoes
    exact = exact_hits(index, parsed, core_key, artists)
    vetoed = min(exact, key=lambda e: tie_break(index, query, album, e)) if exact else None
    probe = probe_of(index, query, parsed, album)
    best_entry: Entry | None = None
    best_score = -1.0
    best_reason = ""
    scored: list[tuple[Entry, float]] = []
    for entry in shortlist(index, probe, parsed.core, query.duration_ms):
        parts = score_entry(probe, query, entry, partial(index.credit_aliases, entry.position))
        scored.append((entry, parts.artist))
        better = parts.score > best_score or (
            parts.score == best_score
            and best_entry is not None
            and tie_break(index, query, album, entry) < tie_break(index, query, album, best_entry)
        )
        if better:
            best_entry, best_score, best_reason = entry, parts.score, parts.reason
    if best_entry is not None and best_score >= min_confidence:
        return Match(
            MatchMethod.FUZZY, index.track(best_entry.position), round(best_score, 4), best_reason
        )
    fits = [
        entry
        for entry, artist in scored
        if artist >= ARTIST_AGREES
        and entry.core_key.isascii() != probe.core_key.isascii()
        and entry.tags == probe.tags
        and corroborated(probe, query, entry)
    ]
    other = fits[0] if len(fits) == 1 and vetoed is None else None
    closest = (best_entry, best_score, best_reason) if best_entry is not None else None
    return unpicked(index, query, min_confidence, other, vetoed, closest)


def asked_again(query: Query) -> list[Query]:
    """The query, by an artist the library lacks, and without its album."""
    return [
        query,
        replace(query, artists=(ABSENT_ARTIST,), artist_mbids=()),
        replace(query, album=""),
    ]


def curated() -> tuple[TrackIndex, list[Query]]:
    data = json.loads(CASES.read_text())
    catalog = generate(seed=data["seed"], tracks=data["tracks"], extra=data.get("extra", False))
    queries = [query_of(case["query"]) for case in data["cases"]]
    return TrackIndex(library_tracks(catalog)), queries


def perturbed() -> tuple[TrackIndex, list[Query]]:
    cases = suite(FIXED_SEED)
    chosen = random.Random(FIXED_SEED).sample(cases.cases, PERTURBED)
    assert {c.kind for c in chosen} == {c.kind for c in cases.cases}
    return TrackIndex(cases.library()), [c.query for c in chosen]


# Thousands of matches, twice each: untraced (the matcher's lines are covered by the other
# matching tests), a third of the CPU it takes under the tracer.
@pytest.mark.no_cover
@pytest.mark.parametrize("made", [curated, perturbed], ids=["curated", "perturbed"])
def test_the_bound_changes_no_match(made: Callable[[], tuple[TrackIndex, list[Query]]]) -> None:
    index, queries = made()
    fuzzy = 0
    for query in (q for asked in queries for q in asked_again(asked)):
        for threshold in THRESHOLDS:
            want = every_candidate_scored(index, query, threshold)
            assert match_track(index, query, threshold) == want, (query, threshold)
            fuzzy += want.method in (MatchMethod.FUZZY, MatchMethod.NONE)
    # The fuzzy step was reached, often: with and without a pick, best candidates reported.
    assert fuzzy >= len(queries)


def _track(item_id: str, title: str, artist: str, album: str, ms: int = 200_000) -> LibraryTrack:
    return LibraryTrack(item_id, "Music", title, (artist,), artist, album, ms)


@pytest.mark.parametrize(
    ("library", "query", "winner"),
    [
        # A typo's title (0.92) beats a title merely close (0.80) whose ratio is higher.
        (
            [_track("typo", "Fire", "Ann Lee", "A"), _track("close", "Fierce", "Ann Lee", "B")],
            Query("Fier", ("Ann Lee",), "", 200_000),
            "typo",
        ),
        # The same title on the same album at the same length, by a name in another script,
        # beats a title by a name merely similar.
        (
            [
                _track("native", "Sakura", "宇多田ヒカル", "Distance"),
                _track("similar", "Sakura", "Hikari Otama", "Other"),
            ],
            Query("Sakura", ("Hikaru Utada",), "Distance", 200_500),
            "native",
        ),
    ],
    ids=["typo", "corroborated"],
)
def test_the_bound_leaves_room_for_what_raises_a_score(
    library: list[LibraryTrack], query: Query, winner: str
) -> None:
    index = TrackIndex(library)
    for threshold in THRESHOLDS:
        want = every_candidate_scored(index, query, threshold)
        assert (want.track or want.best or library[0]).item_id == winner
        assert match_track(index, query, threshold) == want
