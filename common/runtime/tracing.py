"""OpenTelemetry tracing for one service: configured by the standard ``OTEL_*`` variables,
handed to the server, the channels, the database and the target HTTP clients.

No ``OTEL_EXPORTER_OTLP_ENDPOINT`` (nor ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) means
tracing is off: a no-op provider, no instrumentation, no exporter thread. With one, the
SDK reads the rest itself (``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER`` and its argument, ``OTEL_EXPORTER_OTLP_*``, ``OTEL_BSP_*``).

Tests build a ``Tracing`` around their own provider (an in-memory exporter); only a
service's ``main`` makes its provider the process's global one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from opentelemetry import context as otel_context
from opentelemetry import metrics, trace

if TYPE_CHECKING:
    from opentelemetry.instrumentation.httpx import RequestInfo
    from sqlalchemy.ext.asyncio import AsyncEngine

# The SDK and the instrumentations are imported where tracing is switched on: with it off
# (the default) a process never pays for them, and a build worker starts faster.

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Request extensions key the target transport sets, read back by the span hook.
ENDPOINT_CLASS_EXTENSION = "cmdarr.endpoint_class"
ENDPOINT_CLASS_ATTRIBUTE = "cmdarr.endpoint_class"
# The URL attributes of the httpx instrumentation (old and stable HTTP conventions).
_URL_ATTRIBUTES = ("http.url", "url.full")
# Headers that carry target credentials: masked should an operator capture headers
# (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST).
_SECRET_HEADERS = ("authorization", "x-plex-token", "x-emby-token", "x-mediabrowser-token")
_HEADER_PREFIX = "http.request.header."
_INSTRUMENTATION = "cmdarr"


def safe_url(url: str) -> str:
    """``url`` without its query, fragment and user info: Jellyfin's ``api_key`` and Plex's
    ``X-Plex-Token`` may travel in the query, and a span must never carry a credential."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def _request_hook(span: trace.Span, request: RequestInfo) -> None:
    """Replace the URL attributes by their safe form and name the endpoint class."""
    if not span.is_recording():
        return
    clean = safe_url(str(request.url))
    recorded: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if key in recorded:
            span.set_attribute(key, clean)
    for key in list(recorded):
        name = key.removeprefix(_HEADER_PREFIX).replace("_", "-")
        if key.startswith(_HEADER_PREFIX) and name in _SECRET_HEADERS:
            span.set_attribute(key, ["***"])
    endpoint = (request.extensions or {}).get(ENDPOINT_CLASS_EXTENSION)
    if isinstance(endpoint, str):
        span.set_attribute(ENDPOINT_CLASS_ATTRIBUTE, endpoint)


class ChildSpansOnly(trace.Tracer):
    """A tracer that opens spans only inside another one: the polls of background loops
    (claimers, lease keepers, the cache view) would otherwise each be a trace of one SQL
    statement, drowning the traces of requests, runs and builds."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def start_span(
        self,
        name: str,
        context: otel_context.Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Any = None,
        links: Sequence[trace.Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )

    @contextmanager
    def start_as_current_span(  # type: ignore[override]  # the API's decorator is private
        self,
        name: str,
        context: otel_context.Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Any = None,
        links: Sequence[trace.Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace.Span]:
        span = self.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )
        with trace.use_span(span, end_on_exit=end_on_exit) as current:
            yield current


def tracing_configured(environ: Mapping[str, str]) -> bool:
    """True when the environment names an OTLP endpoint and does not switch tracing off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


@dataclass(frozen=True)
class Tracing:
    """A service's tracer provider and the instrumentation that reports to it.

    ``enabled`` false: every method is a no-op and nothing is instrumented, so tracing
    off costs nothing on the request path.
    """

    provider: trace.TracerProvider
    enabled: bool

    @classmethod
    def off(cls) -> Tracing:
        return cls(trace.NoOpTracerProvider(), enabled=False)

    @classmethod
    def of(cls, provider: trace.TracerProvider) -> Tracing:
        """Trace into ``provider`` (tests: one with an in-memory exporter)."""
        return cls(provider, enabled=True)

    @classmethod
    def from_environ(cls, service: str, environ: Mapping[str, str] | None = None) -> Tracing:
        """The standard variables decide; without an endpoint, ``off()`` (no exporter)."""
        environ = os.environ if environ is None else environ
        if not tracing_configured(environ):
            return cls.off()
        # Imported only when used: the exporter pulls in its own gRPC channel machinery.
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # OTEL_SERVICE_NAME, when set, wins over the service's own name.
        attributes = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
        provider = TracerProvider(resource=Resource.create(attributes))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        return cls(provider, enabled=True)

    def tracer(self, name: str) -> trace.Tracer:
        return self.provider.get_tracer(name)

    def server_interceptors(self) -> list[Any]:
        """The grpc.aio server interceptor that continues the caller's trace (first in the
        chain, so it sees every status the others set). Health checks are not traced."""
        if not self.enabled:
            return []
        from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters

        return [
            aio_server_interceptor(  # type: ignore[no-untyped-call]
                tracer_provider=self.provider, filter_=filters.negate(filters.health_check())
            )
        ]

    def client_interceptors(self) -> list[Any]:
        """grpc.aio client interceptors that open a span per call and send the context."""
        if not self.enabled:
            return []
        from opentelemetry.instrumentation.grpc import aio_client_interceptors, filters

        return list(
            aio_client_interceptors(  # type: ignore[no-untyped-call]
                tracer_provider=self.provider, filter_=filters.negate(filters.health_check())
            )
        )

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """A span per SQL statement of ``engine`` run inside a span (the statement text
        only: parameters are never recorded)."""
        if self.enabled:
            usage = metrics.NoOpMeter("cmdarr.db").create_up_down_counter("connections")
            tracer = ChildSpansOnly(self.tracer(_INSTRUMENTATION + ".db"))
            from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

            EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    def instrument_http(self, client: httpx.AsyncClient) -> None:
        """A span per target request of ``client``, its URL without query, its endpoint
        class as an attribute."""
        if self.enabled:
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor.instrument_client(
                client, tracer_provider=self.provider, request_hook=_request_hook
            )

    def shutdown(self) -> None:
        """Flush and stop the exporter (blocking: call it from a thread)."""
        shutdown = getattr(self.provider, "shutdown", None)
        if self.enabled and shutdown is not None:
            shutdown()
