"""How a build reaches a server: its kind, URL, libraries and Jellyfin user as the followed
configuration says (a built-in server's from its PLEX_* or JELLYFIN_* settings), the
request limits from the settings, and the token read from config_svc at build time with
RevealSecrets(server_names=[name]) (never stored here). A build worker gets them to connect
with; a build in this process connects through the factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.build.builders import ConnectionInfo, Endpoint, SourceFactory
from cache_svc.build.generation import BuildFailed
from cache_svc.config_view import FollowedConfig
from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import builtin_target
from common.errors import ServerNotFound
from common.runtime.tracing import Tracing
from common.targets import LibraryReader
from common.targets.connect import connect_server
from common.targets.traced import TracedReader
from common.wire.channels import DEFAULT_TIMEOUT


def server_connection_info(
    config_stub: config_pb2_grpc.ConfigServiceAsyncStub,
    registry: Registry,
    *,
    remember_secret: Callable[[str], None],
) -> ConnectionInfo:
    """What a build connects with: the followed server and settings, and the revealed
    token; ``remember_secret`` hears the token first, so that the service's logs can mask
    it."""

    async def info(server: str, config: FollowedConfig) -> Endpoint:
        followed = config.server(registry, server)
        if followed is None:
            raise ServerNotFound(server)
        reply = await config_stub.RevealSecrets(
            pb.RevealSecretsRequest(server_names=[server]), timeout=DEFAULT_TIMEOUT
        )
        token = next((t.token for t in reply.server_tokens if t.server_name == server), "")
        remember_secret(token)
        target = builtin_target(server)
        return Endpoint(
            kind=followed.kind,
            url=followed.url,
            user_id=followed.jellyfin_user_id,
            token=token,
            settings=config.values,
            url_name=target.url_key if target is not None else f"the url of server {server!r}",
        )

    return info


def server_source_factory(
    info: ConnectionInfo, registry: Registry, *, tracing: Tracing | None = None
) -> SourceFactory:
    """Connections for builds in this process, closed when the build is done; with
    ``tracing`` on, the listing's pages and the HTTP requests are spans."""
    tracing = tracing or Tracing.off()

    @asynccontextmanager
    async def factory(server: str, config: FollowedConfig) -> AsyncIterator[LibraryReader]:
        endpoint = await info(server, config)
        try:
            connection = connect_server(
                endpoint.kind,
                url=endpoint.url,
                token=endpoint.token,
                user_id=endpoint.user_id,
                settings=SettingValues(registry, endpoint.settings),
                url_name=endpoint.url_name,
                instrument=tracing.instrument_http,
            )
        except ValueError as exc:
            raise BuildFailed(str(exc)) from None
        try:
            if tracing.enabled:
                yield TracedReader(connection.client, tracing.tracer("cache_svc"))
            else:
                yield connection.client
        finally:
            await connection.close()

    return factory
