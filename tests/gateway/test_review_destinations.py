"""The review lists a run's unmatched tracks once per server, whatever the number of its
destinations, and never a match held back from a user who does not see its library."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb

from gateway.review_http import unmatched_of


def outcome(position: int, server: str, user: str, reason: str) -> sync_pb.TrackOutcome:
    return sync_pb.TrackOutcome(
        position=position,
        target=tpb.TARGET_PLEX if server == "plex" and not user else tpb.TARGET_UNSPECIFIED,
        destination=tpb.Destination(server=server, user=user),
        source=sync_pb.MATCH_SOURCE_UNMATCHED,
        track=sync_pb.InlineTrack(title=f"Song {position}"),
        result=cache_pb.MatchResult(method=cache_pb.MATCH_METHOD_NONE, reason=reason),
    )


def test_once_per_server_and_never_what_was_held_back() -> None:
    report = sync_pb.SyncReport(
        tracks=[
            outcome(0, "plex", "", "no candidate"),
            outcome(0, "plex", "bob", "no candidate"),
            outcome(1, "plex", "bob", "not in bob's libraries"),
            outcome(0, "cabin", "alice", "no candidate"),
            outcome(2, "cabin", "alice", "no candidate"),
        ]
    )
    listed = [(u["server"], u["target"], u["position"]) for u in unmatched_of(report)]
    assert listed == [("plex", "plex", 0), ("cabin", "unspecified", 0), ("cabin", "unspecified", 2)]
