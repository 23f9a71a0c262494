"""One sync, one trace: a RunSync sent by a traced client (as the CLI sends it) yields a
single trace through sync_svc, config_svc, cache_svc and the target requests, each span
linked to its parent; a cache build is a trace of its own, page by page; no token appears
in any span; the services' /metrics count what operators alert on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from common.runtime.metrics_http import MetricsEndpoint
from common.runtime.telemetry import Telemetry
from common.runtime.tracing import Tracing
from common.wire.channels import open_channel
from tests.support.cache_service import settle
from tests.support.inprocess_stack import JELLYFIN, PLEX, enable_targets, playlist, stack
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

TRACKS = 60
ABSENT = 5


def provider(exporter: InMemorySpanExporter, service: str) -> TracerProvider:
    """One provider per service, as in production, all writing to the same exporter."""
    traced = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    traced.add_span_processor(SimpleSpanProcessor(exporter))
    return traced


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes[SERVICE_NAME])


def attribute_texts(span: ReadableSpan) -> Iterator[str]:
    yield span.name
    for value in (span.attributes or {}).values():
        yield str(value)
    for event in span.events:
        for value in (event.attributes or {}).values():
            yield str(value)


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain: list[ReadableSpan] = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id and len(chain) < 100:
        chain.append(by_id[parent.span_id])
        parent = chain[-1].parent
    return chain


def named(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


async def test_a_sync_is_one_trace_across_the_services_and_a_build_is_its_own(
    database_url: str, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    telemetry = {
        name: Telemetry(Tracing.of(provider(exporter, f"{name}_svc")))
        for name in ("config", "cache", "sync")
    }
    cli = Tracing.of(provider(exporter, "cmdarr-cli"))
    async with stack(database_url, tmp_path, telemetry=telemetry.__getitem__) as s:
        await enable_targets(s)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        channel = open_channel(s.addresses["sync"], interceptors=cli.client_interceptors())
        sync = sync_pb2_grpc.SyncServiceStub(channel)
        spec = pb.SyncSpec(
            playlist_title="Traced Mix", tracks=playlist(TRACKS, ABSENT), targets=[PLEX, JELLYFIN]
        )
        with cli.tracer("cmdarr.cli").start_as_current_span("cmdarr run sync") as root:
            reply = await sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)
        trace_id = root.get_span_context().trace_id
        watch = pb.WatchSyncRequest(run_id=reply.run_id)
        states = [m.progress.state async for m in s.sync.WatchSync(watch, timeout=120)]
        assert states[-1] == pb.SYNC_STATE_SUCCEEDED
        await channel.close(None)

        def served_matches(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
            return [
                s for s in spans if service_of(s) == "cache_svc" and s.name.endswith("MatchTracks")
            ]

        def ended_trace() -> list[ReadableSpan] | None:
            """The run's trace once the run's span and cache_svc's MatchTracks spans have
            ended: a server's span ends after its reply is on the way, so it may end a
            moment after the caller (and the run) went on."""
            spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
            return spans if named(spans, "sync.run") and len(served_matches(spans)) >= 2 else None

        spans = await eventually(
            ended_trace, what="the run's span and both MatchTracks served by cache_svc to end"
        )
        by_id = {s.context.span_id: s for s in spans}

        # One trace from the client through every service, every span linked to the root.
        assert {service_of(s) for s in spans} >= {
            "cmdarr-cli",
            "sync_svc",
            "config_svc",
            "cache_svc",
        }
        (root_span,) = [s for s in spans if s.parent is None]
        assert root_span.name == "cmdarr run sync"
        for span in spans:
            if span is not root_span:
                assert ancestors(span, by_id)[-1] is root_span, f"{span.name} is not linked"

        (run,) = named(spans, "sync.run")
        assert (run.attributes or {})["cmdarr.outcome"] == "succeeded"
        assert "RunSync" in ancestors(run, by_id)[0].name

        # MatchTracks on cache_svc, once per target: under sync_svc's match step, counted.
        served = served_matches(spans)
        assert len(served) == 2
        for call in served:
            assert any(a.name == "sync.match" for a in ancestors(call, by_id))
            attributes = call.attributes or {}
            assert attributes["cmdarr.tracks"] == TRACKS
            methods = {k: v for k, v in attributes.items() if k.startswith("cmdarr.method.")}
            assert sum(int(str(v)) for v in methods.values()) == TRACKS
            assert attributes.get("cmdarr.method.none", 0) == ABSENT
        for step in named(spans, "sync.match"):
            assert (step.attributes or {})["cmdarr.via.unmatched"] == ABSENT

        # config_svc answered the run's settings inside the run.
        assert any(service_of(s) == "config_svc" and run in ancestors(s, by_id) for s in spans), (
            "config_svc's calls belong to the run"
        )

        # The target requests: playlist reads and writes, with their endpoint class.
        http = [s for s in spans if "cmdarr.endpoint_class" in (s.attributes or {})]
        classes = {str((s.attributes or {})["cmdarr.endpoint_class"]) for s in http}
        assert {"playlist_read", "playlist_write"} <= classes
        for span in http:
            for key in ("http.url", "url.full"):
                url = str((span.attributes or {}).get(key, ""))
                assert "?" not in url, url
        writes = named(spans, "sync.write_playlist")
        assert len(writes) == 2
        for span in http:
            if (span.attributes or {})["cmdarr.endpoint_class"] == "playlist_write":
                assert any(w in ancestors(span, by_id) for w in writes)

        # SQL statements of the run are spans of the trace, and only statement text.
        assert any("db.statement" in (s.attributes or {}) for s in spans)

        # A build is a trace of its own: a root span, its pages children with their counts.
        everything = exporter.get_finished_spans()
        builds = named(everything, "cache.build")
        assert len(builds) == 2
        for build in builds:
            attributes = build.attributes or {}
            assert build.parent is None
            assert attributes["cmdarr.outcome"] == "ready"
            pages = [
                p
                for p in named(everything, "cache.page")
                if p.context.trace_id == build.context.trace_id
            ]
            assert len(pages) >= 2
            assert sum(int(str((p.attributes or {})["cmdarr.tracks"])) for p in pages) == int(
                str(attributes["cmdarr.tracks"])
            )
            requests = [
                p
                for p in everything
                if p.context.trace_id == build.context.trace_id
                and (p.attributes or {}).get("cmdarr.endpoint_class") == "track_page"
            ]
            assert requests, "the track page requests belong to the build's trace"

        # No token anywhere: names, attributes and events of every span recorded.
        tokens = (s.plex.token, s.jellyfin.token)
        for span in everything:
            for text in attribute_texts(span):
                assert not any(t in text for t in tokens), f"a token in span {span.name}"

        # /metrics of each service counts builds, batches and runs.
        metrics = {
            # cache_svc follows the config over one WatchConfig stream, open right now.
            "config": ('cmdarr_watch_streams_open{method="WatchConfig"} 1.0',),
            "cache": (
                'cmdarr_cache_builds_total{outcome="ready",target="plex"} 1.0',
                'cmdarr_match_batch_size_count{target="plex"} 1.0',
                'cmdarr_match_duration_seconds_count{target="jellyfin"} 1.0',
                f'cmdarr_match_results_total{{method="none",target="plex"}} {ABSENT}.0',
            ),
            "sync": (
                'cmdarr_syncs_total{outcome="succeeded"} 1.0',
                "cmdarr_sync_old_behaviour_requests_estimate_total"
                f'{{target="plex"}} {8 * TRACKS}.0',
            ),
        }
        for name, expected in metrics.items():
            endpoint = MetricsEndpoint("127.0.0.1:0", telemetry[name].metrics.render)
            port = await endpoint.start()
            try:
                async with httpx.AsyncClient() as client:
                    page = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                    missing = await client.get(f"http://127.0.0.1:{port}/other")
            finally:
                await endpoint.stop()
            assert missing.status_code == 404
            for line in expected:
                assert line in page, f"{name}: {line} not in\n{page}"


async def test_live_searches_are_spans_of_the_match_step(database_url: str, tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    telemetry = {
        name: Telemetry(Tracing.of(provider(exporter, f"{name}_svc")))
        for name in ("config", "cache", "sync")
    }
    async with stack(database_url, tmp_path, telemetry=telemetry.__getitem__) as s:
        await enable_targets(
            s, LIBRARY_CACHE_PLEX_ENABLED="false", LIBRARY_CACHE_JELLYFIN_ENABLED="false"
        )
        spec = pb.SyncSpec(playlist_title="Live Mix", tracks=playlist(8, 2), targets=[PLEX])
        reply = await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)
        watch = pb.WatchSyncRequest(run_id=reply.run_id)
        states = [m.progress.state async for m in s.sync.WatchSync(watch, timeout=120)]
        assert states[-1] == pb.SYNC_STATE_SUCCEEDED

        def run_span() -> ReadableSpan | None:
            found = named(exporter.get_finished_spans(), "sync.run")
            return found[0] if found else None

        run = await eventually(run_span, what="the run's span to end")
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == run.context.trace_id]
    by_id = {s.context.span_id: s for s in spans}
    searches = [s for s in spans if (s.attributes or {}).get("cmdarr.endpoint_class") == "search"]
    assert searches, "the live fallback searched"
    for search in searches:
        assert "sync.match" in {a.name for a in ancestors(search, by_id)}
    (step,) = named(spans, "sync.match")
    assert (step.attributes or {})["cmdarr.via.live"] == 6
