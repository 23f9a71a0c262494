"""Translation between cache_svc's domain objects and cmdarr.cache.v1 messages."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from cache_svc.build.progress import Phase
from cache_svc.status import CacheStatus
from common.domain import CacheState
from common.matching import LibraryTrack, Match, MatchMethod, Query
from common.matching.explain import Considered, Explanation
from common.wire import protoconv
from common.wire.override_pb import override_to_pb
from common.wire.protoconv import CACHE_STATES, SERVER_KINDS, TARGETS, timestamp

PHASES = {
    Phase.LISTING_LIBRARIES: pb.BUILD_PHASE_LISTING_LIBRARIES,
    Phase.FETCHING_TRACKS: pb.BUILD_PHASE_FETCHING_TRACKS,
    Phase.INDEXING: pb.BUILD_PHASE_INDEXING,
    Phase.ACTIVATING: pb.BUILD_PHASE_ACTIVATING,
}


def status_to_pb(status: CacheStatus) -> pb.CacheStatus:
    message = pb.CacheStatus(
        target=TARGETS[status.target] if status.target is not None else tpb.TARGET_UNSPECIFIED,
        server=status.server,
        kind=SERVER_KINDS[status.kind],
        state=CACHE_STATES[status.state],
        track_count=status.track_count,
        library_count=len(status.library_names),
        library_names=list(status.library_names),
        generation=status.generation,
        last_error=status.last_error,
        memory_bytes=status.memory_bytes,
        applied_config_revision=status.applied_config_revision,
        last_build_costs=[
            pb.BuildStepCost(step=c.step, requests=c.requests, bytes=c.bytes, seconds=c.seconds)
            for c in status.build_costs
        ],
        stale_overrides=[override_to_pb(o) for o in status.stale_overrides],
    )
    if status.built_at:
        message.built_at.CopyFrom(timestamp(status.built_at))
    if status.phase is not None:
        message.progress.CopyFrom(
            pb.BuildProgress(
                phase=PHASES[status.phase],
                pages_done=status.pages_done,
                pages_total=status.pages_total,
                tracks_done=status.tracks_done,
                tracks_total=status.tracks_total,
                eta_seconds=status.eta_seconds,
                started_at=timestamp(status.build_started_at),
                mode=pb.BUILD_MODE_FULL if status.full_build else pb.BUILD_MODE_INCREMENTAL,
            )
        )
    return message


def query_from_pb(track: pb.TrackQuery) -> Query:
    return Query(
        title=track.title,
        artists=tuple(track.artists),
        album=track.album,
        duration_ms=max(0, track.duration_ms),
        mbid=track.recording_mbid.strip().lower(),
        isrc=track.isrc,
        artist_mbids=tuple(m.strip().lower() for m in track.artist_mbids if m.strip()),
        path=track.path,
    )


def candidate_to_pb(track: LibraryTrack, confidence: float) -> pb.Candidate:
    return pb.Candidate(
        item_id=track.item_id,
        library=track.library,
        title=track.title,
        artist=", ".join(track.artists) or track.album_artist,
        album=track.album,
        duration_ms=track.duration_ms,
        confidence=confidence,
    )


def result_to_pb(ref: str, match: Match, authoritative: bool) -> pb.MatchResult:
    result = pb.MatchResult(
        ref=ref,
        method=protoconv.MATCH_METHODS[match.method],
        confidence=match.confidence,
        reason=match.reason,
        # A user's rejection is final whatever the cache's state: never searched live.
        authoritative=(authoritative or match.method is MatchMethod.OVERRIDE) and not match.matched,
    )
    if match.track is not None:
        result.match.CopyFrom(candidate_to_pb(match.track, match.confidence))
    if match.best is not None:
        result.best_candidate.CopyFrom(candidate_to_pb(match.best, match.confidence))
    return result


def considered_to_pb(found: Considered) -> pb.ExplainedCandidate:
    parts = found.parts
    return pb.ExplainedCandidate(
        candidate=candidate_to_pb(found.track, parts.score),
        parts=pb.ScoreParts(
            artist=parts.artist,
            title=parts.title,
            same_album=parts.same_album,
            duration_gap_ms=parts.duration_gap_ms,
            other_version_tags=sorted(parts.other_tags),
            duration_vetoed=parts.vetoed,
            names_in_other_scripts=parts.corroborated,
        ),
        score=parts.score,
        exact=found.exact,
        rejected=found.rejected,
        reason=parts.reason,
    )


def explanation_to_pb(
    ref: str,
    explained: Explanation | None,
    state: CacheState,
    generation: int,
    min_confidence: float,
) -> pb.ExplainMatchResponse:
    """An explanation (None: no generation serves, nothing to explain)."""
    reply = pb.ExplainMatchResponse(
        state=CACHE_STATES[state], generation=generation, min_confidence=min_confidence
    )
    if explained is None:
        reply.verdict = f"the cache is {state.value}: no generation serves, nothing to explain"
        return reply
    reply.result.CopyFrom(result_to_pb(ref, explained.match, state is CacheState.READY))
    reply.candidates.extend(considered_to_pb(c) for c in explained.candidates)
    reply.verdict = explained.verdict
    return reply
