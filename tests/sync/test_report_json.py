"""A run report as stored: every field comes back from its JSON as it was, and the JSON is
the one ``dataclasses.asdict`` gave (reports saved before stay readable, and the same)."""

from __future__ import annotations

import json
from dataclasses import asdict

from common.domain import Destination, SourceKind, SyncMode, Target
from common.matching import MatchMethod
from sync_svc.runs import (
    Arrival,
    Candidate,
    DestinationResult,
    Outcome,
    Report,
    RunProgress,
    RunState,
    Spec,
    Track,
    Via,
)
from sync_svc.store import _encode, report_from_json, report_to_json


def a_report() -> Report:
    plex, cabin = Destination.of(Target.PLEX), Destination("cabin", user="ana")
    pick = Candidate("k1", "Music", "Halo", "Beyoncé", "I Am... Sasha Fierce", 261_000, 0.97)
    return Report(
        run_id="r1",
        spec=Spec(
            playlist_title="Daily",
            destinations=(plex, cabin),
            tracks=(Track("Halo", ("Beyoncé",), "I Am", 261_000, "mb1", "isrc", ("a1",)),),
            source_kind=SourceKind.FILE,
            source_ref="/music/daily.jspf",
            command_name="daily",
            mode=SyncMode.APPEND,
            sync_note=False,
        ),
        dry_run=False,
        progress=RunProgress(RunState.SUCCEEDED, "done", 1, 1),
        started_at=1.5,
        finished_at=2.5,
        destinations=[
            DestinationResult(plex, "p1", 1, 0, 2, {"search": 1}, 1, 0, ["w"], "", {"k1": [0]}),
            DestinationResult(cabin, error="refused"),
        ],
        outcomes=[
            Outcome(0, plex, Via.CACHE, MatchMethod.EXACT, 0.97, "exact", pick, pick, True),
            Outcome(0, cabin, Via.UNMATCHED, MatchMethod.NONE, 0.0, "no match"),
        ],
        error="",
        trace_parent="00-abc-def-01",
        lidarr_arrivals=[Arrival(0, "I Am", 3.5, "daily")],
        lidarr_note="sent 1",
        cover_key="c" * 64,
    )


def test_a_report_comes_back_from_its_json_as_it_was() -> None:
    report = a_report()
    assert report_from_json(report_to_json(report)) == report


def test_the_json_is_the_one_asdict_gave() -> None:
    report = a_report()
    assert report_to_json(report) == json.dumps(asdict(report), default=_encode, ensure_ascii=False)
