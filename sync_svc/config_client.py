"""What sync_svc reads from config_svc: playlist commands and the settings a run uses.

Like CacheClient, it turns calls into domain values and downstream failures into domain
errors, so the runner and the scheduler never handle protobuf or status codes."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc

from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import Command, CommandKind, ServerKind
from common.errors import (
    CommandNotFound,
    FieldViolation,
    InvalidArgument,
    ServerNotFound,
)
from common.matching.overrides import MatchOverride
from common.wire import protoconv
from common.wire.channels import DEFAULT_TIMEOUT
from common.wire.override_pb import override_from_pb
from common.wire.rich_errors import field_violations
from sync_svc.runs import Spec
from sync_svc.server_access import ServerAccess

KINDS = {cpb.SERVER_KIND_PLEX: ServerKind.PLEX, cpb.SERVER_KIND_JELLYFIN: ServerKind.JELLYFIN}


class ConfigClient:
    def __init__(
        self,
        stub: config_pb2_grpc.ConfigServiceAsyncStub,
        registry: Registry,
        *,
        remember_secret: Callable[[str], None],
    ) -> None:
        self._stub = stub
        self._registry = registry
        self._remember_secret = remember_secret  # revealed tokens, masked in the logs

    async def playlist_spec(self, name: str) -> Spec:
        """The spec of the playlist_sync command ``name``. Only a real NOT_FOUND becomes
        CommandNotFound; a name config_svc refuses is this request's ``command_name``;
        any other failure propagates as it came."""
        if not name:
            raise InvalidArgument([FieldViolation("command_name", "is required")])
        try:
            reply = await self._stub.GetCommand(
                cpb.GetCommandRequest(name=name), timeout=DEFAULT_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise CommandNotFound(name, kind="playlist_sync command") from None
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                texts = [text for _, text in field_violations(exc)] or [exc.details() or ""]
                raise InvalidArgument(FieldViolation("command_name", t) for t in texts) from None
            raise
        command = protoconv.command_from_pb(reply.command)
        if command is None or command.kind is not CommandKind.PLAYLIST_SYNC:
            raise CommandNotFound(name, kind="playlist_sync command")
        return spec_of(command)

    async def playlist_commands(self) -> list[Command]:
        """Every playlist_sync command, enabled or not."""
        reply = await self._stub.ListCommands(cpb.ListCommandsRequest(), timeout=DEFAULT_TIMEOUT)
        commands = (protoconv.command_from_pb(c) for c in reply.commands)
        return [c for c in commands if c is not None and c.kind is CommandKind.PLAYLIST_SYNC]

    async def match_overrides(self) -> list[MatchOverride]:
        """Every match override (a run reads them once, for the tracks no cache answers).
        A config_svc too old to keep overrides (UNIMPLEMENTED, during a rolling upgrade)
        has none."""
        try:
            reply = await self._stub.ListMatchOverrides(
                cpb.ListMatchOverridesRequest(), timeout=DEFAULT_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                return []
            raise
        found = (override_from_pb(o) for o in reply.overrides)
        return [o for o in found if o is not None]

    async def server_access(self, name: str) -> ServerAccess:
        """How to reach the server ``name``, its token revealed (and masked in the logs).
        ServerNotFound when config_svc lists no such server."""
        listed = await self._stub.ListServers(cpb.ListServersRequest(), timeout=DEFAULT_TIMEOUT)
        server = next((s for s in listed.servers if s.name == name), None)
        if server is None or server.kind not in KINDS:
            raise ServerNotFound(name)
        token = ""
        if server.token_set:
            reply = await self._stub.RevealSecrets(
                cpb.RevealSecretsRequest(server_names=[name]), timeout=DEFAULT_TIMEOUT
            )
            token = next((t.token for t in reply.server_tokens if t.server_name == name), "")
            self._remember_secret(token)
        return ServerAccess(
            name=name,
            kind=KINDS[server.kind],
            url=server.url,
            token=token,
            library_names=tuple(server.library_names),
            user_id=server.jellyfin_user_id,
            client_enabled=server.client_enabled,
        )

    async def plex_tv_url(self) -> str:
        return (await self.settings()).text("PLEX_TV_URL")

    async def settings(self) -> SettingValues:
        """Every setting's value, secrets left out (as they are shown: set or not)."""
        reply = await self._stub.GetSettings(cpb.GetSettingsRequest(), timeout=DEFAULT_TIMEOUT)
        return SettingValues(self._registry, {s.key: s.value for s in reply.settings})

    async def run_settings(self) -> SettingValues:
        """Every setting's value, secrets included, as a run will use them."""
        shown = await self.settings()
        secrets = await self._stub.RevealSecrets(
            cpb.RevealSecretsRequest(), timeout=DEFAULT_TIMEOUT
        )
        for secret in secrets.secrets:
            self._remember_secret(secret.value)
        revealed = {s.key: s.value for s in secrets.secrets}
        return SettingValues(self._registry, {**shown.raw, **revealed})


def spec_of(command: Command) -> Spec:
    return Spec(
        playlist_title=command.playlist_title or command.name,
        destinations=command.destinations,
        source_kind=command.source_kind,
        source_ref=command.source_ref,
        command_name=command.name,
        mode=command.mode,
        sync_note=command.sync_note,
    )
