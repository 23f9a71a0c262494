"""The blocking client against scripted servers (grpc_testing): retries, typed errors,
deadlines, field violations, and watches that resume and re-snapshot."""

from __future__ import annotations

import itertools
import queue

import grpc
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb

from cmdarr_client import (
    AuthenticationError,
    CacheBuildFailed,
    ConfigChange,
    ConfigSnapshot,
    ConfigWatchEvent,
    Conflict,
    DeadlineExceeded,
    ErrorReason,
    FieldViolation,
    InvalidArgument,
    Target,
    Unavailable,
    Unimplemented,
    describe_cache,
)
from tests.support.scripted import API_KEY, scripted_client

SETTINGS = pb.GetSettingsResponse(settings=[pb.Setting(key="PLEX_URL", value="u")], revision=7)


def events(revision: int, key: str) -> pb.WatchConfigResponse:
    change = pb.ConfigEvent(
        type=pb.EVENT_TYPE_SETTING_CHANGED, setting=pb.Setting(key=key, mod_revision=revision)
    )
    return pb.WatchConfigResponse(
        kind=pb.WATCH_RESPONSE_KIND_EVENTS, revision=revision, events=[change]
    )


def revisions(seen: list[ConfigWatchEvent]) -> list[int]:
    return [event.revision for event in seen]


def test_a_read_that_answers_unavailable_is_tried_again_with_the_key() -> None:
    with scripted_client() as (client, server):
        reply = server.run(lambda: client.get_settings("PLEX_URL"))
        first = server.unary("config", "GetSettings")
        assert first.metadata["authorization"] == f"Bearer {API_KEY}"
        assert list(first.request.keys) == ["PLEX_URL"]
        first.fail(grpc.StatusCode.UNAVAILABLE, "replica went away")
        second = server.unary("config", "GetSettings")
        assert second.request == first.request
        second.answer(SETTINGS)
        assert reply.result(timeout=10) == SETTINGS


def test_reads_give_up_after_the_retry_budget() -> None:
    with scripted_client() as (client, server):
        reply = server.run(client.list_commands)
        for _ in range(3):
            server.unary("config", "ListCommands").fail(grpc.StatusCode.UNAVAILABLE, "down")
        with pytest.raises(Unavailable):
            reply.result(timeout=10)


def test_unauthenticated_is_typed_never_retried_and_never_shows_the_key() -> None:
    with scripted_client() as (client, server):
        reply = server.run(client.status)
        server.unary("gateway", "GetStatus").fail(
            grpc.StatusCode.UNAUTHENTICATED, "missing or wrong API key", "UNAUTHENTICATED"
        )
        # A retry would be a second call left unanswered: the result would never come.
        with pytest.raises(AuthenticationError) as caught:
            reply.result(timeout=10)
        error = caught.value
        assert error.code is grpc.StatusCode.UNAUTHENTICATED
        assert error.reason is ErrorReason.UNAUTHENTICATED
        assert error.service == "gateway"
        for shown in (str(error), repr(error), repr(client), repr(client.options)):
            assert API_KEY not in shown


