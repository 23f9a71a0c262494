"""A service's telemetry, handed to its app: the tracing (common/runtime/tracing.py) and the
operator metrics (common/runtime/service_metrics.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from common.runtime.service_metrics import ServiceMetrics
from common.runtime.stream_gauge import StreamGauge
from common.runtime.tracing import Tracing


@dataclass(frozen=True)
class Telemetry:
    tracing: Tracing = field(default_factory=Tracing.off)
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)

    @classmethod
    def from_environ(cls, service: str, environ: Mapping[str, str] | None = None) -> Telemetry:
        return cls(Tracing.from_environ(service, environ), ServiceMetrics())

    def server_interceptors(self) -> list[Any]:
        """Tracing first (its span covers the rest), then the open-streams gauge."""
        return [*self.tracing.server_interceptors(), StreamGauge(self.metrics.streams_open)]

    def client_interceptors(self) -> list[Any]:
        return self.tracing.client_interceptors()
