"""Follows config_svc's WatchConfig stream: applies every change once, persists the
applied revision with its effects, resumes after any disconnect or restart, and starts
over from a snapshot when its revision was compacted."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable

import grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.config_view import FollowedConfig, FollowedServer, decide
from cache_svc.manager import CacheManager
from cache_svc.store import CacheStore
from common.config.registry import Registry
from common.errors import ErrorReason
from common.wire.channels import DEFAULT_TIMEOUT
from common.wire.override_pb import override_from_pb, stored_key_from_pb
from common.wire.override_pb import server_of as override_server
from common.wire.protoconv import SERVER_KINDS_BACK
from common.wire.rich_errors import reason_of

_log = logging.getLogger("cache_svc.follower")

STREAM_DEADLINE = 3600.0  # a watch is re-opened (from the applied revision) every hour
MAX_BACKOFF = 10.0


def server_from_pb(message: pb.Server) -> FollowedServer | None:
    """A created server as the cache follows it; None for a kind this version does not
    know (or a built-in server, which is its settings)."""
    kind = SERVER_KINDS_BACK.get(message.kind)
    if kind is None or message.built_in:
        return None
    return FollowedServer(
        name=message.name,
        kind=kind,
        url=message.url,
        library_names=tuple(message.library_names),
        client_enabled=message.client_enabled,
        cache_enabled=message.library_cache_enabled,
        jellyfin_user_id=message.jellyfin_user_id,
        token_revision=message.token_revision,
    )


def from_snapshot(snapshot: pb.ConfigSnapshot) -> FollowedConfig:
    config = FollowedConfig()
    for setting in snapshot.settings:
        config = config.with_setting(setting.key, setting.value, setting.mod_revision)
    for command in snapshot.commands:
        config = config.with_builder(command.name, command.enabled)
    for message in snapshot.match_overrides:
        override = override_from_pb(message)
        if override is not None:
            config = config.with_override(override)
    for stream_server in snapshot.servers:
        server = server_from_pb(stream_server)
        if server is not None:
            config = config.with_server(server)
    return config


def with_events(config: FollowedConfig, events: Iterable[pb.ConfigEvent]) -> FollowedConfig:
    for event in events:
        if event.type == pb.EVENT_TYPE_SETTING_CHANGED:
            config = config.with_setting(
                event.setting.key, event.setting.value, event.setting.mod_revision
            )
        elif event.type == pb.EVENT_TYPE_COMMAND_PUT:
            config = config.with_builder(event.command.name, event.command.enabled)
        elif event.type == pb.EVENT_TYPE_MATCH_OVERRIDE_PUT:
            override = override_from_pb(event.match_override)
            if override is not None:
                config = config.with_override(override)
        elif event.type == pb.EVENT_TYPE_MATCH_OVERRIDE_DELETED:
            steered = override_server(event.match_override)
            if steered:
                config = config.without_override(
                    steered, stored_key_from_pb(event.match_override.key)
                )
        elif event.type == pb.EVENT_TYPE_SERVER_PUT:
            server = server_from_pb(event.server)
            if server is not None:
                config = config.with_server(server)
        elif event.type == pb.EVENT_TYPE_SERVER_DELETED:
            config = config.without_server(event.server.name)
    return config


class ConfigFollower:
    def __init__(
        self,
        stub: config_pb2_grpc.ConfigServiceAsyncStub,
        store: CacheStore,
        manager: CacheManager,
        registry: Registry,
        on_synced: Callable[[], Awaitable[None]],
        *,
        progress_interval_ms: int = 2000,
        rng: random.Random | None = None,
    ) -> None:
        self._stub = stub
        self._store = store
        self._manager = manager
        self._registry = registry
        self._on_synced = on_synced
        self._interval = progress_interval_ms
        self._rng = rng or random.Random()
        self._synced = False
        self._caught_up_at = 0
        self._has_state = False
        self._resnapshot = False

    async def run(self) -> None:
        """Follow forever (until cancelled), reconnecting with backoff and jitter."""
        stored = await self._store.followed()
        self._has_state = stored is not None
        if stored is not None and not stored[1].follows_servers:
            # Stored before servers were followed: the servers created until now are only
            # in a snapshot.
            _log.info("followed state predates servers; starting from a snapshot")
            self._resnapshot = True
        backoff = 0.2
        while True:
            try:
                if await self._follow_once():
                    backoff = 0.2
            except grpc.aio.AioRpcError as exc:
                if reason_of(exc) is ErrorReason.REVISION_COMPACTED:
                    _log.warning("applied revision was compacted; starting from a snapshot")
                    self._resnapshot = True
                    continue
                if exc.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                    _log.warning("config watch interrupted: %s", exc.code().name)
                    await asyncio.sleep(backoff * (0.5 + self._rng.random()))
                    backoff = min(backoff * 2, MAX_BACKOFF)

    async def _follow_once(self) -> bool:
        """One watch stream; True when it delivered anything."""
        after = 0 if self._resnapshot or not self._has_state else self._manager.applied_revision
        if not self._synced:
            # Caught up once the revision current now is applied: under steady changes the
            # stream is never idle long enough for a PROGRESS message to say so.
            reply = await self._stub.GetSettings(
                pb.GetSettingsRequest(keys=["AUTO_ENABLE_LIBRARY_CACHE"]), timeout=DEFAULT_TIMEOUT
            )
            self._caught_up_at = reply.revision
            if self._has_state and not self._resnapshot and after >= reply.revision:
                await self._mark_synced()
        call = self._stub.WatchConfig(
            pb.WatchConfigRequest(after_revision=after, progress_interval_ms=self._interval),
            timeout=STREAM_DEADLINE,
        )
        delivered = False
        async for message in call:
            delivered = True
            await self._handle(message)
        return delivered

    async def _handle(self, message: pb.WatchConfigResponse) -> None:
        current = self._manager.config
        if message.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT:
            new = from_snapshot(message.snapshot)
            old = current if self._has_state else None
            self._resnapshot = False
        elif message.kind == pb.WATCH_RESPONSE_KIND_EVENTS:
            if message.revision <= self._manager.applied_revision:
                return  # a duplicate: already applied
            new, old = with_events(current, message.events), current
        else:
            await self._mark_synced()
            return
        decisions = decide(self._registry, old, new)
        await self._store.apply_followed(message.revision, new, decisions)
        self._has_state = True
        await self._manager.apply(message.revision, new, decisions)
        if (
            message.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
            or message.revision >= self._caught_up_at
        ):
            await self._mark_synced()

    async def _mark_synced(self) -> None:
        if not self._synced:
            self._synced = True
            await self._on_synced()
