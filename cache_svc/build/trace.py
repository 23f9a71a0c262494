"""A build's trace and metrics, opened around the manager's build task from the outside:
each build is a trace of its own (the listing's pages, the target requests and the SQL
statements are its children), and its duration, outcome, tracks and failure reason go to
the service's metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from common.runtime.service_metrics import ServiceMetrics, failure_reason

# What a finished build left: its error ('' when ready) and its track count.
Result = Callable[[], tuple[str, int]]


class BuildTracing:
    def __init__(self, tracer: trace.Tracer, metrics: ServiceMetrics) -> None:
        self._tracer = tracer
        self._metrics = metrics

    async def build(self, server: str, mode: str, work: Awaitable[None], result: Result) -> None:
        """Await ``work`` (one build) inside a new root span ``cache.build``."""
        started = time.monotonic()
        attributes = {"cmdarr.target": server, "cmdarr.mode": mode}
        with self._tracer.start_as_current_span(
            "cache.build", context=otel_context.Context(), attributes=attributes
        ) as span:
            try:
                await work
            except asyncio.CancelledError:
                span.set_attribute("cmdarr.outcome", "interrupted")
                raise
            error, tracks = result()
            span.set_attributes(
                {"cmdarr.outcome": "failed" if error else "ready", "cmdarr.tracks": tracks}
            )
            if error:
                span.set_attribute("cmdarr.failure_reason", failure_reason(error))
                span.set_status(Status(StatusCode.ERROR, failure_reason(error)))
            self._metrics.build_finished(
                server, mode, time.monotonic() - started, error=error, tracks=tracks
            )
