"""The server routes of the gateway's HTTP API (the status page's servers).

``GET /api/servers``: every server (ListServers), tokens withheld. ``POST /api/servers``:
create one (CreateServer). ``POST /api/servers/{name}/test``: check it (TestServer).
``POST /api/servers/{name}/enable`` and ``/disable``: its client switch (UpdateServer,
compare-and-swap on the ``expected_mod_revision`` the caller read). ``GET
/api/servers/{name}/users``: who can receive playlists on it (ListServerUsers).

The gateway only translates: config_svc and sync_svc validate and decide, and their
refusals come back with their reason and field violations. A token goes one way, into
CreateServer: no reply carries it (the JSON below has no token field, and a refusal that
quoted it would be masked), and the process's log redactor learns it first. Every route
needs the API key or a signed-in session, and the POST routes the CSRF guard too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from google.protobuf.field_mask_pb2 import FieldMask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.errors import ErrorReason, FieldViolation
from common.wire.rich_errors import error_reason, field_violations
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.signin import HttpGuard

Handler = Callable[[Request], Awaitable[Response]]
KINDS = {"plex": cpb.SERVER_KIND_PLEX, "jellyfin": cpb.SERVER_KIND_JELLYFIN}
KIND_NAMES = {v: k for k, v in KINDS.items()}
# TestServer makes two requests of at most 4 s each, after reading config_svc.
TEST_TIMEOUT = 12.0
# ListServerUsers: up to four requests with the configured retries (plex.tv included).
USERS_TIMEOUT = 30.0
# What a body may name: the fields CreateServer reads.
CREATE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "url",
        "token",
        "library_names",
        "client_enabled",
        "library_cache_enabled",
        "jellyfin_user_id",
    }
)
MASK = "***"
# A status code for each gRPC code a downstream refusal may carry.
HTTP_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


class BadInput(Exception):
    """The body is not of the route's shape; each violation names its field."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations


def _short(enum_name: str, prefix: str) -> str:
    return enum_name.removeprefix(prefix).lower()


def server_json(server: cpb.Server) -> dict[str, Any]:
    """A server as the API shows it. Built field by field, so the token can never be
    among them: ``token_set`` says whether there is one."""
    return {
        "name": server.name,
        "kind": KIND_NAMES.get(server.kind, "unspecified"),
        "url": server.url,
        "token_set": server.token_set,
        "library_names": list(server.library_names),
        "client_enabled": server.client_enabled,
        "library_cache_enabled": server.library_cache_enabled,
        "library_cache_source": _short(
            cpb.SettingSource.Name(server.library_cache_source), "SETTING_SOURCE_"
        ),
        "jellyfin_user_id": server.jellyfin_user_id,
        "built_in": server.built_in,
        "create_revision": server.create_revision,
        "mod_revision": server.mod_revision,
    }


def check_json(verdict: sync_pb.TestServerResponse) -> dict[str, Any]:
    """TestServer's verdict: ``problem`` is "" when ok, else its short name
    ("token_refused"); ``message`` says it in words."""
    problem = (
        "" if verdict.ok else _short(sync_pb.ServerProblem.Name(verdict.problem), "SERVER_PROBLEM_")
    )
    return {
        "ok": verdict.ok,
        "problem": problem,
        "message": verdict.message,
        "reported_name": verdict.reported_name,
        "server_id": verdict.server_id,
        "version": verdict.version,
        "libraries": list(verdict.libraries),
        "skipped_libraries": list(verdict.skipped_libraries),
    }


def user_json(user: sync_pb.ServerUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "kind": _short(sync_pb.ServerUserKind.Name(user.kind), "SERVER_USER_KIND_"),
        "all_libraries": user.all_libraries,
        "libraries": list(user.libraries),
        "protected": user.protected,
        "disabled": user.disabled,
    }


def _string(body: Mapping[str, Any], key: str, problems: list[FieldViolation]) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(FieldViolation(f"server.{key}", "must be a string"))
        return ""
    return value


def _flag(body: Mapping[str, Any], key: str, problems: list[FieldViolation]) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        problems.append(FieldViolation(f"server.{key}", "must be true or false"))
        return None
    return value


def server_from_body(body: object) -> cpb.Server:
    """A CreateServer body: {"name", "kind" ("plex" or "jellyfin"), "url", "token",
    "library_names" (a list of names; empty: every music library), "client_enabled",
    "library_cache_enabled" (absent: the auto-enable policy decides),
    "jellyfin_user_id"}. Checks the shape only, naming each bad field as CreateServer
    does (``server.kind``); the values are config_svc's to judge."""
    if not isinstance(body, dict):
        raise BadInput([FieldViolation("body", "must be a JSON object")])
    problems = [
        FieldViolation(f"server.{key}", "is not a field of a server")
        for key in sorted(set(body) - CREATE_FIELDS)
    ]
    name = _string(body, "name", problems)
    kind_text = _string(body, "kind", problems)
    kind = KINDS.get(kind_text.lower().removeprefix("server_kind_"))
    if kind is None and not any(p.field == "server.kind" for p in problems):
        problems.append(FieldViolation("server.kind", "must be plex or jellyfin"))
    url = _string(body, "url", problems)
    token = _string(body, "token", problems)
    user_id = _string(body, "jellyfin_user_id", problems)
    libraries = body.get("library_names") or []
    if not isinstance(libraries, list) or not all(isinstance(n, str) for n in libraries):
        problems.append(FieldViolation("server.library_names", "must be a list of names"))
        libraries = []
    client = _flag(body, "client_enabled", problems)
    cache = _flag(body, "library_cache_enabled", problems)
    if problems or kind is None:
        raise BadInput(problems)
    server = cpb.Server(
        name=name,
        kind=kind,
        url=url,
        token=token,
        library_names=libraries,
        client_enabled=bool(client),
        jellyfin_user_id=user_id,
    )
    if cache is not None:
        server.library_cache_enabled = cache
    return server


