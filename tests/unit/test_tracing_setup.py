"""Tracing's set-up from the standard variables, and what its instrumentation records:
off without an endpoint (no exporter thread), no credential in any target span, SQL
statements only inside a span, logs naming their span."""

from __future__ import annotations

import json
import logging
import threading

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from common.runtime.logs import JsonFormatter, Redactor
from common.runtime.service_metrics import failure_reason
from common.runtime.telemetry import Telemetry
from common.runtime.tracing import ENDPOINT_CLASS_EXTENSION, Tracing, safe_url

EXPORTER_THREAD = "OtelBatch"
SECRET = "sekrit-token-1234"


def exporter_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(EXPORTER_THREAD)]


def in_memory() -> tuple[Tracing, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing.of(provider), exporter


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"OTEL_SERVICE_NAME": "cache", "OTEL_TRACES_SAMPLER": "always_on"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SDK_DISABLED": "true"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_TRACES_EXPORTER": "none"},
    ],
)
def test_without_an_endpoint_tracing_is_off_and_starts_no_exporter(
    environ: dict[str, str],
) -> None:
    before = exporter_threads()
    telemetry = Telemetry.from_environ("cache_svc", environ)
    assert not telemetry.tracing.enabled
    assert isinstance(telemetry.tracing.provider, trace.NoOpTracerProvider)
    assert telemetry.client_interceptors() == []
    assert len(telemetry.server_interceptors()) == 1  # the open-streams gauge only
    assert exporter_threads() == before


def test_an_endpoint_turns_tracing_on_with_its_exporter() -> None:
    before = len(exporter_threads())
    tracing = Tracing.from_environ(
        "cache_svc", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}
    )
    try:
        assert tracing.enabled
        assert len(exporter_threads()) == before + 1
        assert len(tracing.client_interceptors()) == 4
        resource = getattr(tracing.provider, "resource", None)
        assert resource is not None
        assert resource.attributes["service.name"] == "cache_svc"
    finally:
        tracing.shutdown()
    assert len(exporter_threads()) == before


def test_otel_service_name_wins_over_the_service_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "cache-eu-1")
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SERVICE_NAME": "x"}
    tracing = Tracing.from_environ("cache_svc", environ)
    try:
        resource = getattr(tracing.provider, "resource", None)
        assert resource is not None
        assert resource.attributes["service.name"] == "cache-eu-1"
    finally:
        tracing.shutdown()


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        (
            "http://plex:32400/library/sections?X-Plex-Token=abc",
            "http://plex:32400/library/sections",
        ),
        ("https://user:pw@jelly.example/Items?api_key=abc#x", "https://jelly.example/Items"),
        ("http://[::1]:8096/Users/Me", "http://[::1]:8096/Users/Me"),
    ],
)
def test_safe_urls_drop_query_fragment_and_user_info(url: str, safe: str) -> None:
    assert safe_url(url) == safe


async def test_target_request_spans_carry_no_credential_and_name_their_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Even an operator capturing request headers gets them masked.
    monkeypatch.setenv(
        "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST", "X-Plex-Token,Authorization"
    )
    tracing, exporter = in_memory()

    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        tracing.instrument_http(client)
        await client.get(
            f"http://plex.test:32400/library/sections/1/all?X-Plex-Token={SECRET}&type=10",
            headers={"X-Plex-Token": SECRET, "Authorization": f"Bearer {SECRET}"},
            extensions={ENDPOINT_CLASS_EXTENSION: "track_page"},
        )
    (span,) = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["cmdarr.endpoint_class"] == "track_page"
    assert attributes["http.url"] == "http://plex.test:32400/library/sections/1/all"
    assert "http.request.header.x_plex_token" in attributes
    assert SECRET not in json.dumps(attributes, default=str)


async def test_sql_statements_are_spans_only_inside_a_span() -> None:
    tracing, exporter = in_memory()
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    tracing.instrument_engine(engine)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # a background poll: no trace of its own
            assert exporter.get_finished_spans() == ()
            with tracing.tracer("t").start_as_current_span("request") as parent:
                await conn.execute(text("SELECT 2"))
    finally:
        await engine.dispose()
    (statement,) = [s for s in exporter.get_finished_spans() if s.name != "request"]
    assert statement.parent is not None
    assert statement.parent.span_id == parent.get_span_context().span_id
    assert (statement.attributes or {})["db.statement"] == "SELECT 2"


def test_log_lines_inside_a_span_name_it() -> None:
    tracing, _exporter = in_memory()
    formatter = JsonFormatter("svc", Redactor())

    def line() -> dict[str, str]:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", (), None)
        parsed: dict[str, str] = json.loads(formatter.format(record))
        return parsed

    assert "trace_id" not in line()
    with tracing.tracer("t").start_as_current_span("work") as span:
        inside = line()
    context = span.get_span_context()
    assert inside["trace_id"] == trace.format_trace_id(context.trace_id)
    assert inside["span_id"] == trace.format_span_id(context.span_id)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("the build took longer than CACHE_BUILD_TIMEOUT_MINUTES=60", "timeout"),
        ("index over LIBRARY_CACHE_MEMORY_LIMIT_MB", "memory_limit"),
        ("TargetAuthError: plex: GET /library/sections was refused with 401", "target_auth_error"),
        ("PLEX_URL is not set", "build_failed"),
    ],
)
def test_build_failures_get_a_short_stable_reason(error: str, reason: str) -> None:
    assert failure_reason(error) == reason
