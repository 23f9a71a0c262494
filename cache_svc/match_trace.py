"""What a MatchTracks batch shows operators: its size, the matching time and the methods
that answered, on the call's server span (opened by the gRPC instrumentation) and in the
service's metrics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from opentelemetry import trace

from common.matching import Match
from common.runtime.service_metrics import ServiceMetrics


def observe_match(
    metrics: ServiceMetrics, server: str, matches: Sequence[Match], seconds: float, state: str
) -> None:
    """``server``: the cache's server name, which the metrics' ``target`` label carries."""
    methods = Counter(m.method.value for m in matches)
    trace.get_current_span().set_attributes(
        {
            "cmdarr.target": server,
            "cmdarr.tracks": len(matches),
            "cmdarr.cache_state": state,
            **{f"cmdarr.method.{method}": count for method, count in methods.items()},
        }
    )
    metrics.matched(server, seconds, methods)
