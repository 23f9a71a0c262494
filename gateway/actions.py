"""A warning's fix, applied through the service that owns what it changes. A fix names its
server (``server``) or, as before, the built-in server's target (``target``)."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.gateway.v1 import gateway_pb2 as pb
from google.protobuf.field_mask_pb2 import FieldMask

from common.domain import BUILDER_NAME, Target, builtin_target
from common.errors import FieldViolation, check
from common.server_names import check_server_name
from common.wire import protoconv
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.review import delete_stale_overrides


def _server_of(fix: cpb.Fix, needed: bool) -> str:
    """The server a fix is about ("" when none is needed); bad input names its field."""
    problems = []
    if fix.action not in protoconv.FIXES_BACK:
        problems.append(FieldViolation("fix.action", "unknown action"))
    target: Target | None = protoconv.TARGETS_BACK.get(fix.target)
    if fix.server:
        problems += check_server_name(fix.server, "fix.server")
        if target is not None and target.server_name != fix.server:
            problems.append(
                FieldViolation("fix.server", f"names {fix.server!r} but fix.target another")
            )
    elif needed and target is None:
        problems.append(
            FieldViolation(
                "fix.target", "must be TARGET_PLEX or TARGET_JELLYFIN, or set fix.server"
            )
        )
    check(problems)
    return fix.server or (target.server_name if target is not None else "")


async def apply_fix(backends: Backends, fix: cpb.Fix) -> pb.ApplyActionResponse:
    needs_server = fix.action in (
        cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE,
        cpb.FIX_ACTION_BUILD_CACHE_NOW,
        cpb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES,
    )
    server = _server_of(fix, needs_server)
    target = builtin_target(server)

    if fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE and target is not None:
        change = cpb.SettingChange(key=target.cache_enabled_key, value="true")
        updated = await backends.config.UpdateSettings(
            cpb.UpdateSettingsRequest(changes=[change]), timeout=CALL_TIMEOUT
        )
        return pb.ApplyActionResponse(
            message=f"Library cache enabled for {target.label}",
            notifications=updated.notifications,
        )
    if fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE:
        # A created server's cache is its own switch, not a setting.
        changed = await backends.config.UpdateServer(
            cpb.UpdateServerRequest(
                server=cpb.Server(name=server, library_cache_enabled=True),
                update_mask=FieldMask(paths=["library_cache_enabled"]),
            ),
            timeout=CALL_TIMEOUT,
        )
        return pb.ApplyActionResponse(
            message=f"Library cache enabled for server {server!r}",
            notifications=changed.notifications,
        )
    if fix.action == cpb.FIX_ACTION_ENABLE_CACHE_BUILDER:
        await backends.config.UpdateCommand(
            cpb.UpdateCommandRequest(
                command=cpb.Command(name=BUILDER_NAME, enabled=True),
                update_mask=FieldMask(paths=["enabled"]),
            ),
            timeout=CALL_TIMEOUT,
        )
        return pb.ApplyActionResponse(message=f"The {BUILDER_NAME} command was enabled")
    label = target.label if target is not None else f"server {server!r}"
    if fix.action == cpb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES:
        deleted = await delete_stale_overrides(backends, server)
        return pb.ApplyActionResponse(message=f"Deleted {deleted} stale {label} match override(s)")
    build = await backends.cache.BuildCache(
        cache_pb.BuildCacheRequest(server=server), timeout=CALL_TIMEOUT
    )
    started = "started" if build.started else "already running"
    return pb.ApplyActionResponse(message=f"{label} library cache build {started}")
