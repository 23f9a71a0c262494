"""What operators alert on, per service process, in the Prometheus text format: builds,
MatchTracks batches, sync runs and open watch streams.

Each service owns one ``ServiceMetrics`` (its own registry, never the library's global
one), fills it where the work happens and serves it on ``/metrics`` (common/runtime/metrics_http.py;
the gateway appends it to its own page)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# What live matching used to cost: every query shape, for each track in each library.
OLD_QUERIES_PER_TRACK_AND_LIBRARY = 8
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_BUILD_SECONDS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
_SYNC_SECONDS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800)
_BATCH = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


def failure_reason(error: str) -> str:
    """A short, stable label for a build error message (never the message itself: it is
    unbounded and may name a server)."""
    if "CACHE_BUILD_TIMEOUT_MINUTES" in error:
        return "timeout"
    if "LIBRARY_CACHE_MEMORY_LIMIT_MB" in error:
        return "memory_limit"
    head = error.split(":", 1)[0].strip()
    if head.isidentifier() and head[:1].isupper():
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in head).lstrip("_")
    return "build_failed"


class ServiceMetrics:
    """The instruments of one service process."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.build_seconds = Histogram(
            "cmdarr_cache_build_duration_seconds",
            "Library cache build wall time",
            ["target", "mode", "outcome"],
            buckets=_BUILD_SECONDS,
            registry=r,
        )
        self.build_tracks = Gauge(
            "cmdarr_cache_build_tracks", "Tracks in the last ready build", ["target"], registry=r
        )
        self.builds = Counter(
            "cmdarr_cache_builds", "Finished builds by outcome", ["target", "outcome"], registry=r
        )
        self.build_failures = Counter(
            "cmdarr_cache_build_failures",
            "Failed builds by reason",
            ["target", "reason"],
            registry=r,
        )
        # Labelled by target, so that a process that never matches shows no samples.
        self.match_batch = Histogram(
            "cmdarr_match_batch_size",
            "Tracks per MatchTracks call",
            ["target"],
            buckets=_BATCH,
            registry=r,
        )
        self.match_seconds = Histogram(
            "cmdarr_match_duration_seconds",
            "MatchTracks latency (matching only, in the worker thread)",
            ["target"],
            buckets=_SECONDS,
            registry=r,
        )
        self.match_results = Counter(
            "cmdarr_match_results",
            "MatchTracks results by method",
            ["target", "method"],
            registry=r,
        )
        self.sync_seconds = Histogram(
            "cmdarr_sync_duration_seconds",
            "Sync run wall time by outcome",
            ["outcome"],
            buckets=_SYNC_SECONDS,
            registry=r,
        )
        self.syncs = Counter(
            "cmdarr_syncs", "Finished sync runs by outcome", ["outcome"], registry=r
        )
        self.sync_requests = Counter(
            "cmdarr_sync_target_requests",
            "Target requests sent by sync runs",
            ["target", "endpoint_class"],
            registry=r,
        )
        self.sync_old_requests = Counter(
            "cmdarr_sync_old_behaviour_requests_estimate",
            "Requests live matching would have sent for the same runs "
            f"({OLD_QUERIES_PER_TRACK_AND_LIBRARY} per track per library)",
            ["target"],
            registry=r,
        )
        self.streams_open = Gauge(
            "cmdarr_watch_streams_open", "Server streams open now", ["method"], registry=r
        )

    def build_finished(
        self, target: str, mode: str, seconds: float, *, error: str, tracks: int
    ) -> None:
        outcome = "failed" if error else "ready"
        self.build_seconds.labels(target, mode, outcome).observe(seconds)
        self.builds.labels(target, outcome).inc()
        if error:
            self.build_failures.labels(target, failure_reason(error)).inc()
        else:
            self.build_tracks.labels(target).set(tracks)

    def matched(self, target: str, seconds: float, methods: Mapping[str, int]) -> None:
        self.match_batch.labels(target).observe(sum(methods.values()))
        self.match_seconds.labels(target).observe(seconds)
        for method, count in methods.items():
            self.match_results.labels(target, method).inc(count)

    def sync_finished(self, outcome: str, seconds: float) -> None:
        self.sync_seconds.labels(outcome).observe(seconds)
        self.syncs.labels(outcome).inc()

    def sync_target(
        self, target: str, requests: Mapping[str, int], *, tracks: int, libraries: int
    ) -> None:
        for endpoint, count in requests.items():
            self.sync_requests.labels(target, endpoint).inc(count)
        estimate = OLD_QUERIES_PER_TRACK_AND_LIBRARY * tracks * max(1, libraries)
        self.sync_old_requests.labels(target).inc(estimate)

    def render(self) -> bytes:
        return generate_latest(self.registry)
