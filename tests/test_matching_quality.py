"""Matching quality on labelled cases against the emulators' seeded catalogue and its
fixed extra part, with precision, recall and null accuracy printed per kind of case.

Aims on the whole set: precision >= 99.5%, recall >= 99%, null accuracy (nothing picked
when the right answer is not in the library) >= 99%, and no kind under 95% accuracy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.matching import LibraryTrack, Query, TrackIndex, match_track
from emulators.library import generate

CASES = Path(__file__).parent / "data" / "matching_cases.json"
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


@dataclass
class Tally:
    """Outcomes of one kind (or of all): a pick is right, wrong, or missing."""

    cases: int = 0
    correct: int = 0
    matched: int = 0  # a track was picked
    right: int = 0  # ... and it was a right answer
    positives: int = 0  # a right answer exists
    found: int = 0  # ... and was picked
    nulls: int = 0  # no right answer exists
    null_right: int = 0  # ... and nothing was picked
    wrong: list[str] = field(default_factory=list)

    def add(self, expect: set[str], got: str | None, line: str) -> None:
        ok = (got in expect) if expect else got is None
        self.cases += 1
        self.correct += ok
        if got is not None:
            self.matched += 1
            self.right += got in expect
        if expect:
            self.positives += 1
            self.found += got in expect
        else:
            self.nulls += 1
            self.null_right += got is None
        if not ok:
            self.wrong.append(line)

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.matched if self.matched else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 1.0

    @property
    def null_accuracy(self) -> float:
        return self.null_right / self.nulls if self.nulls else 1.0

    def row(self, name: str) -> str:
        def cell(value: float, present: int) -> str:
            return f"{value:>8.2%}" if present else f"{'-':>8}"

        return (
            f"  {name:<30} {self.cases:>5} {self.accuracy:>8.2%} "
            f"{cell(self.precision, self.matched)} {cell(self.recall, self.positives)} "
            f"{cell(self.null_accuracy, self.nulls)}"
        )


def query_of(q: dict[str, Any]) -> Query:
    return Query(
        q["title"],
        tuple(q["artists"]),
        q["album"],
        q["duration_ms"],
        q["mbid"],
        artist_mbids=tuple(q.get("artist_mbids", ())),
    )


def score(data: dict[str, Any]) -> tuple[Tally, dict[str, Tally]]:
    catalog = generate(seed=data["seed"], tracks=data["tracks"], extra=data.get("extra", False))
    index = TrackIndex(
        LibraryTrack(
            item_id=str(t.seq),
            library=section.title,
            title=t.title,
            artists=t.artists,
            album_artist=t.album_artist,
            album=t.album,
            duration_ms=t.duration_ms,
            mbid=t.mbid,
            artist_mbids=t.artist_mbids,
        )
        for section in catalog.sections
        if section.kind == "music"
        for t in section.tracks
    )
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


def report(overall: Tally, per_kind: dict[str, Tally]) -> str:
    names = ("accuracy", "precis.", "recall", "null ok")
    head = f"  {'kind':<30} {'cases':>5} " + " ".join(f"{n:>8}" for n in names)
    lines = [head]
    lines += [per_kind[kind].row(kind) for kind in sorted(per_kind)]
    lines.append(overall.row("all"))
    lines += [f"  wrong: {line}" for line in overall.wrong[:40]]
    return "\n".join(lines)


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
