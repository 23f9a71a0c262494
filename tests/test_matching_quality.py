"""Matching quality on labelled cases against the emulators' seeded catalogue and its
fixed extra part, with precision, recall and null accuracy printed per kind of case.

Aims on the whole set: precision >= 99.5%, recall >= 99%, null accuracy (nothing picked
when the right answer is not in the library) >= 99%, and no kind under 95% accuracy.
"""

from __future__ import annotations

import json
from typing import Any

from common.matching import TrackIndex, match_track
from emulators.library import generate
from tests.support.labelled_cases import CASES, query_of
from tests.support.match_tally import Tally, report
from tests.support.perturbations import library_tracks

THRESHOLD = 0.85
AIM_PRECISION = 0.995
AIM_RECALL = 0.99
AIM_NULL_ACCURACY = 0.99
AIM_KIND_ACCURACY = 0.95
FIRST_KINDS = {
    "verbatim",
    "case and accents",
    "feat. in the title",
    "remaster suffix",
    "compilation track artist",
    "duration jitter, no album",
    "recording MBID",
    "typo",
    "cover by an absent artist",
    "live version absent",
    "other song, same artist",
    "same name, far longer",
}


def score(data: dict[str, Any]) -> tuple[Tally, dict[str, Tally]]:
    catalog = generate(seed=data["seed"], tracks=data["tracks"], extra=data.get("extra", False))
    index = TrackIndex(library_tracks(catalog))
    overall = Tally()
    per_kind: dict[str, Tally] = {}
    for case in data["cases"]:
        q = case["query"]
        result = match_track(index, query_of(q), THRESHOLD)
        expect = {str(seq) for seq in case["expect"]}
        got = result.track.item_id if result.track else None
        line = f"{case['kind']}: {q['title']!r} by {q['artists']} -> {got} ({result.reason})"
        overall.add(expect, got, line)
        per_kind.setdefault(case["kind"], Tally()).add(expect, got, line)
    return overall, per_kind


def test_precision_and_recall_on_the_labelled_set() -> None:
    data = json.loads(CASES.read_text())
    cases = data["cases"]
    assert len(cases) >= 600
    assert sum(1 for c in cases if not c["expect"]) >= len(cases) / 4
    assert len({c["kind"] for c in cases} - FIRST_KINDS) >= 10

    overall, per_kind = score(data)
    print(f"\nmatching quality: {overall.cases} cases\n{report(overall, per_kind)}")

    assert overall.precision >= AIM_PRECISION
    assert overall.recall >= AIM_RECALL
    assert overall.null_accuracy >= AIM_NULL_ACCURACY
    weak = {kind: t.accuracy for kind, t in per_kind.items() if t.accuracy < AIM_KIND_ACCURACY}
    assert not weak, weak
