"""The server routes' pure parts: a body's shape, each bad field named as CreateServer
names it; a server's JSON, which has no place for a token; a refusal's status code; and
the mask over a reply that quotes a token."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import JSONResponse, Response

from common.errors import (
    BuiltinServer,
    FieldViolation,
    InvalidArgument,
    RevisionMismatch,
    ServerNotFound,
    ServiceError,
)
from common.targets.errors import TargetAuthError
from common.wire.rich_errors import status_for
from gateway.servers_http import (
    CREATE_FIELDS,
    MASK,
    BadInput,
    check_json,
    expected_revision_from,
    masked,
    refusal,
    server_from_body,
    server_json,
)

SECRET = "Tok-3e9a1c55"


def fields_of(body: object) -> list[str]:
    with pytest.raises(BadInput) as caught:
        server_from_body(body)
    return [v.field for v in caught.value.violations]


def test_a_body_becomes_the_server_createserver_reads() -> None:
    server = server_from_body(
        {
            "name": "cabin",
            "kind": "Jellyfin",
            "url": "http://cabin:8096",
            "token": SECRET,
            "library_names": ["Music", "Vinyl"],
            "client_enabled": True,
            "jellyfin_user_id": "a" * 32,
        }
    )
    assert (server.name, server.kind, server.url, server.token) == (
        "cabin",
        cpb.SERVER_KIND_JELLYFIN,
        "http://cabin:8096",
        SECRET,
    )
    assert (list(server.library_names), server.client_enabled) == (["Music", "Vinyl"], True)
    assert not server.HasField("library_cache_enabled"), "left to the auto-enable policy"
    chosen = server_from_body(
        {"name": "den", "kind": "SERVER_KIND_PLEX", "library_cache_enabled": False}
    )
    assert chosen.kind == cpb.SERVER_KIND_PLEX
    assert chosen.HasField("library_cache_enabled"), "the user's choice, even false"
    assert not chosen.library_cache_enabled
    assert not chosen.client_enabled


def test_a_body_of_the_wrong_shape_names_each_field() -> None:
    assert fields_of([]) == ["body"]
    assert fields_of({"name": "x"}) == ["server.kind"]
    assert fields_of({"name": "x", "kind": "emby"}) == ["server.kind"]
    assert fields_of({"name": 7, "kind": "plex", "url": ["http://x"]}) == [
        "server.name",
        "server.url",
    ]
    assert fields_of({"name": "x", "kind": "plex", "library_names": "Music"}) == [
        "server.library_names"
    ]
    assert fields_of({"name": "x", "kind": "plex", "library_names": ["Music", 3]}) == [
        "server.library_names"
    ]
    assert fields_of({"name": "x", "kind": "plex", "client_enabled": "yes"}) == [
        "server.client_enabled"
    ]
    assert fields_of({"name": "x", "kind": "plex", "token_set": True, "tokn": "x"}) == [
        "server.token_set",
        "server.tokn",
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(sorted(CREATE_FIELDS)) | st.text(max_size=8)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=json_values | st.dictionaries(field_names, json_values, max_size=8))
def test_any_json_is_a_server_or_a_refusal_naming_fields(body: object) -> None:
    """Whatever JSON arrives: a server to send, or a refusal whose every violation names
    the body or a server field; never another exception."""
    refused: list[FieldViolation] = []
    try:
        server = server_from_body(body)
    except BadInput as exc:
        refused = exc.violations
    if refused:
        assert all(v.field == "body" or v.field.startswith("server.") for v in refused)
        return
    assert isinstance(body, dict)
    assert server.kind in (cpb.SERVER_KIND_PLEX, cpb.SERVER_KIND_JELLYFIN)
    assert server.token == (body.get("token") or "")


def test_a_switch_needs_the_revision_the_caller_read() -> None:
    assert expected_revision_from({"expected_mod_revision": 12}) == 12
    assert expected_revision_from({"expected_mod_revision": 0}) == 0
    for body in ({}, {"expected_mod_revision": "12"}, {"expected_mod_revision": -1},
                 {"expected_mod_revision": True}):  # fmt: skip
        with pytest.raises(BadInput) as caught:
            expected_revision_from(body)
        assert [v.field for v in caught.value.violations] == ["expected_mod_revision"]
    with pytest.raises(BadInput):
        expected_revision_from([12])


def test_a_server_s_json_never_holds_a_token() -> None:
    server = cpb.Server(
        name="cabin",
        kind=cpb.SERVER_KIND_PLEX,
        url="http://cabin:32400",
        token=SECRET,  # config_svc withholds it; even if it did not, the JSON has no place
        token_set=True,
        client_enabled=True,
        library_cache_enabled=True,
        library_cache_source=cpb.SETTING_SOURCE_AUTO,
        mod_revision=9,
    )
    shown = server_json(server)
    assert SECRET not in json.dumps(shown)
    assert "token" not in shown
    assert (shown["kind"], shown["token_set"], shown["library_cache_source"]) == (
        "plex",
        True,
        "auto",
    )
    assert shown["mod_revision"] == 9


def test_a_verdict_names_its_problem_in_short() -> None:
    ok = check_json(sync_pb.TestServerResponse(ok=True, message="cabin (1.40): 1 music library"))
    assert (ok["ok"], ok["problem"]) == (True, "")
    refused = check_json(
        sync_pb.TestServerResponse(problem=sync_pb.SERVER_PROBLEM_TOKEN_REFUSED, message="no")
    )
    assert (refused["ok"], refused["problem"]) == (False, "token_refused")


def body_of(response: Response) -> Any:
    return json.loads(bytes(response.body))


def failed_call(error: ServiceError) -> grpc.aio.AioRpcError:
    """What a channel raises when a service refuses with ``error`` (its rich status)."""
    status = status_for(error)
    return grpc.aio.AioRpcError(
        status.code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        status.details,
        "",
    )


def test_a_refusal_keeps_its_reason_and_violations() -> None:
    invalid = refusal(
        failed_call(InvalidArgument([FieldViolation("server.url", "must be http or https")])),
        "config_svc",
    )
    assert invalid.status_code == 400
    body = body_of(invalid)
    assert body["violations"] == [{"field": "server.url", "description": "must be http or https"}]
    assert body["reason"] == "INVALID_ARGUMENT"
    assert refusal(failed_call(ServerNotFound("attic")), "sync_svc").status_code == 404
    stale = refusal(failed_call(RevisionMismatch(3, 5, subject="server 'cabin'")), "config_svc")
    assert stale.status_code == 409
    assert body_of(stale)["reason"] == "REVISION_MISMATCH"
    assert "server 'cabin' changed at revision 5, not 3" in body_of(stale)["error"]
    assert refusal(failed_call(BuiltinServer("use the settings")), "config_svc").status_code == 409
    target = refusal(failed_call(TargetAuthError("plex.tv refused the token")), "sync_svc")
    assert (target.status_code, body_of(target)["reason"]) == (502, "TARGET_AUTH")
    bare = grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "no route", ""
    )
    away = refusal(bare, "config_svc")
    assert away.status_code == 503
    assert body_of(away)["reason"] == "UPSTREAM_UNAVAILABLE"
    assert "config_svc did not answer" in body_of(away)["error"]


def test_a_reply_that_quotes_the_token_is_masked() -> None:
    quoted = JSONResponse({"error": f"bad token {SECRET}"}, 400)
    shown = masked(quoted, SECRET)
    assert SECRET.encode() not in shown.body
    assert body_of(shown) == {"error": f"bad token {MASK}"}
    assert shown.status_code == 400
    assert shown.headers["content-length"] == str(len(shown.body))
    clean = JSONResponse({"error": "no"}, 400)
    assert masked(clean, SECRET) is clean
    assert masked(clean, "") is clean
