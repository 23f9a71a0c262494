"""A run's trace and metrics. A run is accepted by ``RunSync`` and executed later, maybe by
another replica, so the caller's trace context travels in the stored report (W3C
``traceparent``) and the run's span continues that trace: one trace from the CLI or the
gateway through the run, its ``MatchTracks``, live searches and playlist writes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from opentelemetry import propagate, trace
from opentelemetry.trace import Status, StatusCode

from common.runtime.service_metrics import ServiceMetrics
from sync_svc.runs import Outcome, Report, RunState

TRACEPARENT = "traceparent"


def current_trace_parent() -> str:
    """The ``traceparent`` of the span current now ('' outside a sampled trace)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT, "")


def outcome_attributes(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Counts by route (cache, live, unmatched) and by match method, as span attributes."""
    counts: dict[str, int] = {"cmdarr.tracks": len(outcomes)}
    for outcome in outcomes:
        for key in (f"cmdarr.via.{outcome.via.value}", f"cmdarr.method.{outcome.method.value}"):
            counts[key] = counts.get(key, 0) + 1
    return counts


class RunTracing:
    """Opens a run's spans on ``tracer`` and records its metrics in ``metrics``."""

    def __init__(self, tracer: trace.Tracer, metrics: ServiceMetrics) -> None:
        self._tracer = tracer
        self.metrics = metrics

    def span(
        self, name: str, attributes: Mapping[str, str | int | bool] | None = None
    ) -> AbstractContextManager[trace.Span]:
        return self._tracer.start_as_current_span(name, attributes=attributes)

    async def run(self, report: Report, execute: Callable[[Report], Awaitable[None]]) -> None:
        """``execute(report)`` inside the run's span, child of the span that queued it."""
        parent = propagate.extract({TRACEPARENT: report.trace_parent})
        started = time.monotonic()
        attributes: dict[str, str | bool] = {
            "cmdarr.run_id": report.run_id,
            "cmdarr.dry_run": report.dry_run,
            "cmdarr.targets": ",".join(t.value for t in report.spec.targets),
        }
        with self._tracer.start_as_current_span(
            "sync.run", context=parent, attributes=attributes
        ) as span:
            try:
                await execute(report)
            finally:
                state = report.progress.state
                span.set_attribute("cmdarr.outcome", state.value)
                if state is not RunState.SUCCEEDED:
                    span.set_status(Status(StatusCode.ERROR, report.error or state.value))
                self.metrics.sync_finished(state.value, time.monotonic() - started)
