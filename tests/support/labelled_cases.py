"""The labelled matching cases (tests/data/matching_cases.json, written by
tests/data/make_matching_cases.py): each query as the matcher takes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.matching.query import Query

CASES = Path(__file__).parent.parent / "data" / "matching_cases.json"


def query_of(q: dict[str, Any]) -> Query:
    return Query(
        q["title"],
        tuple(q["artists"]),
        q["album"],
        q["duration_ms"],
        q["mbid"],
        artist_mbids=tuple(q.get("artist_mbids", ())),
    )
