"""A local OTLP trace receiver for benchmarks: the gRPC ``TraceService.Export`` that an
OpenTelemetry collector serves, counting the spans it receives and keeping nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from common.runtime.probe import free_port


class CountingReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.spans = 0
        self.exports = 0
        # trace id -> the services that sent spans of it, and how many spans
        self.traces: dict[bytes, tuple[set[str], int]] = {}
        # trace id -> the endpoint classes of its target requests
        self.endpoints: dict[bytes, set[str]] = {}

    async def Export(  # the gRPC method's name
        self, request: pb.ExportTraceServiceRequest, _context: Any
    ) -> pb.ExportTraceServiceResponse:
        self.exports += 1
        for resource in request.resource_spans:
            names = {
                a.value.string_value
                for a in resource.resource.attributes
                if a.key == "service.name"
            }
            for scope in resource.scope_spans:
                self.spans += len(scope.spans)
                for span in scope.spans:
                    services, count = self.traces.get(span.trace_id, (set(), 0))
                    self.traces[span.trace_id] = (services | names, count + 1)
                    self.endpoints.setdefault(span.trace_id, set()).update(
                        a.value.string_value
                        for a in span.attributes
                        if a.key == "cmdarr.endpoint_class"
                    )
        return pb.ExportTraceServiceResponse()

    def trace_of(self, service: str) -> tuple[set[str], int, set[str]]:
        """The widest trace ``service`` sent spans of: its services, spans, endpoints."""
        found = [(s, n, t) for t, (s, n) in self.traces.items() if service in s]
        if not found:
            return set(), 0, set()
        services, count, trace_id = max(found, key=lambda f: (len(f[0]), f[1]))
        return services, count, self.endpoints.get(trace_id, set())

    def widest_trace(self) -> tuple[set[str], int]:
        """The services and span count of the trace that crossed the most services."""
        return max(self.traces.values(), key=lambda t: (len(t[0]), t[1]), default=(set(), 0))


@asynccontextmanager
async def otlp_stub() -> AsyncIterator[tuple[str, CountingReceiver]]:
    """A receiver on a free loopback port; yields its ``http://`` endpoint and counter."""
    receiver = CountingReceiver()
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port(f"127.0.0.1:{free_port()}")
    await server.start()
    try:
        yield f"http://127.0.0.1:{port}", receiver
    finally:
        await server.stop(0)