def test_deadline_exceeded_is_typed_and_the_default_deadline_is_sent() -> None:
    with scripted_client() as (client, server):
        reply = server.run(lambda: client.cache_status(Target.PLEX))
        call = server.unary("cache", "GetCacheStatus")
        assert call.request.target == tpb.TARGET_PLEX
        call.fail(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
        with pytest.raises(DeadlineExceeded) as caught:
            reply.result(timeout=10)
        assert caught.value.reason is None


def test_invalid_argument_carries_every_field_violation() -> None:
    with scripted_client() as (client, server):
        reply = server.run(
            lambda: client.update_settings(
                {"PLEX_CLIENT_ENABLED": True, "PLEX_URL": None, "TARGET_MAX_CONCURRENCY": 4},
                expected_revision=12,
            )
        )
        call = server.unary("config", "UpdateSettings")
        assert call.request.expected_revision == 12
        assert [(c.key, c.value, c.reset) for c in call.request.changes] == [
            ("PLEX_CLIENT_ENABLED", "true", False),
            ("PLEX_URL", "", True),
            ("TARGET_MAX_CONCURRENCY", "4", False),
        ]
        violations = [FieldViolation("changes[2].value", "must be at most 32")]
        call.fail(
            grpc.StatusCode.INVALID_ARGUMENT, "invalid request", "INVALID_ARGUMENT", violations
        )
        with pytest.raises(InvalidArgument) as caught:
            reply.result(timeout=10)
        assert caught.value.violations == tuple(violations)
        assert caught.value.reason is ErrorReason.INVALID_ARGUMENT
        assert "changes[2].value: must be at most 32" in str(caught.value)


def test_a_write_is_never_retried_and_a_stale_revision_is_a_conflict() -> None:
    with scripted_client() as (client, server):
        write = server.run(lambda: client.update_settings({"PLEX_URL": "x"}))
        server.unary("config", "UpdateSettings").fail(grpc.StatusCode.UNAVAILABLE, "gone")
        with pytest.raises(Unavailable):
            write.result(timeout=10)
        stale = server.run(lambda: client.update_settings({"PLEX_URL": "x"}, expected_revision=3))
        server.unary("config", "UpdateSettings").fail(
            grpc.StatusCode.ABORTED, "expected revision 3", "REVISION_MISMATCH"
        )
        with pytest.raises(Conflict) as caught:
            stale.result(timeout=10)
        assert caught.value.reason is ErrorReason.REVISION_MISMATCH


def test_a_dropped_watch_resumes_after_the_last_revision_without_duplicates() -> None:
    with scripted_client() as (client, server):
        seen = server.follow(lambda: client.watch_config(5), 4)
        first = server.stream("config", "WatchConfig")
        assert first.request.after_revision == 5
        progress = pb.WatchConfigResponse(kind=pb.WATCH_RESPONSE_KIND_PROGRESS, revision=6)
        first.send(events(6, "A"), progress, events(7, "B"))
        assert [seen.next().revision, seen.next().revision] == [6, 7]
        first.fail(grpc.StatusCode.UNAVAILABLE, "replica died")
        second = server.stream("config", "WatchConfig")
        assert second.request.after_revision == 7
        # A replica may replay what the watcher already has: it is dropped.
        second.send(events(7, "B"), events(8, "C"))
        assert seen.next().revision == 8
        second.end()  # a stream that ends early is opened again too
        third = server.stream("config", "WatchConfig")
        assert third.request.after_revision == 8
        third.send(events(9, "D"))
        got = seen.done.result(timeout=10)
        assert revisions(got) == [6, 7, 8, 9]
        assert all(isinstance(event, ConfigChange) for event in got)
        assert [e.events[0].setting.key for e in got if isinstance(e, ConfigChange)] == list("ABCD")


def test_a_compacted_revision_starts_again_from_a_snapshot() -> None:
    with scripted_client() as (client, server):
        seen = server.run(lambda: list(itertools.islice(client.watch_config(3), 2)))
        first = server.stream("config", "WatchConfig")
        first.fail(
            grpc.StatusCode.FAILED_PRECONDITION,
            "revision 3 has been compacted",
            "REVISION_COMPACTED",
        )
        second = server.stream("config", "WatchConfig")
        assert second.request.after_revision == 0
        snapshot = pb.ConfigSnapshot(settings=[pb.Setting(key="PLEX_URL", value="u")])
        kind = pb.WATCH_RESPONSE_KIND_SNAPSHOT
        second.send(
            pb.WatchConfigResponse(kind=kind, revision=40, snapshot=snapshot),
            events(41, "PLEX_URL"),
        )
        got = seen.result(timeout=10)
        assert revisions(got) == [40, 41]
        assert isinstance(got[0], ConfigSnapshot)
        assert got[0].compacted
        assert [s.key for s in got[0].settings] == ["PLEX_URL"]


def test_another_watch_failure_ends_the_watch_with_its_error() -> None:
    with scripted_client() as (client, server):
        seen = server.run(lambda: list(client.watch_config(1)))
        server.stream("config", "WatchConfig").fail(
            grpc.StatusCode.UNAUTHENTICATED, "missing API key", "UNAUTHENTICATED"
        )
        with pytest.raises(AuthenticationError):
            seen.result(timeout=10)


def test_match_overrides_travel_as_the_protos_say() -> None:
    key = pb.SourceKey(isrc="GBAYE0601498")
    override = pb.MatchOverride(
        target=tpb.TARGET_PLEX, key=key, action=pb.OVERRIDE_ACTION_PIN, item_id="42"
    )
    with scripted_client() as (client, server):
        put = server.run(lambda: client.put_match_override(override, expected_mod_revision=9))
        call = server.unary("config", "PutMatchOverride")
        assert call.request.override == override
        assert call.request.expected_mod_revision == 9
        call.answer(pb.PutMatchOverrideResponse(override=override, revision=10))
        assert put.result(timeout=10).revision == 10

        listed = server.run(lambda: client.list_match_overrides(Target.PLEX))
        call = server.unary("config", "ListMatchOverrides")
        assert call.request.target == tpb.TARGET_PLEX
        call.answer(pb.ListMatchOverridesResponse(overrides=[override], revision=10))
        assert list(listed.result(timeout=10).overrides) == [override]

        deleted = server.run(lambda: client.delete_match_override(Target.PLEX, key))
        call = server.unary("config", "DeleteMatchOverride")
        assert call.request.key == key
        call.fail(grpc.StatusCode.UNIMPLEMENTED, "not yet", "INTERNAL")
        with pytest.raises(Unimplemented):
            deleted.result(timeout=10)


def test_servers_travel_as_the_protos_say() -> None:
    with scripted_client() as (client, server):
        created = server.run(
            lambda: client.create_server(
                "den", kind=pb.SERVER_KIND_PLEX, url="http://den.lan:32400", token="t-den-1"
            )
        )
        call = server.unary("config", "CreateServer")
        assert call.request.server.token == "t-den-1"
        assert not call.request.server.HasField("library_cache_enabled"), "left to the policy"
        call.answer(pb.CreateServerResponse(server=pb.Server(name="den", mod_revision=4)))
        assert created.result(timeout=10).server.mod_revision == 4

        updated = server.run(
            lambda: client.update_server(
                "den", expected_mod_revision=4, library_names=["Music"], client_enabled=False
            )
        )
        call = server.unary("config", "UpdateServer")
        assert list(call.request.update_mask.paths) == ["library_names", "client_enabled"]
        assert list(call.request.server.library_names) == ["Music"]
        assert call.request.expected_mod_revision == 4
        call.fail(grpc.StatusCode.ABORTED, "server 'den' changed", "REVISION_MISMATCH")
        with pytest.raises(Conflict):
            updated.result(timeout=10)
        with pytest.raises(TypeError, match="'colour'"):
            client.update_server("den", expected_mod_revision=0, colour="blue")

        deleted = server.run(lambda: client.delete_server("den", expected_mod_revision=5))
        call = server.unary("config", "DeleteServer")
        assert (call.request.name, call.request.expected_mod_revision) == ("den", 5)
        call.answer(pb.DeleteServerResponse(revision=6))
        assert deleted.result(timeout=10).revision == 6

        tested = server.run(lambda: client.test_server("den"))
        call = server.unary("sync", "TestServer")
        assert call.request.name == "den"
        call.answer(
            sync_pb.TestServerResponse(problem=sync_pb.SERVER_PROBLEM_TLS, message="den: TLS")
        )
        assert tested.result(timeout=10).problem == sync_pb.SERVER_PROBLEM_TLS

        users = server.run(lambda: client.list_server_users("den"))
        call = server.unary("sync", "ListServerUsers")
        assert call.request.server == "den"
        call.answer(sync_pb.ListServerUsersResponse(users=[sync_pb.ServerUser(name="alice")]))
        assert [u.name for u in users.result(timeout=10).users] == ["alice"]


def cache_update(
    state: cache_pb.CacheState.ValueType, done: int = 0
) -> cache_pb.WatchCacheStatusResponse:
    status = cache_pb.CacheStatus(
        target=tpb.TARGET_PLEX, state=state, progress=cache_pb.BuildProgress(tracks_done=done)
    )
    return cache_pb.WatchCacheStatusResponse(status=status)


def test_waiting_for_a_cache_reports_progress_and_ends_when_it_is_ready() -> None:
    with scripted_client() as (client, server):
        shown: queue.Queue[int] = queue.Queue()
        ready = server.run(
            lambda: client.wait_for_cache(
                Target.PLEX, progress=lambda s: shown.put(s.progress.tracks_done)
            )
        )
        call = server.stream("cache", "WatchCacheStatus")
        assert call.request.target == tpb.TARGET_PLEX
        call.send(
            cache_update(cache_pb.CACHE_STATE_DISABLED),
            cache_update(cache_pb.CACHE_STATE_BUILDING, 500),
        )
        assert [shown.get(timeout=10), shown.get(timeout=10)] == [0, 500]
        call.fail(grpc.StatusCode.UNAVAILABLE, "replica died")
        again = server.stream("cache", "WatchCacheStatus")
        again.send(
            cache_update(cache_pb.CACHE_STATE_BUILDING, 900),
            cache_update(cache_pb.CACHE_STATE_READY, 1000),
        )
        final = ready.result(timeout=10)
        assert final.state == cache_pb.CACHE_STATE_READY
        building = cache_update(cache_pb.CACHE_STATE_BUILDING, 900).status
        building.progress.tracks_total = 2000
        assert describe_cache(building) == "Building Plex library cache... 900/2,000 tracks"
        final.track_count = 1000
        assert describe_cache(final) == "Plex library cache ready: 1,000 tracks"
        assert [shown.get_nowait(), shown.get_nowait()] == [900, 1000]

        failed = server.run(lambda: client.wait_for_cache(Target.PLEX))
        server.stream("cache", "WatchCacheStatus").send(cache_update(cache_pb.CACHE_STATE_FAILED))
        with pytest.raises(CacheBuildFailed):
            failed.result(timeout=10)


def test_a_cache_watch_ends_once_its_targets_have_settled() -> None:
    with scripted_client() as (client, server):
        seen = server.run(lambda: [s.state for s in client.watch_cache(Target.PLEX)])
        server.stream("cache", "WatchCacheStatus").send(
            cache_update(cache_pb.CACHE_STATE_BUILDING, 1),
            cache_update(cache_pb.CACHE_STATE_STALE, 2),
        )
        assert seen.result(timeout=10) == [
            cache_pb.CACHE_STATE_BUILDING,
            cache_pb.CACHE_STATE_STALE,
        ]


def test_a_sync_is_followed_to_its_end_then_reported() -> None:
    report = sync_pb.SyncReport(
        run_id="r-1", progress=sync_pb.SyncProgress(state=sync_pb.SYNC_STATE_SUCCEEDED)
    )
    with scripted_client() as (client, server):
        started = server.run(lambda: client.run_sync("weekly", dry_run=True))
        call = server.unary("sync", "RunSync")
        assert call.request.command_name == "weekly"
        assert call.request.dry_run
        call.answer(sync_pb.RunSyncResponse(run_id="r-1"))
        assert started.result(timeout=10) == "r-1"

        states: list[int] = []
        finished = server.run(
            lambda: client.wait_for_sync("r-1", progress=lambda p: states.append(p.state))
        )
        watch = server.stream("sync", "WatchSync")
        assert watch.request.run_id == "r-1"
        watch.send(
            sync_pb.WatchSyncResponse(progress=sync_pb.SyncProgress(state=sync_pb.SYNC_STATE_RUNNING)),
            sync_pb.WatchSyncResponse(progress=report.progress),
        )  # fmt: skip
        server.unary("sync", "GetSyncReport").answer(sync_pb.GetSyncReportResponse(report=report))
        assert finished.result(timeout=10) == report
        assert states == [sync_pb.SYNC_STATE_RUNNING, sync_pb.SYNC_STATE_SUCCEEDED]


def test_a_cache_named_by_its_server_is_asked_for_by_name() -> None:
    cabin = cache_pb.CacheStatus(
        server="cabin", kind=pb.SERVER_KIND_PLEX, state=cache_pb.CACHE_STATE_BUILDING
    )
    with scripted_client() as (client, server):
        status = server.run(lambda: client.cache_status("cabin"))
        call = server.unary("cache", "GetCacheStatus")
        assert (call.request.server, call.request.target) == ("cabin", tpb.TARGET_UNSPECIFIED)
        call.answer(cache_pb.GetCacheStatusResponse(statuses=[cabin]))
        assert status.result(timeout=10).statuses[0].server == "cabin"

        built = server.run(lambda: client.build_cache("cabin", mode=cache_pb.BUILD_MODE_FULL))
        call = server.unary("cache", "BuildCache")
        assert (call.request.server, call.request.mode) == ("cabin", cache_pb.BUILD_MODE_FULL)
        call.answer(cache_pb.BuildCacheResponse(started=True, status=cabin))
        assert built.result(timeout=10).started

        seen = server.run(lambda: [s.state for s in client.watch_cache("cabin")])
        watch = server.stream("cache", "WatchCacheStatus")
        assert watch.request.server == "cabin"
        ready = cache_pb.CacheStatus()
        ready.CopyFrom(cabin)
        ready.state = cache_pb.CACHE_STATE_READY
        ready.track_count = 12
        # Another server's update is not this watch's: it ends on cabin's alone.
        watch.send(
            cache_pb.WatchCacheStatusResponse(status=cabin),
            cache_update(cache_pb.CACHE_STATE_READY),
            cache_pb.WatchCacheStatusResponse(status=ready),
        )
        assert seen.result(timeout=10) == [
            cache_pb.CACHE_STATE_BUILDING,
            cache_pb.CACHE_STATE_READY,
        ]
        assert describe_cache(ready) == "Plex server 'cabin' library cache ready: 12 tracks"


def test_a_match_explanation_is_asked_for_one_track_by_server() -> None:
    track = cache_pb.TrackQuery(ref="1", title="Dance", artists=["Leo Hart"])
    with scripted_client() as (client, server):
        reply = server.run(lambda: client.explain_match("cabin", track, limit=3))
        call = server.unary("cache", "ExplainMatch")
        assert (call.request.server, call.request.track, call.request.limit) == ("cabin", track, 3)
        call.answer(cache_pb.ExplainMatchResponse(verdict="exact: ..."))
        assert reply.result(timeout=10).verdict == "exact: ..."
