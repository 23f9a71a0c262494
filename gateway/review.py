"""The review of a sync's unmatched tracks: what the status page shows of each sync's last
run, and the overrides its buttons put ("Use this" pins the best candidate, "Never match"
rejects the track) or the stale-override fix deletes."""

from __future__ import annotations

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb

from gateway.backends import CALL_TIMEOUT, Backends

PAGE_AUTHOR = "status page"
RECENT_RUNS = 50


async def delete_stale_overrides(backends: Backends, server: str) -> int:
    """Delete the overrides whose pinned item the server's cache no longer holds."""
    reply = await backends.cache.GetCacheStatus(
        cache_pb.GetCacheStatusRequest(server=server), timeout=CALL_TIMEOUT
    )
    deleted = 0
    for status in reply.statuses:
        for override in status.stale_overrides:
            try:
                await backends.config.DeleteMatchOverride(
                    cpb.DeleteMatchOverrideRequest(
                        target=override.target, key=override.key, server=override.server
                    ),
                    timeout=CALL_TIMEOUT,
                )
                deleted += 1
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:  # deleted meanwhile: fine
                    raise
    return deleted


def sync_name(summary: sync_pb.SyncSummary) -> str:
    """What makes runs "the same sync": the command; inline runs count as one sync."""
    return summary.command_name or "(inline)"


async def last_runs(backends: Backends) -> list[sync_pb.SyncReport]:
    """The last finished run of each sync, newest first."""
    reply = await backends.sync.ListSyncs(
        sync_pb.ListSyncsRequest(limit=RECENT_RUNS), timeout=CALL_TIMEOUT
    )
    seen: set[str] = set()
    reports: list[sync_pb.SyncReport] = []
    for summary in reply.syncs:
        if summary.progress.state != sync_pb.SYNC_STATE_SUCCEEDED or sync_name(summary) in seen:
            continue
        seen.add(sync_name(summary))
        got = await backends.sync.GetSyncReport(
            sync_pb.GetSyncReportRequest(run_id=summary.run_id), timeout=CALL_TIMEOUT
        )
        reports.append(got.report)
    return reports
