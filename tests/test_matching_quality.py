"""Matching quality on labelled cases against the emulators' seeded catalogue: precision
>= 99% and recall >= 97%, with accuracy printed per kind of case."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from common.matching import LibraryTrack, Query, TrackIndex, match_track
from emulators.library import generate

CASES = Path(__file__).parent / "data" / "matching_cases.json"
THRESHOLD = 0.85


def test_precision_and_recall_on_the_labelled_set() -> None:
    data = json.loads(CASES.read_text())
    catalog = generate(seed=data["seed"], tracks=data["tracks"])
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
        )
        for section in catalog.sections
        if section.kind == "music"
        for t in section.tracks
    )
    cases = data["cases"]
    assert len(cases) >= 300
    assert sum(1 for c in cases if not c["expect"]) >= len(cases) / 4

    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    matched = right = positives = found = 0
    wrong: list[str] = []
    for case in cases:
        q = case["query"]
        result = match_track(
            index,
            Query(q["title"], tuple(q["artists"]), q["album"], q["duration_ms"], q["mbid"]),
            THRESHOLD,
        )
        expect = {str(seq) for seq in case["expect"]}
        got = result.track.item_id if result.track else None
        ok = (got in expect) if expect else got is None
        per_kind[case["kind"]][0] += ok
        per_kind[case["kind"]][1] += 1
        if got is not None:
            matched += 1
            right += got in expect
        if expect:
            positives += 1
            found += got in expect
        if not ok:
            wrong.append(
                f"{case['kind']}: {q['title']!r} by {q['artists']} -> {got} ({result.reason})"
            )

    precision = right / matched if matched else 1.0
    recall = found / positives
    print(f"\nmatching quality: {len(cases)} cases, precision {precision:.2%}, recall {recall:.2%}")
    for kind, (hits, total) in sorted(per_kind.items()):
        print(f"  {kind:<28} {hits:>3}/{total:<3} {hits / total:.0%}")
    for line in wrong[:20]:
        print("  wrong:", line)
    assert precision >= 0.99
    assert recall >= 0.97
