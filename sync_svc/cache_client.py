"""cache_svc as sync_svc sees it: status, waiting out a build, batch matching, each of one
server's cache, by the server's name (a sync's targets are the built-in servers "plex" and
"jellyfin": ``Target.server_name``). Every call has a deadline; any failure to reach
cache_svc is CacheUnavailable (never a failed sync)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc

from common.domain import CacheState
from common.matching import MatchMethod
from common.wire.protoconv import cache_state_from_pb, match_method_from_pb
from sync_svc.runs import Candidate, Track

CALL_TIMEOUT = 30.0


class CacheUnavailable(Exception):
    """cache_svc could not be reached or failed the call."""


@dataclass(frozen=True)
class CacheView:
    state: CacheState
    tracks_done: int = 0
    tracks_total: int = 0


@dataclass(frozen=True)
class CacheMatch:
    method: MatchMethod
    confidence: float
    reason: str
    authoritative: bool
    match: Candidate | None
    best: Candidate | None


def _candidate(message: pb.Candidate, present: bool) -> Candidate | None:
    if not present:
        return None
    return Candidate(
        message.item_id, message.library, message.title, message.artist, message.album,
        int(message.duration_ms), float(message.confidence),
    )  # fmt: skip


class CacheClient:
    def __init__(self, stub: cache_pb2_grpc.CacheServiceAsyncStub) -> None:
        self._stub = stub

    async def status(self, server: str) -> CacheView:
        try:
            reply = await self._stub.GetCacheStatus(
                pb.GetCacheStatusRequest(server=server), timeout=CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            raise CacheUnavailable(f"cache_svc: {exc.code().name}") from None
        status = reply.statuses[0]
        return CacheView(
            cache_state_from_pb(status.state),
            status.progress.tracks_done,
            status.progress.tracks_total,
        )

    async def wait_while_building(
        self, server: str, limit_seconds: float, say: Callable[[CacheView], None]
    ) -> CacheView:
        """Follow the build's progress until it ends or ``limit_seconds`` pass."""
        view = await self.status(server)
        if view.state is not CacheState.BUILDING:
            return view
        say(view)
        call = self._stub.WatchCacheStatus(
            pb.WatchCacheStatusRequest(server=server), timeout=max(1.0, limit_seconds)
        )
        try:
            async for message in call:
                view = CacheView(
                    cache_state_from_pb(message.status.state),
                    message.status.progress.tracks_done,
                    message.status.progress.tracks_total,
                )
                if view.state is not CacheState.BUILDING:
                    break
                say(view)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise CacheUnavailable(f"cache_svc: {exc.code().name}") from None
        finally:
            call.cancel()
        return view

    async def match(
        self, server: str, tracks: Sequence[Track], min_confidence: float
    ) -> tuple[list[CacheMatch], CacheState]:
        """One MatchTracks call for the batch; an empty list when no generation serves."""
        request = pb.MatchTracksRequest(
            server=server,
            min_confidence=min_confidence,
            tracks=[
                pb.TrackQuery(
                    ref=str(i),
                    title=t.title,
                    artists=list(t.artists),
                    album=t.album,
                    duration_ms=t.duration_ms,
                    recording_mbid=t.recording_mbid,
                    isrc=t.isrc,
                    artist_mbids=list(t.artist_mbids),
                    path=t.path,
                )
                for i, t in enumerate(tracks)
            ],
        )
        try:
            async with asyncio.timeout(CALL_TIMEOUT + 5):
                reply = await self._stub.MatchTracks(request, timeout=CALL_TIMEOUT)
        except (grpc.aio.AioRpcError, TimeoutError) as exc:
            code = exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else "TIMEOUT"
            raise CacheUnavailable(f"cache_svc: {code}") from None
        results = [
            CacheMatch(
                match_method_from_pb(r.method),
                float(r.confidence),
                r.reason,
                bool(r.authoritative),
                _candidate(r.match, r.HasField("match")),
                _candidate(r.best_candidate, r.HasField("best_candidate")),
            )
            for r in reply.results
        ]
        return results, cache_state_from_pb(reply.state)