def expected_revision_from(body: object) -> int:
    """The ``expected_mod_revision`` a switch needs: the server's ``mod_revision`` as the
    caller read it (0 writes whatever the server became meanwhile)."""
    if not isinstance(body, dict):
        raise BadInput([FieldViolation("body", "must be a JSON object")])
    value = body.get("expected_mod_revision")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(
            [
                FieldViolation(
                    "expected_mod_revision",
                    "is required: the server's mod_revision as read (GET /api/servers)",
                )
            ]
        )
    return value


def _violations_json(violations: list[FieldViolation]) -> list[dict[str, str]]:
    return [{"field": v.field, "description": v.description} for v in violations]


def _bad(exc: BadInput) -> Response:
    return JSONResponse(
        {
            "error": f"invalid request: {exc}",
            "reason": ErrorReason.INVALID_ARGUMENT.value,
            "violations": _violations_json(exc.violations),
        },
        400,
    )


def refusal(exc: grpc.aio.AioRpcError, service: str) -> Response:
    """A downstream refusal, with its reason and field violations. A service that did
    not answer at all (no reason) is UPSTREAM_UNAVAILABLE, 503; a target's own refusal
    (a TARGET_* reason) is 502."""
    code = exc.code()
    reason = error_reason(exc) or ""
    status = HTTP_CODES.get(code, 502)
    if reason.startswith("TARGET_") and status != 503:
        status = 502
    message = exc.details() or code.name
    if code == grpc.StatusCode.UNAVAILABLE and not reason:
        reason = ErrorReason.UPSTREAM_UNAVAILABLE.value
        message = f"{service} did not answer ({code.name}); try again"
    violations = [FieldViolation(f, d) for f, d in field_violations(exc)]
    return JSONResponse(
        {
            "error": message,
            "reason": reason or code.name,
            "violations": _violations_json(violations),
        },
        status,
    )


def masked(response: Response, secret: str) -> Response:
    """``response`` with ``secret`` replaced, wherever a downstream message quoted it."""
    body = bytes(response.body)
    for form in (secret, json.dumps(secret)[1:-1]) if secret else ():
        body = body.replace(form.encode(), MASK.encode())
    if body == response.body:
        return response
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    return Response(body, response.status_code, headers, response.media_type)


async def _body(request: Request) -> object:
    try:
        return await request.json()
    except ValueError as exc:
        raise BadInput([FieldViolation("body", "must be JSON")]) from exc


def server_routes(
    backends: Backends, guard: HttpGuard, remember_secret: Callable[[str], None]
) -> list[Route]:
    """The routes, behind ``guard``. ``remember_secret`` (the log redactor's ``add``)
    learns a token before anything could log it."""

    def guarded(handler: Handler, *, action: bool = False) -> Handler:
        async def answered(request: Request) -> Response:
            try:
                return await handler(request)
            except BadInput as exc:
                return _bad(exc)

        return guard.protect(answered, action=action)

    async def list_servers(_request: Request) -> Response:
        try:
            reply = await backends.config.ListServers(
                cpb.ListServersRequest(), timeout=CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "config_svc")
        return JSONResponse(
            {"servers": [server_json(s) for s in reply.servers], "revision": reply.revision}
        )

    async def create_server(request: Request) -> Response:
        server = server_from_body(await _body(request))
        remember_secret(server.token)
        try:
            reply = await backends.config.CreateServer(
                cpb.CreateServerRequest(server=server), timeout=CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return masked(refusal(exc, "config_svc"), server.token)
        return JSONResponse(
            {
                "server": server_json(reply.server),
                "notifications": [n.message for n in reply.notifications],
                "revision": reply.revision,
            }
        )

    async def test_server(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            verdict = await backends.sync.TestServer(
                sync_pb.TestServerRequest(name=name), timeout=TEST_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        return JSONResponse({"name": name, **check_json(verdict)})

    def switch(enabled: bool) -> Handler:
        async def switched(request: Request) -> Response:
            expected = expected_revision_from(await _body(request))
            name = request.path_params["name"]
            try:
                reply = await backends.config.UpdateServer(
                    cpb.UpdateServerRequest(
                        server=cpb.Server(name=name, client_enabled=enabled),
                        update_mask=FieldMask(paths=["client_enabled"]),
                        expected_mod_revision=expected,
                    ),
                    timeout=CALL_TIMEOUT,
                )
            except grpc.aio.AioRpcError as exc:
                return refusal(exc, "config_svc")
            return JSONResponse(
                {
                    "server": server_json(reply.server),
                    "notifications": [n.message for n in reply.notifications],
                    "revision": reply.revision,
                }
            )

        return switched

    async def users(request: Request) -> Response:
        try:
            reply = await backends.sync.ListServerUsers(
                sync_pb.ListServerUsersRequest(server=request.path_params["name"]),
                timeout=USERS_TIMEOUT,
            )
        except grpc.aio.AioRpcError as exc:
            return refusal(exc, "sync_svc")
        return JSONResponse({"users": [user_json(u) for u in reply.users]})

    return [
        Route("/api/servers", guarded(list_servers), methods=["GET"]),
        Route("/api/servers", guarded(create_server, action=True), methods=["POST"]),
        Route("/api/servers/{name}/test", guarded(test_server, action=True), methods=["POST"]),
        Route("/api/servers/{name}/enable", guarded(switch(True), action=True), methods=["POST"]),
        Route("/api/servers/{name}/disable", guarded(switch(False), action=True), methods=["POST"]),
        Route("/api/servers/{name}/users", guarded(users), methods=["GET"]),
    ]
