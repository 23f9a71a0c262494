"""cmdarr.config.v1.ConfigService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from common.config.registry import Registry
from common.errors import FieldViolation, check
from common.wire import override_pb, protoconv
from config_svc import convert
from config_svc.core import ConfigCore, SettingChange
from config_svc.overrides import OverrideUseCases, server_of
from config_svc.revisions import RevisionEngine
from config_svc.servers import ServerUseCases

Context = grpc.aio.ServicerContext[Any, Any]


class ConfigServicer(config_pb2_grpc.ConfigServiceServicer):
    def __init__(
        self,
        core: ConfigCore,
        revisions: RevisionEngine,
        registry: Registry,
        overrides: OverrideUseCases,
        servers: ServerUseCases,
    ) -> None:
        self._core = core
        self._revisions = revisions
        self._registry = registry
        self._overrides = overrides
        self._servers = servers

    async def GetSettings(
        self, request: pb.GetSettingsRequest, context: Context
    ) -> pb.GetSettingsResponse:
        settings, revision = await self._core.get_settings(list(request.keys))
        return pb.GetSettingsResponse(
            settings=[convert.setting_to_pb(self._registry, s) for s in settings], revision=revision
        )

    async def UpdateSettings(
        self, request: pb.UpdateSettingsRequest, context: Context
    ) -> pb.UpdateSettingsResponse:
        result = await self._core.update_settings(
            [SettingChange(c.key, c.value, c.reset) for c in request.changes],
            expected_revision=request.expected_revision,
            validate_only=request.validate_only,
        )
        return pb.UpdateSettingsResponse(
            revision=result.revision,
            changed=[convert.setting_to_pb(self._registry, s) for s in result.changed_settings],
            notifications=[protoconv.notification_to_pb(n) for n in result.notifications],
            warnings=[protoconv.warning_to_pb(w) for w in result.warnings],
            changed_commands=[protoconv.command_to_pb(c) for c in result.changed_commands],
        )

    async def RevealSecrets(
        self, request: pb.RevealSecretsRequest, context: Context
    ) -> pb.RevealSecretsResponse:
        secrets, tokens, revision = await self._core.reveal_secrets(
            list(request.keys), list(request.server_names)
        )
        return pb.RevealSecretsResponse(
            secrets=[
                pb.SecretValue(key=k, value=v, source=convert.ORIGINS[o]) for k, v, o in secrets
            ],
            revision=revision,
            server_tokens=[pb.ServerToken(server_name=n, token=t) for n, t in tokens],
        )

    async def ListCommands(
        self, request: pb.ListCommandsRequest, context: Context
    ) -> pb.ListCommandsResponse:
        commands, revision = await self._core.list_commands()
        return pb.ListCommandsResponse(
            commands=[protoconv.command_to_pb(c) for c in commands], revision=revision
        )

    async def GetCommand(
        self, request: pb.GetCommandRequest, context: Context
    ) -> pb.GetCommandResponse:
        return pb.GetCommandResponse(
            command=protoconv.command_to_pb(await self._core.get_command(request.name))
        )

    async def CreateCommand(
        self, request: pb.CreateCommandRequest, context: Context
    ) -> pb.CreateCommandResponse:
        command, result = await self._core.create_command(
            convert.command_from_pb(request.command),
            accept_fixes=request.accept_fixes,
            validate_only=request.validate_only,
        )
        return pb.CreateCommandResponse(
            command=protoconv.command_to_pb(command),
            warnings=[protoconv.warning_to_pb(w) for w in result.warnings],
            notifications=[protoconv.notification_to_pb(n) for n in result.notifications],
            revision=result.revision,
        )

    async def UpdateCommand(
        self, request: pb.UpdateCommandRequest, context: Context
    ) -> pb.UpdateCommandResponse:
        command, result = await self._core.update_command(
            convert.command_from_pb(request.command),
            list(request.update_mask.paths),
            expected_mod_revision=request.expected_mod_revision,
        )
        return pb.UpdateCommandResponse(
            command=protoconv.command_to_pb(command),
            warnings=[protoconv.warning_to_pb(w) for w in result.warnings],
            revision=result.revision,
        )

    async def DeleteCommand(
        self, request: pb.DeleteCommandRequest, context: Context
    ) -> pb.DeleteCommandResponse:
        result = await self._core.delete_command(request.name)
        return pb.DeleteCommandResponse(revision=result.revision)

    async def ListWarnings(
        self, request: pb.ListWarningsRequest, context: Context
    ) -> pb.ListWarningsResponse:
        warnings, revision = await self._core.warnings()
        return pb.ListWarningsResponse(
            warnings=[protoconv.warning_to_pb(w) for w in warnings], revision=revision
        )

    async def ListMatchOverrides(
        self, request: pb.ListMatchOverridesRequest, context: Context
    ) -> pb.ListMatchOverridesResponse:
        target = protoconv.TARGETS_BACK.get(request.target)
        if request.target and target is None:
            check([FieldViolation("target", "must be TARGET_PLEX, TARGET_JELLYFIN or unset")])
        server = ""
        if request.server or target is not None:
            server, problems = server_of(target, target is not None, request.server, "")
            check(problems)
        overrides, revision = await self._overrides.list(server)
        return pb.ListMatchOverridesResponse(
            overrides=[override_pb.override_to_pb(o) for o in overrides], revision=revision
        )

    async def PutMatchOverride(
        self, request: pb.PutMatchOverrideRequest, context: Context
    ) -> pb.PutMatchOverrideResponse:
        override, revision = await self._overrides.put(
            convert.override_from_pb(request.override),
            expected_mod_revision=request.expected_mod_revision,
        )
        return pb.PutMatchOverrideResponse(
            override=override_pb.override_to_pb(override), revision=revision
        )

    async def DeleteMatchOverride(
        self, request: pb.DeleteMatchOverrideRequest, context: Context
    ) -> pb.DeleteMatchOverrideResponse:
        revision = await self._overrides.delete(
            protoconv.TARGETS_BACK.get(request.target),
            convert.key_from_pb(request.key),
            server=request.server,
            target_given=request.target != 0 or not request.server,
        )
        return pb.DeleteMatchOverrideResponse(revision=revision)

    async def ListServers(
        self, request: pb.ListServersRequest, context: Context
    ) -> pb.ListServersResponse:
        servers, revision = await self._servers.list()
        return pb.ListServersResponse(
            servers=[convert.server_to_pb(s) for s in servers], revision=revision
        )

    async def CreateServer(
        self, request: pb.CreateServerRequest, context: Context
    ) -> pb.CreateServerResponse:
        server, notes, revision = await self._servers.create(convert.server_from_pb(request.server))
        return pb.CreateServerResponse(
            server=convert.server_to_pb(server),
            notifications=[protoconv.notification_to_pb(n) for n in notes],
            revision=revision,
        )

    async def UpdateServer(
        self, request: pb.UpdateServerRequest, context: Context
    ) -> pb.UpdateServerResponse:
        server, notes, revision = await self._servers.update(
            convert.server_from_pb(request.server),
            list(request.update_mask.paths),
            expected_mod_revision=request.expected_mod_revision,
        )
        return pb.UpdateServerResponse(
            server=convert.server_to_pb(server),
            notifications=[protoconv.notification_to_pb(n) for n in notes],
            revision=revision,
        )

    async def DeleteServer(
        self, request: pb.DeleteServerRequest, context: Context
    ) -> pb.DeleteServerResponse:
        revision = await self._servers.delete(
            request.name, expected_mod_revision=request.expected_mod_revision
        )
        return pb.DeleteServerResponse(revision=revision)

    async def WatchConfig(
        self, request: pb.WatchConfigRequest, context: Context
    ) -> AsyncIterator[pb.WatchConfigResponse]:
        interval_ms = request.progress_interval_ms or 5000
        interval = min(max(interval_ms, 100), 60_000) / 1000
        async for item in self._revisions.watch(request.after_revision, interval):
            yield convert.watch_item_to_pb(self._registry, item)
