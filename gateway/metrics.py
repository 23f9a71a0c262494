"""/metrics: the state of the stack in the Prometheus text format, computed at scrape time
from the services (a fresh registry per scrape: the gateway keeps no state of its own)."""

from __future__ import annotations

from collections.abc import Sequence

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.gateway.v1 import gateway_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from common.wire import protoconv

OLD_QUERIES_PER_TRACK_AND_LIBRARY = 8  # what live matching used to cost
CLASSES = ("library_listing", "track_page", "search", "playlist_read", "playlist_write", "other")


def _label(target: int) -> str:
    found = protoconv.TARGETS_BACK.get(target)  # type: ignore[call-overload]
    return found.value if found is not None else "unknown"


def render(status: pb.Status, reports: Sequence[sync_pb.SyncReport]) -> bytes:
    registry = CollectorRegistry()
    up = Gauge(
        "cmdarr_service_up", "1 when the service reports SERVING", ["service"], registry=registry
    )
    for service in status.services:
        up.labels(service.name).set(1 if service.serving else 0)

    state = Gauge(
        "cmdarr_cache_state",
        "1 for the library cache's current state",
        ["target", "state"],
        registry=registry,
    )
    tracks = Gauge(
        "cmdarr_cache_tracks",
        "Tracks in the serving cache generation",
        ["target"],
        registry=registry,
    )
    progress = Gauge(
        "cmdarr_cache_build_progress_ratio",
        "Tracks fetched / total during a build",
        ["target"],
        registry=registry,
    )
    for target in status.targets:
        label = _label(target.target)
        name = cache_pb.CacheState.Name(target.cache.state).removeprefix("CACHE_STATE_").lower()
        state.labels(label, name).set(1)
        tracks.labels(label).set(target.cache.track_count)
        done, total = target.cache.progress.tracks_done, target.cache.progress.tracks_total
        progress.labels(label).set(done / total if total else 0)

    warnings = Gauge("cmdarr_warnings", "Warnings in force, by code", ["code"], registry=registry)
    for warning in status.warnings:
        warnings.labels(warning.code).inc()

    runs = Gauge("cmdarr_sync_runs", "Recent sync runs by state", ["state"], registry=registry)
    requests = Gauge(
        "cmdarr_target_requests",
        "Target requests sent by recent syncs",
        ["target", "endpoint_class"],
        registry=registry,
    )
    hit = Gauge(
        "cmdarr_cache_hit_ratio",
        "Tracks answered by the cache / tracks synced, recent syncs",
        ["target"],
        registry=registry,
    )
    saved = Gauge(
        "cmdarr_requests_saved",
        "Search requests the cache saved in recent syncs "
        "(against 8 live queries per track per library)",
        ["target"],
        registry=registry,
    )
    libraries = {t.target: max(1, t.cache.library_count) for t in status.targets}
    answered: dict[str, int] = {}
    synced: dict[str, int] = {}
    for report in reports:
        runs.labels(
            sync_pb.SyncState.Name(report.progress.state).removeprefix("SYNC_STATE_").lower()
        ).inc()
        for result in report.targets:
            label = _label(result.target)
            for cls in CLASSES:
                requests.labels(label, cls).inc(getattr(result.requests, cls))
        for outcome in report.tracks:
            label = _label(outcome.target)
            synced[label] = synced.get(label, 0) + 1
            if outcome.source == sync_pb.MATCH_SOURCE_CACHE or (
                outcome.source == sync_pb.MATCH_SOURCE_UNMATCHED and outcome.result.authoritative
            ):
                answered[label] = answered.get(label, 0) + 1
                saved.labels(label).inc(
                    OLD_QUERIES_PER_TRACK_AND_LIBRARY * libraries.get(outcome.target, 1)
                )
    for label, count in synced.items():
        hit.labels(label).set(answered.get(label, 0) / count)
    return generate_latest(registry)
