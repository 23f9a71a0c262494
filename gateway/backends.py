"""The three services behind the gateway, and the whole picture assembled from them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.sync.v1 import sync_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.config.registry import Registry
from common.domain import CacheHealth, ConfiguredServer, ConfigView, Target
from common.warning_rules import compute_warnings
from common.wire import protoconv
from common.wire.override_pb import stored_key_from_pb

CALL_TIMEOUT = 5.0


@dataclass
class Backends:
    """Stubs on channels the caller owns; every call has a deadline."""

    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub
    sync: sync_pb2_grpc.SyncServiceAsyncStub
    channels: dict[str, grpc.aio.Channel]

    @classmethod
    def on(cls, channels: dict[str, grpc.aio.Channel]) -> Backends:
        return cls(
            config_pb2_grpc.ConfigServiceStub(channels["config_svc"]),
            cache_pb2_grpc.CacheServiceStub(channels["cache_svc"]),
            sync_pb2_grpc.SyncServiceStub(channels["sync_svc"]),
            channels,
        )

    async def health(self) -> list[pb.ServiceHealth]:
        async def one(name: str, channel: grpc.aio.Channel) -> pb.ServiceHealth:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=CALL_TIMEOUT
                )
                return pb.ServiceHealth(
                    name=name, serving=reply.status == health_pb2.HealthCheckResponse.SERVING
                )
            except grpc.aio.AioRpcError as exc:
                return pb.ServiceHealth(name=name, serving=False, error=exc.code().name)

        return list(await asyncio.gather(*(one(n, c) for n, c in self.channels.items())))

    async def cache_statuses(self) -> list[cache_pb.CacheStatus]:
        try:
            reply = await self.cache.GetCacheStatus(
                cache_pb.GetCacheStatusRequest(), timeout=CALL_TIMEOUT
            )
            return list(reply.statuses)
        except grpc.aio.AioRpcError:
            return []

    async def recent_syncs(self, limit: int = 10) -> list[sync_pb.SyncSummary]:
        try:
            reply = await self.sync.ListSyncs(
                sync_pb.ListSyncsRequest(limit=limit), timeout=CALL_TIMEOUT
            )
            return list(reply.syncs)
        except grpc.aio.AioRpcError:
            return []

    async def config_view(self, registry: Registry) -> ConfigView:
        """The configuration as the warning rules read it (raises when config_svc is away)."""
        settings = await self.config.GetSettings(cpb.GetSettingsRequest(), timeout=CALL_TIMEOUT)
        commands = await self.config.ListCommands(cpb.ListCommandsRequest(), timeout=CALL_TIMEOUT)
        servers = await self.config.ListServers(cpb.ListServersRequest(), timeout=CALL_TIMEOUT)
        typed = {
            s.key: registry[s.key].parse(s.value if not s.secret else ("x" if s.is_set else ""))
            for s in settings.settings
            if s.key in registry
        }
        parsed = [protoconv.command_from_pb(c) for c in commands.commands]
        created = tuple(
            ConfiguredServer(
                s.name,
                protoconv.SERVER_KINDS_BACK[s.kind],
                s.client_enabled,
                s.library_cache_enabled,
            )
            for s in servers.servers
            if not s.built_in and s.kind in protoconv.SERVER_KINDS_BACK
        )
        return ConfigView(typed, tuple(c for c in parsed if c is not None), created)

    async def warnings(
        self, registry: Registry, caches: list[cache_pb.CacheStatus]
    ) -> list[cpb.Warning]:
        return warnings_for(await self.config_view(registry), caches)

    async def status(self, registry: Registry) -> pb.Status:
        caches, syncs, services = await asyncio.gather(
            self.cache_statuses(), self.recent_syncs(), self.health()
        )
        status = pb.Status(recent_syncs=syncs, services=services)
        answered = True
        try:
            view = await self.config_view(registry)
            status.warnings.extend(warnings_for(view, caches))
        except grpc.aio.AioRpcError:
            view, answered = ConfigView({}), False
        by_target = {c.target: c for c in caches if c.target}
        for target in Target:
            code = protoconv.TARGETS[target]
            entry = pb.TargetStatus(
                target=code, client_enabled=view.flag(target.client_enabled_key)
            )
            if code in by_target:
                entry.cache.CopyFrom(by_target[code])
            status.targets.append(entry)
        if answered:
            status.servers.extend(server_statuses(view, caches))
        return status


def server_statuses(view: ConfigView, caches: list[cache_pb.CacheStatus]) -> list[pb.ServerStatus]:
    """Every server config_svc has, each with its cache's status when cache_svc reported
    one."""
    by_name = {c.server: c for c in caches if c.server}
    out = []
    for server in view.every_server():
        entry = pb.ServerStatus(
            name=server.name,
            kind=protoconv.SERVER_KINDS[server.kind],
            client_enabled=server.client_enabled,
        )
        if server.name in by_name:
            entry.cache.CopyFrom(by_name[server.name])
        out.append(entry)
    return out


def stale_label(override: cpb.MatchOverride) -> str:
    return f"{stored_key_from_pb(override.key).label()} -> item {override.item_id}"


def warnings_for(view: ConfigView, caches: list[cache_pb.CacheStatus]) -> list[cpb.Warning]:
    """The shared warning rules over a configuration and the caches' reported status."""
    health = [
        CacheHealth(
            protoconv.TARGETS_BACK.get(c.target),
            protoconv.cache_state_from_pb(c.state),
            c.last_error,
            c.progress.tracks_done,
            c.progress.tracks_total,
            tuple(stale_label(o) for o in c.stale_overrides),
            server=c.server or protoconv.TARGETS_BACK[c.target].server_name,
            kind=protoconv.SERVER_KINDS_BACK.get(c.kind),
        )
        for c in caches
        if c.server or c.target in protoconv.TARGETS_BACK
    ]
    return [protoconv.warning_to_pb(w) for w in compute_warnings(view, health)]
