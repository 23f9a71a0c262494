"""A warning's fix, applied through the service that owns what it changes."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.gateway.v1 import gateway_pb2 as pb
from google.protobuf.field_mask_pb2 import FieldMask

from common.domain import BUILDER_NAME
from common.errors import FieldViolation, check
from common.wire import protoconv
from gateway.backends import CALL_TIMEOUT, Backends
from gateway.review import delete_stale_overrides


async def apply_fix(backends: Backends, fix: cpb.Fix) -> pb.ApplyActionResponse:
    target = protoconv.TARGETS_BACK.get(fix.target)
    needs_target = fix.action in (
        cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE,
        cpb.FIX_ACTION_BUILD_CACHE_NOW,
        cpb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES,
    )
    problems = []
    if fix.action not in protoconv.FIXES_BACK:
        problems.append(FieldViolation("fix.action", "unknown action"))
    if needs_target and target is None:
        problems.append(FieldViolation("fix.target", "must be TARGET_PLEX or TARGET_JELLYFIN"))
    check(problems)

    if fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE and target is not None:
        change = cpb.SettingChange(key=target.cache_enabled_key, value="true")
        updated = await backends.config.UpdateSettings(
            cpb.UpdateSettingsRequest(changes=[change]), timeout=CALL_TIMEOUT
        )
        return pb.ApplyActionResponse(
            message=f"Library cache enabled for {target.label}",
            notifications=updated.notifications,
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
    assert target is not None
    if fix.action == cpb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES:
        deleted = await delete_stale_overrides(backends, target)
        return pb.ApplyActionResponse(
            message=f"Deleted {deleted} stale {target.label} match override(s)"
        )
    build = await backends.cache.BuildCache(
        cache_pb.BuildCacheRequest(target=protoconv.TARGETS[target]), timeout=CALL_TIMEOUT
    )
    started = "started" if build.started else "already running"
    return pb.ApplyActionResponse(message=f"{target.label} library cache build {started}")
