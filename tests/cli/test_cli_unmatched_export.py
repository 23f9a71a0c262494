"""The pure export of a run's unmatched tracks: CSV rows and a JSPF playlist."""

from __future__ import annotations

import csv
import io

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from cli.unmatched_export import EXTENSION, to_csv, to_jspf

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


def report() -> pb.SyncReport:
    best = cache_pb.Candidate(item_id="77", title="Song", artist="Band", confidence=0.61)
    miss = pb.TrackOutcome(
        position=2,
        target=tpb.TARGET_PLEX,
        source=pb.MATCH_SOURCE_UNMATCHED,
        track=pb.InlineTrack(title="Song (Live)", artists=["Band", "Guest"], recording_mbid=MBID),
        result=cache_pb.MatchResult(
            method=cache_pb.MATCH_METHOD_NONE,
            confidence=0.61,
            reason="different version (live)",
            best_candidate=best,
        ),
    )
    matched = pb.TrackOutcome(position=0, target=tpb.TARGET_PLEX, source=pb.MATCH_SOURCE_CACHE)
    elsewhere = pb.TrackOutcome(
        position=2, target=tpb.TARGET_JELLYFIN, source=pb.MATCH_SOURCE_UNMATCHED
    )
    return pb.SyncReport(run_id="r1", tracks=[matched, miss, elsewhere])


def test_csv_has_a_row_per_unmatched_track_with_its_best_candidate() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(report(), "plex"))))
    assert len(rows) == 1
    (row,) = rows
    assert (row["position"], row["artist"], row["method"], row["best_item_id"]) == (
        "3",
        "Band, Guest",
        "none",
        "77",
    )
    assert len(list(csv.DictReader(io.StringIO(to_csv(report()))))) == 2


def test_jspf_keeps_the_identity_and_puts_the_candidate_in_an_extension() -> None:
    (track,) = to_jspf(report(), "plex")["playlist"]["track"]
    assert track["title"] == "Song (Live)"
    assert track["creator"] == "Band, Guest"
    assert track["identifier"] == [f"https://musicbrainz.org/recording/{MBID}"]
    assert track["annotation"] == "different version (live)"
    assert track["extension"][EXTENSION]["best_item_id"] == "77"
    assert track["extension"][EXTENSION]["target"] == "plex"


def test_a_users_misses_are_picked_by_their_destination_without_case() -> None:
    run = report()
    bobs = pb.TrackOutcome(
        position=4,
        destination=tpb.Destination(server="plex", user="Bob"),
        source=pb.MATCH_SOURCE_UNMATCHED,
        track=pb.InlineTrack(title="Deep Cut"),
        result=cache_pb.MatchResult(reason="not in Bob's libraries"),
    )
    run.tracks.append(bobs)
    rows = list(csv.DictReader(io.StringIO(to_csv(run, "plex:bob"))))
    assert [(r["target"], r["title"], r["reason"]) for r in rows] == [
        ("plex:Bob", "Deep Cut", "not in Bob's libraries")
    ]
    assert [r["title"] for r in csv.DictReader(io.StringIO(to_csv(run, "plex")))] == ["Song (Live)"]
